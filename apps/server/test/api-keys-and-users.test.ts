import { registerUser, startTestServer, type TestServer, type TestUser, testStores } from "@codepark/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeys } from "../src/domain/auth/schema.ts";

describe.each(testStores())("API keys and user administration on %s", (store) => {
  let server: TestServer;
  let admin: TestUser;
  let alice: TestUser;
  beforeAll(async () => {
    server = await startTestServer(store);
    admin = await registerUser(server.api, "Admin");
    alice = await registerUser(server.api, "Alice");
  });
  afterAll(() => server?.stop());

  it("creates a key shown once with a recognisable prefix, stored only as a hash", async () => {
    const created = await server.api.post(
      "/api/v1/api-keys",
      { name: "CI", scopes: ["projects:read", "projects:write"] },
      alice.accessToken,
    );
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^cpk_[A-Za-z0-9_-]{40,}$/);
    expect(created.body.id).toMatch(/^key_/);
    expect(created.body.key.startsWith(created.body.prefix)).toBe(true);

    const list = await server.api.get("/api/v1/api-keys", alice.accessToken);
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).not.toHaveProperty("key");
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);

    const rows = await server.app.database.db.select().from(apiKeys);
    expect(JSON.stringify(rows)).not.toContain(created.body.key);
  });

  it("accepts a key wherever a bearer token is, limited to its scopes, until deleted", async () => {
    const created = await server.api.post(
      "/api/v1/api-keys",
      { name: "read only", scopes: ["projects:read"] },
      alice.accessToken,
    );
    const key = created.body.key as string;
    const project = await server.api.post("/api/v1/projects", { name: "Keyed" }, alice.accessToken);

    expect((await server.api.get(`/api/v1/projects/${project.body.id}`, key)).status).toBe(200);
    expect((await server.api.get("/api/v1/me", key)).body.id).toBe(alice.id);
    const write = await server.api.patch(`/api/v1/projects/${project.body.id}`, { name: "Nope" }, key);
    expect(write.status).toBe(403);
    expect(write.body.code).toBe("insufficient_scope");
    const create = await server.api.post("/api/v1/projects", { name: "Nope" }, key);
    expect(create.body.code).toBe("insufficient_scope");

    // Account security is for signed-in sessions only.
    const keys = await server.api.get("/api/v1/api-keys", key);
    expect(keys.status).toBe(403);
    expect(keys.body.code).toBe("session_required");

    const removed = await server.api.delete(`/api/v1/api-keys/${created.body.id}`, alice.accessToken);
    expect(removed.status).toBe(204);
    const after = await server.api.get("/api/v1/me", key);
    expect(after.status).toBe(401);
    expect((await server.api.delete(`/api/v1/api-keys/${created.body.id}`, alice.accessToken)).status).toBe(
      404,
    );
  });

  it("does not let one user delete another's key", async () => {
    const created = await server.api.post(
      "/api/v1/api-keys",
      { name: "mine", scopes: ["projects:read"] },
      alice.accessToken,
    );
    const bob = await registerUser(server.api, "Bob");
    expect((await server.api.delete(`/api/v1/api-keys/${created.body.id}`, bob.accessToken)).status).toBe(
      404,
    );
    expect((await server.api.get("/api/v1/me", created.body.key)).status).toBe(200);
  });

  it("refuses unknown scopes", async () => {
    const response = await server.api.post(
      "/api/v1/api-keys",
      { name: "x", scopes: ["root"] },
      alice.accessToken,
    );
    expect(response.status).toBe(400);
    expect(response.body.code).toBe("validation_failed");
  });

  it("lets admins list users and change roles; the change applies to live tokens at once", async () => {
    expect(admin.role).toBe("admin");
    const list = await server.api.get("/api/v1/users?limit=100", admin.accessToken);
    expect(list.status).toBe(200);
    expect(list.body.items.map((u: { id: string }) => u.id)).toEqual(
      expect.arrayContaining([admin.id, alice.id]),
    );

    expect((await server.api.get("/api/v1/users", alice.accessToken)).status).toBe(403);
    const promoted = await server.api.patch(
      `/api/v1/users/${alice.id}`,
      { role: "admin" },
      admin.accessToken,
    );
    expect(promoted.status).toBe(200);
    expect(promoted.body.role).toBe("admin");
    expect((await server.api.get("/api/v1/users", alice.accessToken)).status).toBe(200);

    const demoted = await server.api.patch(`/api/v1/users/${alice.id}`, { role: "user" }, admin.accessToken);
    expect(demoted.body.role).toBe("user");
    expect((await server.api.get("/api/v1/users", alice.accessToken)).status).toBe(403);
  });

  it("keeps at least one admin", async () => {
    const response = await server.api.patch(`/api/v1/users/${admin.id}`, { role: "user" }, admin.accessToken);
    expect(response.status).toBe(409);
    expect(response.body.code).toBe("last_admin");
    expect(
      (await server.api.patch("/api/v1/users/usr_missing", { role: "user" }, admin.accessToken)).status,
    ).toBe(404);
  });
});
