import type { ApiResponse } from "@codepark/testing";
import {
  authenticatorCode,
  registerUser,
  startTestServer,
  type TestServer,
  type TestUser,
  testStores,
} from "@codepark/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REFRESH_REUSE_GRACE_MS } from "../src/domain/auth/sessions.ts";

type Family = "session" | "user" | "api_key" | "project" | "member";
type Counts = Record<string, number>;

/** `cache_requests_total` from /metrics, as `family result` → count. */
async function cacheCounts(server: TestServer): Promise<Counts> {
  const text = (await server.api.get<string>("/metrics")).body;
  const counts: Counts = {};
  for (const match of text.matchAll(/^cache_requests_total\{cache="(\w+)",result="(\w+)"\} (\d+)$/gm))
    counts[`${match[1]} ${match[2]}`] = Number(match[3]);
  return counts;
}

const DAY_MS = 86_400_000;

const hitsOf = (counts: Counts, family: Family) => counts[`${family} hit`] ?? 0;

/**
 * The cache is warm for `request`: it runs twice (the first fills), and the second is answered from
 * the cache for each family named — so what a test checks next is served only if invalidated.
 */
async function warm(server: TestServer, families: Family[], request: () => Promise<ApiResponse>) {
  const first = await request();
  const before = await cacheCounts(server);
  const second = await request();
  expect(second.status).toBe(first.status);
  const after = await cacheCounts(server);
  for (const family of families)
    expect(hitsOf(after, family), family).toBeGreaterThan(hitsOf(before, family));
  return second;
}

