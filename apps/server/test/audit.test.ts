import {
  type ApiResponse,
  authenticatorCode,
  registerUser,
  startTestServer,
  type TestServer,
  type TestUser,
  testStores,
} from "@codepark/testing";
import { and, eq, or } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "../src/domain/audit/schema.ts";
import { REFRESH_REUSE_GRACE_MS } from "../src/domain/auth/sessions.ts";

type AuditRow = typeof auditLog.$inferSelect;

const IP = "203.0.113.7";
const AGENT = "AuditTest/1.0 (+https://codepark.test)";

describe.each(testStores())("audit log on %s", (store) => {
  let server: TestServer;
  let admin: TestUser;

  beforeAll(async () => {
    // Behind a (pretend) reverse proxy, so a test can choose the client IP it appears to come from.
    server = await startTestServer(store, { TRUST_PROXY: "true" });
    admin = await registerUser(server.api, "Admin");
  });
  afterAll(() => server?.stop());

  /** A request from the client this suite pretends to be: a known IP and user agent. */
  function send<T = any>(
    method: string,
    path: string,
    token?: string,
    body?: unknown,
  ): Promise<ApiResponse<T>> {
    return server.api.request<T>(method, path, {
      token,
      body,
      headers: { "user-agent": AGENT, "x-forwarded-for": IP },
    });
  }

  /** Entries written while a fixture account was made (registerUser signs in once): not under test. */
  const fixtureRows = new Set<string>();

  /** A fresh account, its set-up entries put aside so each test sees only what it did. */
  async function freshUser(name: string): Promise<TestUser> {
    const user = await registerUser(server.api, name);
    const rows = await server.app.database.db
      .select({ id: auditLog.id })
      .from(auditLog)
      .where(or(eq(auditLog.actorId, user.id), eq(auditLog.targetId, user.id)));
    for (const row of rows) fixtureRows.add(row.id);
    return user;
  }

  /** Rows of one action that concern a user (as actor or as target), straight from the table. */
  async function rowsFor(action: string, userId: string): Promise<AuditRow[]> {
    const rows = await server.app.database.db
      .select()
      .from(auditLog)
      .where(
        and(eq(auditLog.action, action), or(eq(auditLog.actorId, userId), eq(auditLog.targetId, userId))),
      )
      .orderBy(auditLog.id);
    return rows.filter((row) => !fixtureRows.has(row.id));
  }

  async function onlyRow(action: string, userId: string): Promise<AuditRow> {
    const rows = await rowsFor(action, userId);
    expect(rows, `${action} for ${userId}`).toHaveLength(1);
    return rows[0]!;
  }

  function expectFromClient(row: AuditRow): void {
    expect(row.ip).toBe(IP);
    expect(row.userAgent).toBe(AGENT);
    expect(row.occurredAt).toBeInstanceOf(Date);
  }

  async function currentSessionId(token: string): Promise<string> {
    const list = await server.api.get("/api/v1/sessions", token);
    const current = list.body.items.find((s: { current: boolean }) => s.current);
    return current.id as string;
  }

  describe("what is recorded", () => {
    it("a successful sign-in, with the client's IP and user agent", async () => {
      const user = await freshUser("Login");
      const login = await send("POST", "/api/v1/auth/login", undefined, {
        email: user.email,
        password: user.password,
      });
      expect(login.status).toBe(200);
      const row = await onlyRow("auth.login_succeeded", user.id);
      expect(row).toMatchObject({
        actorId: user.id,
        targetType: "user",
        targetId: user.id,
        details: { method: "password" },
      });
      expectFromClient(row);
    });

    it("the socket address when no proxy header is sent", async () => {
      const user = await freshUser("Direct");
      const login = await server.api.post("/api/v1/auth/login", {
        email: user.email,
        password: user.password,
      });
      expect(login.status).toBe(200);
      expect((await onlyRow("auth.login_succeeded", user.id)).ip).toBe("127.0.0.1");
    });

    it("a failed sign-in with an unknown email (no actor) and with a wrong password, never the password", async () => {
      const user = await freshUser("Fail");
      const email = `nobody-${user.id.slice(-6).toLowerCase()}@example.test`;
      const unknown = await send("POST", "/api/v1/auth/login", undefined, {
        email: ` ${email.toUpperCase()} `,
        password: "guessed passphrase one",
      });
      expect(unknown.status).toBe(401);
      const unknownRows = await server.app.database.db
        .select()
        .from(auditLog)
        .where(eq(auditLog.action, "auth.login_failed"));
      const forEmail = unknownRows.filter((row) => row.details.email === email);
      expect(forEmail).toHaveLength(1);
      expect(forEmail[0]).toMatchObject({
        actorId: null,
        targetType: null,
        targetId: null,
        details: { email, reason: "unknown_email" },
      });
      expectFromClient(forEmail[0]!);

      const wrong = await send("POST", "/api/v1/auth/login", undefined, {
        email: user.email,
        password: "guessed passphrase two",
      });
      expect(wrong.status).toBe(401);
      const row = await onlyRow("auth.login_failed", user.id);
      expect(row).toMatchObject({
        actorId: user.id,
        targetType: "user",
        targetId: user.id,
        details: { email: user.email, reason: "wrong_password" },
      });
      expectFromClient(row);
      const everything = JSON.stringify(await server.app.database.db.select().from(auditLog));
      expect(everything).not.toContain("guessed passphrase");
      expect(await rowsFor("auth.login_succeeded", user.id)).toHaveLength(0);
    });

    it("2FA on, a refused second factor, a recovery-code sign-in and 2FA off", async () => {
      const user = await freshUser("TwoFactor");
      const setup = await send("POST", "/api/v1/auth/2fa/setup", user.accessToken);
      const secret = setup.body.secret as string;
      const enabled = await send("POST", "/api/v1/auth/2fa/enable", user.accessToken, {
        code: authenticatorCode(secret, server.clock.now()),
      });
      expect(enabled.status).toBe(200);
      const on = await onlyRow("mfa.enabled", user.id);
      expect(on).toMatchObject({ actorId: user.id, targetType: "user", targetId: user.id });
      expectFromClient(on);
      expect(JSON.stringify(on.details)).not.toContain(enabled.body.recoveryCodes[0]);

      // The password alone is a challenge, not a failure.
      const challenged = await send("POST", "/api/v1/auth/login", undefined, {
        email: user.email,
        password: user.password,
      });
      expect(challenged.body.code).toBe("mfa_required");
      expect(await rowsFor("auth.login_failed", user.id)).toHaveLength(0);

      const current = authenticatorCode(secret, server.clock.now());
      const refused = await send("POST", "/api/v1/auth/login", undefined, {
        email: user.email,
        password: user.password,
        otp: current === "000000" ? "111111" : "000000",
      });
      expect(refused.body.code).toBe("mfa_invalid");
      const failed = await onlyRow("auth.login_failed", user.id);
      expect(failed).toMatchObject({
        actorId: user.id,
        details: { email: user.email, reason: "mfa_invalid", method: "password+otp" },
      });
      expectFromClient(failed);

      const recovery = await send("POST", "/api/v1/auth/login", undefined, {
        email: user.email,
        password: user.password,
        recoveryCode: enabled.body.recoveryCodes[0],
      });
      expect(recovery.status).toBe(200);
      expect((await onlyRow("auth.login_succeeded", user.id)).details).toEqual({
        method: "password+recovery_code",
      });

      const off = await send("POST", "/api/v1/auth/2fa/disable", user.accessToken, {
        code: enabled.body.recoveryCodes[1],
      });
      expect(off.status).toBe(204);
      const disabled = await onlyRow("mfa.disabled", user.id);
      expect(disabled).toMatchObject({
        actorId: user.id,
        targetType: "user",
        targetId: user.id,
        details: { confirmedWith: "recovery_code" },
      });
      expectFromClient(disabled);
    });

    it("a refused 2FA change records nothing", async () => {
      const user = await freshUser("NoChange");
      const early = await send("POST", "/api/v1/auth/2fa/enable", user.accessToken, { code: "123456" });
      expect(early.status).toBe(409);
      expect(await rowsFor("mfa.enabled", user.id)).toHaveLength(0);
    });

    it("sign-out, signing another device out, and the server revoking a replayed session", async () => {
      const user = await freshUser("Sessions");
      const other = await server.api.post("/api/v1/auth/login", {
        email: user.email,
        password: user.password,
      });
      const otherSession = await currentSessionId(other.body.accessToken);
      const revoked = await send("DELETE", `/api/v1/sessions/${otherSession}`, user.accessToken);
      expect(revoked.status).toBe(204);
      const deviceRow = await onlyRow("session.revoked", user.id);
      expect(deviceRow).toMatchObject({
        actorId: user.id,
        targetType: "user",
        targetId: user.id,
        details: { sessionId: otherSession, reason: "revoked" },
      });
      expectFromClient(deviceRow);

      const ownSession = await currentSessionId(user.accessToken);
      expect((await send("POST", "/api/v1/auth/logout", user.accessToken)).status).toBe(204);
      const rows = await rowsFor("session.revoked", user.id);
      expect(rows).toHaveLength(2);
      expect(rows[1]).toMatchObject({
        actorId: user.id,
        details: { sessionId: ownSession, reason: "logout" },
      });
      expectFromClient(rows[1]!);

      // A refresh token used twice: the server revokes the session; no person acted.
      const fresh = await server.api.post("/api/v1/auth/login", {
        email: user.email,
        password: user.password,
      });
      const freshSession = await currentSessionId(fresh.body.accessToken);
      const first = fresh.body.refreshToken as string;
      expect((await server.api.post("/api/v1/auth/refresh", { refreshToken: first })).status).toBe(200);
      // Past the window in which a client racing itself gets the same successor.
      server.clock.advance(REFRESH_REUSE_GRACE_MS + 1);
      const replay = await send("POST", "/api/v1/auth/refresh", undefined, { refreshToken: first });
      expect(replay.body.code).toBe("refresh_token_reused");
      const all = await rowsFor("session.revoked", user.id);
      expect(all).toHaveLength(3);
      expect(all[2]).toMatchObject({
        actorId: null,
        targetType: "user",
        targetId: user.id,
        details: { sessionId: freshSession, reason: "refresh_token_reused" },
      });
      expectFromClient(all[2]!);
    });

    it("API key creation and deletion, never the key", async () => {
      const user = await freshUser("Keys");
      const created = await send("POST", "/api/v1/api-keys", user.accessToken, {
        name: "deploy",
        scopes: ["projects:read"],
      });
      expect(created.status).toBe(201);
      const createdRow = await onlyRow("api_key.created", user.id);
      expect(createdRow).toMatchObject({
        actorId: user.id,
        targetType: "api_key",
        targetId: created.body.id,
        details: { name: "deploy", prefix: created.body.prefix, scopes: ["projects:read"] },
      });
      expectFromClient(createdRow);
      expect(JSON.stringify(createdRow)).not.toContain(created.body.key);

      expect((await send("DELETE", `/api/v1/api-keys/${created.body.id}`, user.accessToken)).status).toBe(
        204,
      );
      const deletedRow = await onlyRow("api_key.deleted", user.id);
      expect(deletedRow).toMatchObject({
        actorId: user.id,
        targetType: "api_key",
        targetId: created.body.id,
        details: { name: "deploy" },
      });
      expectFromClient(deletedRow);
      // A refused delete (someone else's key, or a missing one) records nothing more.
      expect((await send("DELETE", `/api/v1/api-keys/${created.body.id}`, user.accessToken)).status).toBe(
        404,
      );
      expect(await rowsFor("api_key.deleted", user.id)).toHaveLength(1);
    });

    it("an admin changing a role, not a name change", async () => {
      const user = await freshUser("Promoted");
      expect((await send("PATCH", `/api/v1/users/${user.id}`, admin.accessToken, { name: "P" })).status).toBe(
        200,
      );
      expect(await rowsFor("user.role_changed", user.id)).toHaveLength(0);
      const promoted = await send("PATCH", `/api/v1/users/${user.id}`, admin.accessToken, { role: "admin" });
      expect(promoted.status).toBe(200);
      const row = await onlyRow("user.role_changed", user.id);
      expect(row).toMatchObject({
        actorId: admin.id,
        targetType: "user",
        targetId: user.id,
        details: { role: "admin", previousRole: "user" },
      });
      expectFromClient(row);
      // Setting the same role again changes nothing and records nothing.
      await send("PATCH", `/api/v1/users/${user.id}`, admin.accessToken, { role: "admin" });
      expect(await rowsFor("user.role_changed", user.id)).toHaveLength(1);
      await send("PATCH", `/api/v1/users/${user.id}`, admin.accessToken, { role: "user" });
    });

    it("project membership: added, role changed, removed, and leaving", async () => {
      const owner = await freshUser("Owner");
      const bob = await freshUser("Bob");
      const carol = await freshUser("Carol");
      const project = await server.api.post("/api/v1/projects", { name: "Audited" }, owner.accessToken);
      const base = `/api/v1/projects/${project.body.id}/members`;
      const memberRows = async (action: string) =>
        server.app.database.db
          .select()
          .from(auditLog)
          .where(and(eq(auditLog.action, action), eq(auditLog.targetId, project.body.id)))
          .orderBy(auditLog.id);
      const projectTarget = { targetType: "project", targetId: project.body.id };

      expect((await send("POST", base, owner.accessToken, { email: bob.email, role: "viewer" })).status).toBe(
        201,
      );
      expect(
        (await send("POST", base, owner.accessToken, { email: carol.email, role: "editor" })).status,
      ).toBe(201);
      // A duplicate add is refused and rolled back: no entry.
      expect((await send("POST", base, owner.accessToken, { email: bob.email, role: "editor" })).status).toBe(
        409,
      );
      const added = await memberRows("member.added");
      expect(added).toHaveLength(2);
      expect(added[0]).toMatchObject({
        actorId: owner.id,
        ...projectTarget,
        details: { userId: bob.id, role: "viewer" },
      });
      expectFromClient(added[0]!);

      expect((await send("PATCH", `${base}/${bob.id}`, owner.accessToken, { role: "editor" })).status).toBe(
        200,
      );
      const changed = await memberRows("member.role_changed");
      expect(changed).toHaveLength(1);
      expect(changed[0]).toMatchObject({
        actorId: owner.id,
        ...projectTarget,
        details: { userId: bob.id, role: "editor", previousRole: "viewer" },
      });
      expectFromClient(changed[0]!);

      expect((await send("DELETE", `${base}/${bob.id}`, owner.accessToken)).status).toBe(204);
      expect((await send("DELETE", `${base}/${carol.id}`, carol.accessToken)).status).toBe(204);
      const removed = await memberRows("member.removed");
      expect(removed).toHaveLength(2);
      expect(removed[0]).toMatchObject({
        actorId: owner.id,
        ...projectTarget,
        details: { userId: bob.id, role: "editor", left: false },
      });
      expect(removed[1]).toMatchObject({
        actorId: carol.id,
        ...projectTarget,
        details: { userId: carol.id, role: "editor", left: true },
      });
      expectFromClient(removed[1]!);
    });
  });

  describe("GET /api/v1/audit", () => {
    it("shows a user only their own entries, and an admin everything", async () => {
      const alice = await freshUser("Alice");
      const bob = await freshUser("Bob");
      await send("POST", "/api/v1/api-keys", alice.accessToken, { name: "a", scopes: ["projects:read"] });
      await send("POST", "/api/v1/api-keys", bob.accessToken, { name: "b", scopes: ["projects:read"] });
      // About Alice, by the admin: she sees it as its target.
      await send("PATCH", `/api/v1/users/${alice.id}`, admin.accessToken, { role: "admin" });
      await send("PATCH", `/api/v1/users/${alice.id}`, admin.accessToken, { role: "user" });
      // Nobody's: a sign-in attempt with an unknown email.
      await send("POST", "/api/v1/auth/login", undefined, { email: "ghost@example.test", password: "x" });

      const mine = await send("GET", "/api/v1/audit?limit=100", alice.accessToken);
      expect(mine.status).toBe(200);
      expect(mine.body.items.length).toBeGreaterThanOrEqual(3);
      for (const item of mine.body.items) {
        expect(item.actorId === alice.id || (item.targetType === "user" && item.targetId === alice.id)).toBe(
          true,
        );
      }
      expect(mine.body.items.map((i: { action: string }) => i.action)).toEqual(
        expect.arrayContaining(["api_key.created", "user.role_changed"]),
      );
      const roleEntry = mine.body.items.find((i: { action: string }) => i.action === "user.role_changed");
      expect(roleEntry).toEqual({
        id: expect.stringMatching(/^aud_/),
        action: "user.role_changed",
        actorId: admin.id,
        targetType: "user",
        targetId: alice.id,
        ip: IP,
        userAgent: AGENT,
        details: { role: "user", previousRole: "admin" },
        occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      });

      // Asking for someone else's entries only narrows a user's own view.
      const sneaky = await send("GET", `/api/v1/audit?limit=100&actorId=${bob.id}`, alice.accessToken);
      expect(sneaky.status).toBe(200);
      expect(sneaky.body.items).toEqual([]);

      const everything = await send("GET", "/api/v1/audit?limit=100", admin.accessToken);
      expect(everything.status).toBe(200);
      const actors = new Set(everything.body.items.map((i: { actorId: string | null }) => i.actorId));
      expect(actors).toContain(alice.id);
      expect(actors).toContain(bob.id);
      expect(actors).toContain(null);
      const bobs = await send("GET", `/api/v1/audit?limit=100&actorId=${bob.id}`, admin.accessToken);
      expect(bobs.body.items.length).toBeGreaterThan(0);
      expect(bobs.body.items.every((i: { actorId: string }) => i.actorId === bob.id)).toBe(true);
    });

    it("filters by one action or a comma-separated list", async () => {
      const user = await freshUser("Filter");
      const key = await send("POST", "/api/v1/api-keys", user.accessToken, {
        name: "k",
        scopes: ["users:read"],
      });
      await send("DELETE", `/api/v1/api-keys/${key.body.id}`, user.accessToken);
      await send("POST", "/api/v1/auth/login", undefined, { email: user.email, password: user.password });

      const created = await send("GET", "/api/v1/audit?action=api_key.created", user.accessToken);
      expect(created.body.items).toHaveLength(1);
      expect(created.body.items[0].targetId).toBe(key.body.id);

      const both = await send(
        "GET",
        "/api/v1/audit?action=api_key.created,api_key.deleted",
        user.accessToken,
      );
      expect(both.body.items.map((i: { action: string }) => i.action)).toEqual([
        "api_key.deleted",
        "api_key.created",
      ]);
      const none = await send("GET", "/api/v1/audit?action=api_key", user.accessToken);
      expect(none.body.items).toEqual([]);

      const bad = await send("GET", "/api/v1/audit?action=DROP%20TABLE", user.accessToken);
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe("validation_failed");
    });

    it("filters by time: since inclusive, until exclusive; a bad timestamp is a 400", async () => {
      const user = await freshUser("Time");
      let token = user.accessToken;
      let refreshToken = user.refreshToken;
      const createKey = async (name: string) => {
        const response = await send("POST", "/api/v1/api-keys", token, { name, scopes: ["users:read"] });
        expect(response.status).toBe(201);
      };
      const HOUR = 3_600_000;
      /** Later, as a person coming back would: access tokens last 15 minutes, so refresh first. */
      let elapsed = 0;
      const comeBackLater = async () => {
        server.clock.advance(HOUR);
        elapsed += HOUR;
        const refreshed = await server.api.post("/api/v1/auth/refresh", { refreshToken });
        expect(refreshed.status).toBe(200);
        token = refreshed.body.accessToken;
        refreshToken = refreshed.body.refreshToken;
      };
      try {
        await createKey("early");
        await comeBackLater();
        await createKey("middle");
        await comeBackLater();
        await createKey("late");
      } finally {
        // Back to the present, for the other tests' tokens.
        server.clock.advance(-elapsed);
      }
      token = (await server.api.post("/api/v1/auth/login", { email: user.email, password: user.password }))
        .body.accessToken;

      const all = await send("GET", "/api/v1/audit?action=api_key.created", token);
      expect(all.body.items.map((i: { details: { name: string } }) => i.details.name)).toEqual([
        "late",
        "middle",
        "early",
      ]);
      const middleAt = new Date(all.body.items[1].occurredAt).getTime();
      const names = async (query: string) => {
        const response = await send("GET", `/api/v1/audit?action=api_key.created&${query}`, token);
        expect(response.status).toBe(200);
        return response.body.items.map((i: { details: { name: string } }) => i.details.name);
      };
      const iso = (ms: number) => new Date(ms).toISOString();
      expect(await names(`since=${iso(middleAt)}`)).toEqual(["late", "middle"]);
      expect(await names(`until=${iso(middleAt)}`)).toEqual(["early"]);
      expect(await names(`until=${iso(middleAt + 1)}`)).toEqual(["middle", "early"]);
      expect(await names(`since=${iso(middleAt - HOUR / 2)}&until=${iso(middleAt + HOUR / 2)}`)).toEqual([
        "middle",
      ]);
      // An offset is the same instant.
      const offset = new Date(middleAt).toISOString().replace("Z", "+00:00");
      expect(await names(`since=${encodeURIComponent(offset)}`)).toEqual(["late", "middle"]);

      for (const bad of ["yesterday", "2024-13-40T00:00:00Z", "1700000000000"]) {
        const response = await send("GET", `/api/v1/audit?since=${bad}`, token);
        expect(response.status, bad).toBe(400);
        expect(response.body.code).toBe("validation_failed");
      }
      expect((await send("GET", "/api/v1/audit?until=soon", token)).status).toBe(400);
    });

    it("paginates newest first without gaps or repeats", async () => {
      const user = await freshUser("Pages");
      for (let i = 0; i < 7; i++) {
        await send("POST", "/api/v1/api-keys", user.accessToken, { name: `k${i}`, scopes: ["users:read"] });
      }
      const full = await send("GET", "/api/v1/audit?limit=100", user.accessToken);
      const expected = full.body.items.map((i: { id: string }) => i.id);
      expect(expected.length).toBeGreaterThanOrEqual(7);
      expect([...expected].sort().reverse()).toEqual(expected);

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
        const page: ApiResponse = await send("GET", `/api/v1/audit?limit=3${query}`, user.accessToken);
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.body.items.map((i: { id: string }) => i.id));
        cursor = page.body.nextCursor;
        pages += 1;
      } while (cursor && pages < 20);
      expect(seen).toEqual(expected);
      expect(new Set(seen).size).toBe(seen.length);
      expect(pages).toBe(Math.ceil(expected.length / 3));
    });

    it("needs the users:read scope from an API key", async () => {
      const user = await freshUser("Scoped");
      const without = await send("POST", "/api/v1/api-keys", user.accessToken, {
        name: "projects only",
        scopes: ["projects:read"],
      });
      const denied = await send("GET", "/api/v1/audit", without.body.key);
      expect(denied.status).toBe(403);
      expect(denied.body.code).toBe("insufficient_scope");

      const adminKey = await send("POST", "/api/v1/api-keys", admin.accessToken, {
        name: "admin projects only",
        scopes: ["projects:read", "projects:write"],
      });
      const adminDenied = await send("GET", "/api/v1/audit", adminKey.body.key);
      expect(adminDenied.status).toBe(403);
      expect(adminDenied.body.code).toBe("insufficient_scope");

      const withScope = await send("POST", "/api/v1/api-keys", user.accessToken, {
        name: "reader",
        scopes: ["users:read"],
      });
      const allowed = await send("GET", "/api/v1/audit", withScope.body.key);
      expect(allowed.status).toBe(200);
      expect(allowed.body.items.every((i: { actorId: string }) => i.actorId === user.id)).toBe(true);

      expect((await server.api.get("/api/v1/audit")).status).toBe(401);
    });

    it("is documented in OpenAPI as a read-only, authenticated list", async () => {
      const doc = await server.api.get("/api/v1/openapi.json");
      const path = doc.body.paths["/api/v1/audit"];
      expect(Object.keys(path)).toEqual(["get"]);
      expect(path.get.security).toEqual([{ bearerAuth: [] }]);
      const names = path.get.parameters.map((p: { name: string }) => p.name);
      expect(names).toEqual(
        expect.arrayContaining(["limit", "cursor", "action", "since", "until", "actorId"]),
      );
      expect(Object.keys(doc.body.paths).filter((p) => p.startsWith("/api/v1/audit"))).toEqual([
        "/api/v1/audit",
      ]);
    });

    it("has no route that changes or removes an entry", async () => {
      const page = await send("GET", "/api/v1/audit?limit=1", admin.accessToken);
      const entry = page.body.items[0];
      expect(entry).toBeDefined();
      for (const method of ["PUT", "PATCH", "DELETE"]) {
        const response = await send(method, `/api/v1/audit/${entry.id}`, admin.accessToken, {
          action: "nothing.happened",
        });
        expect([404, 405], method).toContain(response.status);
      }
      for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
        const response = await send(method, "/api/v1/audit", admin.accessToken, {
          action: "nothing.happened",
        });
        expect([404, 405], method).toContain(response.status);
      }
      const [row] = await server.app.database.db.select().from(auditLog).where(eq(auditLog.id, entry.id));
      expect(row?.action).toBe(entry.action);
      expect(
        await server.app.database.db.select().from(auditLog).where(eq(auditLog.action, "nothing.happened")),
      ).toEqual([]);
    });
  });
});
