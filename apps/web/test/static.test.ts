import { readdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { startTestServer, testStores } from "@codepark/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { useWebServer } from "./browser-suite.ts";

describe("serving the built web app", () => {
  const suite = useWebServer();
  let entry: string;

  beforeAll(async () => {
    const assets = await readdir(fileURLToPath(new URL("../dist/assets/", import.meta.url)));
    entry = assets.find((name) => /^index-[\w-]+\.js$/.test(name))!;
  });

  it("caches hashed assets for a year and sends them compressed", async () => {
    expect(entry).toBeDefined();
    const plain = await fetch(`${suite.server.baseUrl}/assets/${entry}`, {
      headers: { "accept-encoding": "identity" },
    });
    expect(plain.status).toBe(200);
    expect(plain.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const raw = (await plain.arrayBuffer()).byteLength;
    const compressed = await fetch(`${suite.server.baseUrl}/assets/${entry}`, {
      headers: { "accept-encoding": "br" },
    });
    expect(compressed.headers.get("content-encoding")).toBe("br");
    expect(Number(compressed.headers.get("content-length") ?? raw)).toBeLessThan(raw / 2);
    await compressed.arrayBuffer();
  });

  it("does not let a client that stops reading hold up shutdown", async () => {
    const assets = await readdir(fileURLToPath(new URL("../dist/assets/", import.meta.url)));
    const largest = assets.find((name) => /^editor\.api-[\w-]+\.js$/.test(name));
    expect(largest).toBeDefined();
    const stalled = await startTestServer(testStores()[0]!, { SHUTDOWN_TIMEOUT_MS: "1000" });
    const response = await fetch(`${stalled.baseUrl}/assets/${largest}`, {
      headers: { "accept-encoding": "identity" },
    });
    expect(response.status).toBe(200);
    // The body is never read, so the server's write stalls; stop() must still finish.
    await stalled.stop();
    await response.body?.cancel();
  });

  it("never caches index.html and answers client routes with it, but not API routes", async () => {
    const index = await fetch(`${suite.server.baseUrl}/`);
    expect(index.headers.get("cache-control")).toBe("no-cache");
    const html = await index.text();
    expect(html).toContain('<div id="root">');
    const route = await fetch(`${suite.server.baseUrl}/projects/prj_x/files/fil_y`, {
      headers: { accept: "text/html" },
    });
    expect(route.status).toBe(200);
    expect(route.headers.get("cache-control")).toBe("no-cache");
    expect(await route.text()).toBe(html);
    const api = await fetch(`${suite.server.baseUrl}/api/v1/nope`, { headers: { accept: "text/html" } });
    expect(api.status).toBe(404);
    expect(api.headers.get("content-type")).toContain("application/problem+json");
  });
});
