import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";

describe("configuration", () => {
  it("has defaults that run embedded on 127.0.0.1:3000", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      HOST: "127.0.0.1",
      PORT: 3000,
      DATA_DIR: "./data",
      LOG_LEVEL: "info",
      CORS_ORIGINS: [],
    });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it.each([
    ["PORT", "eighty"],
    ["PORT", "70000"],
    ["LOG_LEVEL", "loud"],
    ["DATABASE_URL", "mysql://localhost/db"],
    ["CORS_ORIGINS", "not a url"],
    ["ENCRYPTION_KEY", "short"],
    ["JWT_SECRET", "short"],
    ["TRUST_PROXY", "maybe"],
  ])("refuses %s=%s with a message naming the variable", (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`\\b${name}\\b`));
  });

  it("joins a cluster only on a shared PostgreSQL: REDIS_URL without DATABASE_URL is refused, saying why", () => {
    expect(() => loadConfig({ REDIS_URL: "redis://127.0.0.1:6379" })).toThrow(
      /DATABASE_URL[\s\S]*single-node/,
    );
    const clustered = loadConfig({
      REDIS_URL: "redis://127.0.0.1:6379",
      DATABASE_URL: "postgres://postgres@127.0.0.1/test",
      REDIS_PREFIX: "tenant-a:",
    });
    expect(clustered).toMatchObject({ REDIS_URL: "redis://127.0.0.1:6379", REDIS_PREFIX: "tenant-a:" });
    expect(loadConfig({}).REDIS_PREFIX).toBe("codepark:");
    expect(() => loadConfig({ REDIS_URL: "http://x", DATABASE_URL: "postgres://x/y" })).toThrow(/REDIS_URL/);
  });

  it("caps a person's open document bytes at 64 MiB by default; 0 turns it off; below one full document is refused", () => {
    expect(loadConfig({}).COLLAB_USER_LOADED_BYTES).toBe(64 * 1024 * 1024);
    expect(loadConfig({ COLLAB_USER_LOADED_BYTES: "0" }).COLLAB_USER_LOADED_BYTES).toBe(0);
    expect(() => loadConfig({ COLLAB_USER_LOADED_BYTES: "1048576" })).toThrow(
      /COLLAB_USER_LOADED_BYTES[\s\S]*COLLAB_MAX_DOCUMENT_BYTES/,
    );
    const small = loadConfig({ COLLAB_USER_LOADED_BYTES: "65536", COLLAB_MAX_DOCUMENT_BYTES: "65536" });
    expect(small.COLLAB_USER_LOADED_BYTES).toBe(65536);
  });

  it("turns OIDC sign-in on with OIDC_ISSUER and OIDC_CLIENT_ID set together, never half-configured", () => {
    const off = loadConfig({});
    expect([off.OIDC_ISSUER, off.OIDC_CLIENT_ID, off.OIDC_DISPLAY_NAME]).toEqual([
      undefined,
      undefined,
      "SSO",
    ]);
    const on = loadConfig({
      OIDC_ISSUER: "https://login.example.com/realms/acme",
      OIDC_CLIENT_ID: "codepark",
      OIDC_CLIENT_SECRET: "s3cret",
      OIDC_DISPLAY_NAME: "Acme SSO",
    });
    expect(on).toMatchObject({ OIDC_CLIENT_ID: "codepark", OIDC_DISPLAY_NAME: "Acme SSO" });
    expect(() => loadConfig({ OIDC_ISSUER: "https://login.example.com" })).toThrow(
      /OIDC_CLIENT_ID[\s\S]*together/,
    );
    expect(() => loadConfig({ OIDC_CLIENT_ID: "codepark" })).toThrow(/OIDC_CLIENT_ID[\s\S]*together/);
    expect(() => loadConfig({ OIDC_CLIENT_SECRET: "s3cret" })).toThrow(/OIDC_CLIENT_SECRET/);
    expect(() => loadConfig({ OIDC_ISSUER: "ftp://login.example.com", OIDC_CLIENT_ID: "c" })).toThrow(
      /OIDC_ISSUER/,
    );
  });

  it("parses lists and booleans", () => {
    const config = loadConfig({ CORS_ORIGINS: "https://a.example, https://b.example", TRUST_PROXY: "true" });
    expect(config.CORS_ORIGINS).toEqual(["https://a.example", "https://b.example"]);
    expect(config.TRUST_PROXY).toBe(true);
  });
});