describe.each(testStores())("the read cache on %s", (store) => {
  let server: TestServer;
  let admin: TestUser;
  let owner: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  beforeAll(async () => {
    // Entries outlive the minute the API-key test skips; a session's end comes before its token's.
    server = await startTestServer(store, {
      CACHE_TTL_SECONDS: "300",
      ACCESS_TOKEN_TTL_SECONDS: "86400",
      REFRESH_TOKEN_TTL_DAYS: "1",
    });
    admin = await registerUser(server.api, "Admin");
    owner = await registerUser(server.api, "Owner");
    bob = await registerUser(server.api, "Bob");
    carol = await registerUser(server.api, "Carol");
  });
  afterAll(() => server?.stop());

  const newProject = async (visibility: "private" | "public" = "private") => {
    const created = await server.api.post(
      "/api/v1/projects",
      { name: "Cached", visibility },
      owner.accessToken,
    );
    expect(created.status).toBe(201);
    return created.body.id as string;
  };
  const addMember = async (projectId: string, user: TestUser, role: string) => {
    const added = await server.api.post(
      `/api/v1/projects/${projectId}/members`,
      { email: user.email, role },
      owner.accessToken,
    );
    expect(added.status).toBe(201);
  };

  it("answers repeated authenticated reads from the cache: every family hits, nothing misses", async () => {
    const projectId = await newProject();
    const get = () => server.api.get(`/api/v1/projects/${projectId}`, owner.accessToken);
    expect((await get()).status).toBe(200);
    const before = await cacheCounts(server);
    for (let i = 0; i < 5; i++) expect((await get()).body).toMatchObject({ id: projectId, role: "owner" });
    const after = await cacheCounts(server);
    for (const family of ["session", "user", "project", "member"] as const) {
      expect(hitsOf(after, family) - hitsOf(before, family), family).toBe(5);
      expect(after[`${family} miss`] ?? 0, family).toBe(before[`${family} miss`] ?? 0);
    }
  });

  it("refuses a revoked session on the very next request (signed out elsewhere, logout, refresh reuse)", async () => {
    const login = () =>
      server.api.post("/api/v1/auth/login", { email: owner.email, password: owner.password });
    const me = (token: string) => server.api.get("/api/v1/me", token);

    const laptop = (await login()).body;
    await warm(server, ["session", "user"], () => me(laptop.accessToken));
    const sessions = await server.api.get("/api/v1/sessions?limit=100", laptop.accessToken);
    const current = sessions.body.items.find((session: { current: boolean }) => session.current);
    expect((await server.api.delete(`/api/v1/sessions/${current.id}`, owner.accessToken)).status).toBe(204);
    const revoked = await me(laptop.accessToken);
    expect(revoked.status).toBe(401);
    expect(revoked.body.code).toBe("session_revoked");

    const phone = (await login()).body;
    await warm(server, ["session"], () => me(phone.accessToken));
    expect((await server.api.post("/api/v1/auth/logout", undefined, phone.accessToken)).status).toBe(204);
    expect((await me(phone.accessToken)).status).toBe(401);

    const tablet = (await login()).body;
    const rotated = await server.api.post("/api/v1/auth/refresh", { refreshToken: tablet.refreshToken });
    await warm(server, ["session"], () => me(rotated.body.accessToken));
    // Past the window in which a client racing itself gets the same successor.
    server.clock.advance(REFRESH_REUSE_GRACE_MS + 1);
    const replay = await server.api.post("/api/v1/auth/refresh", { refreshToken: tablet.refreshToken });
    expect(replay.body.code).toBe("refresh_token_reused");
    expect((await me(rotated.body.accessToken)).status).toBe(401);

    expect((await me(owner.accessToken)).status).toBe(200);
  });

  it("refuses a deleted API key on the very next request", async () => {
    const created = await server.api.post(
      "/api/v1/api-keys",
      { name: "ci", scopes: ["projects:read"] },
      bob.accessToken,
    );
    const key = created.body.key as string;
    // The first use records last_used_at, which drops the key's entry; the next ones fill and hit.
    expect((await server.api.get("/api/v1/me", key)).status).toBe(200);
    await warm(server, ["api_key", "user"], () => server.api.get("/api/v1/me", key));
    expect((await server.api.delete(`/api/v1/api-keys/${created.body.id}`, bob.accessToken)).status).toBe(
      204,
    );
    expect((await server.api.get("/api/v1/me", key)).status).toBe(401);
  });

  it("still records an API key's use once a minute (the cached last use is refreshed)", async () => {
    const created = await server.api.post(
      "/api/v1/api-keys",
      { name: "poller", scopes: ["projects:read"] },
      carol.accessToken,
    );
    const lastUsed = async () => {
      const list = await server.api.get("/api/v1/api-keys", carol.accessToken);
      return list.body.items.find((item: { id: string }) => item.id === created.body.id).lastUsedAt;
    };
    expect((await server.api.get("/api/v1/me", created.body.key)).status).toBe(200);
    await warm(server, ["api_key"], () => server.api.get("/api/v1/me", created.body.key));
    const first = await lastUsed();
    expect(first).not.toBeNull();
    server.clock.advance(61_000);
    const use = async () => {
      const before = await cacheCounts(server);
      expect((await server.api.get("/api/v1/me", created.body.key)).status).toBe(200);
      const after = await cacheCounts(server);
      return hitsOf(after, "api_key") > hitsOf(before, "api_key") ? "hit" : "miss";
    };
    // A hit whose last use is a minute old writes the new time and drops the entry: the next misses.
    expect(await use()).toBe("hit");
    const second = await lastUsed();
    expect(Date.parse(second)).toBeGreaterThan(Date.parse(first));
    expect(await use()).toBe("miss");
    expect(await use()).toBe("hit");
    expect(await lastUsed()).toBe(second);
  });

  it("admits an added member and forbids a removed one on the next request", async () => {
    const projectId = await newProject();
    const read = () => server.api.get(`/api/v1/projects/${projectId}`, bob.accessToken);
    const files = () => server.api.get(`/api/v1/projects/${projectId}/files`, bob.accessToken);
    expect((await warm(server, ["project", "member"], read)).status).toBe(404);
    await addMember(projectId, bob, "editor");
    expect((await warm(server, ["project", "member"], read)).status).toBe(200);
    expect((await warm(server, ["member"], files)).status).toBe(200);
    const removed = await server.api.delete(
      `/api/v1/projects/${projectId}/members/${bob.id}`,
      owner.accessToken,
    );
    expect(removed.status).toBe(204);
    expect((await read()).status).toBe(404);
    expect((await files()).status).toBe(404);
  });

  it("lets a downgraded member no longer write, and an upgraded one write, at once", async () => {
    const projectId = await newProject();
    await addMember(projectId, carol, "editor");
    const write = (path: string) =>
      server.api.post(`/api/v1/projects/${projectId}/files`, { path, content: "x" }, carol.accessToken);
    const read = () => server.api.get(`/api/v1/projects/${projectId}`, carol.accessToken);
    expect((await warm(server, ["member"], read)).body.role).toBe("editor");
    expect((await write("a.txt")).status).toBe(201);

    const role = (value: string) =>
      server.api.patch(
        `/api/v1/projects/${projectId}/members/${carol.id}`,
        { role: value },
        owner.accessToken,
      );
    expect((await role("viewer")).status).toBe(200);
    expect((await read()).body.role).toBe("viewer");
    const refused = await write("b.txt");
    expect(refused.status).toBe(403);
    await warm(server, ["member"], read);
    expect((await role("editor")).status).toBe(200);
    expect((await write("c.txt")).status).toBe(201);
  });

  it("applies a visibility change at once, both ways", async () => {
    const projectId = await newProject("public");
    const read = () => server.api.get(`/api/v1/projects/${projectId}`, carol.accessToken);
    const setVisibility = (visibility: string) =>
      server.api.patch(`/api/v1/projects/${projectId}`, { visibility }, owner.accessToken);
    expect((await warm(server, ["project", "member"], read)).status).toBe(200);
    expect((await setVisibility("private")).status).toBe(200);
    expect((await read()).status).toBe(404);
    await warm(server, ["project"], read);
    expect((await setVisibility("public")).status).toBe(200);
    expect((await read()).body).toMatchObject({ id: projectId, visibility: "public", role: null });
  });

  it("shows a renamed project at once and refuses a deleted one", async () => {
    const projectId = await newProject();
    await addMember(projectId, bob, "viewer");
    const read = (token: string) => server.api.get(`/api/v1/projects/${projectId}`, token);
    await warm(server, ["project"], () => read(bob.accessToken));
    await server.api.patch(`/api/v1/projects/${projectId}`, { name: "Renamed" }, owner.accessToken);
    expect((await read(bob.accessToken)).body.name).toBe("Renamed");
    expect((await server.api.delete(`/api/v1/projects/${projectId}`, owner.accessToken)).status).toBe(204);
    expect((await read(bob.accessToken)).status).toBe(404);
    expect((await read(owner.accessToken)).status).toBe(404);
  });

  it("applies a user's role and name change to live tokens at once", async () => {
    const users = () => server.api.get("/api/v1/users", carol.accessToken);
    expect((await warm(server, ["session", "user"], users)).status).toBe(403);
    const patch = (body: object) => server.api.patch(`/api/v1/users/${carol.id}`, body, admin.accessToken);
    expect((await patch({ role: "admin", name: "Carol A." })).status).toBe(200);
    expect((await users()).status).toBe(200);
    expect((await server.api.get("/api/v1/me", carol.accessToken)).body).toMatchObject({
      role: "admin",
      name: "Carol A.",
    });
    await warm(server, ["user"], users);
    expect((await patch({ role: "user" })).status).toBe(200);
    expect((await users()).status).toBe(403);
  });

  it("shows two-factor authentication switched on and off at once", async () => {
    const dave = await registerUser(server.api, "Dave");
    const me = () => server.api.get("/api/v1/me", dave.accessToken);
    expect((await warm(server, ["user"], me)).body.twoFactorEnabled).toBe(false);
    const setup = await server.api.post("/api/v1/auth/2fa/setup", undefined, dave.accessToken);
    const secret = setup.body.secret as string;
    const enable = await server.api.post(
      "/api/v1/auth/2fa/enable",
      { code: authenticatorCode(secret, server.clock.now()) },
      dave.accessToken,
    );
    expect(enable.status).toBe(200);
    expect((await me()).body.twoFactorEnabled).toBe(true);
    await warm(server, ["user"], me);
    server.clock.advance(30_000); // a fresh code: each is accepted once
    const disable = await server.api.post(
      "/api/v1/auth/2fa/disable",
      { code: authenticatorCode(secret, server.clock.now()) },
      dave.accessToken,
    );
    expect(disable.status).toBe(204);
    expect((await me()).body.twoFactorEnabled).toBe(false);
  });

  it("still expires a cached session on time (the cached end is compared with the clock)", async () => {
    const user = await registerUser(server.api, "Eve");
    // Sessions last a day here and access tokens a day: refreshed just before the session ends,
    // the new access token outlives the session.
    server.clock.advance(DAY_MS - 10_000);
    try {
      const refreshed = await server.api.post("/api/v1/auth/refresh", { refreshToken: user.refreshToken });
      const me = () => server.api.get("/api/v1/me", refreshed.body.accessToken);
      expect((await warm(server, ["session"], me)).status).toBe(200);
      server.clock.advance(20_000);
      const late = await me();
      expect(late.status).toBe(401);
      expect(late.body.code).toBe("session_revoked");
    } finally {
      server.clock.advance(-(DAY_MS + 10_000));
    }
  });
});

describe.each(testStores())("with caching off (CACHE_TTL_SECONDS=0) on %s", (store) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(store, { CACHE_TTL_SECONDS: "0" });
  });
  afterAll(() => server?.stop());

  it("reads every time from the store, counts nothing, and revokes as before", async () => {
    const user = await registerUser(server.api);
    const key = (
      await server.api.post("/api/v1/api-keys", { name: "k", scopes: ["projects:read"] }, user.accessToken)
    ).body;
    const project = await server.api.post("/api/v1/projects", { name: "Uncached" }, user.accessToken);
    for (let i = 0; i < 3; i++) {
      expect((await server.api.get(`/api/v1/projects/${project.body.id}`, user.accessToken)).status).toBe(
        200,
      );
      expect((await server.api.get(`/api/v1/projects/${project.body.id}`, key.key)).status).toBe(200);
    }
    expect(await cacheCounts(server)).toEqual({});
    expect((await server.api.post("/api/v1/auth/logout", undefined, user.accessToken)).status).toBe(204);
    expect((await server.api.get("/api/v1/me", user.accessToken)).status).toBe(401);
  });
});
