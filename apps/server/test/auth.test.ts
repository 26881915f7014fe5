import {
  authenticatorCode,
  registerUser,
  startTestServer,
  type TestServer,
  testStores,
} from "@codepark/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REFRESH_REUSE_GRACE_MS } from "../src/domain/auth/sessions.ts";
import { users } from "../src/domain/users/schema.ts";

describe.each(testStores())("accounts and sessions on %s", (store) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(store);
  });
  afterAll(() => server?.stop());

  it("registers with 202 verification_sent, then signs in (unverified) with the same credentials", async () => {
    const response = await server.api.post("/api/v1/auth/register", {
      email: "Ada@Example.test",
      password: "analytical engine 1843",
      name: "Ada",
    });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ status: "verification_sent" });
    const login = await server.api.post("/api/v1/auth/login", {
      email: "ada@example.test",
      password: "analytical engine 1843",
    });
    expect(login.status).toBe(200);
    expect(login.body.user).toMatchObject({ email: "ada@example.test", name: "Ada", emailVerified: false });
    expect(login.body.user.id).toMatch(/^usr_/);
    expect(login.body.accessToken).toEqual(expect.any(String));
    expect(login.body.refreshToken).toMatch(/^cprt_/);
    const me = await server.api.get("/api/v1/me", login.body.accessToken);
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(login.body.user.id);
  });

  it("answers a taken email (any case) as a new one, and creates nothing", async () => {
    const user = await registerUser(server.api);
    const again = await server.api.post("/api/v1/auth/register", {
      email: user.email.toUpperCase(),
      password: "another long passphrase",
      name: "Dup",
    });
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ status: "verification_sent" });
    const rows = await server.app.database.db.select().from(users).where(eq(users.email, user.email));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.name).toBe("Tester");
    // The account keeps its own password; the one sent with the second registration is not it.
    const stranger = await server.api.post("/api/v1/auth/login", {
      email: user.email,
      password: "another long passphrase",
    });
    expect(stranger.status).toBe(401);
  });

  it.each([
    ["too short", "short1"],
    ["too long", "x".repeat(129)],
    ["common", "password123"],
    ["common, other case", "QwertyUiop"],
    ["repetitive", "aaaaaaaaaaaa"],
  ])("refuses a %s password with 422 weak_password", async (_label, password) => {
    const response = await server.api.post("/api/v1/auth/register", {
      email: `weak-${Math.random()}@example.test`,
      password,
      name: "W",
    });
    expect(response.status).toBe(422);
    expect(response.body.code).toBe("weak_password");
  });

  it("accepts a 128-character password and a unicode passphrase", async () => {
    for (const password of ["abcdefgh".repeat(16), "ünïcödé pässphrâse ✓"]) {
      const response = await server.api.post("/api/v1/auth/register", {
        email: `long-${Math.random()}@example.test`,
        password,
        name: "L",
      });
      expect(response.status).toBe(202);
    }
  });

  it("gives the same 401 for an unknown email and a wrong password", async () => {
    const user = await registerUser(server.api);
    const wrongPassword = await server.api.post("/api/v1/auth/login", {
      email: user.email,
      password: "not the password",
    });
    const noSuchUser = await server.api.post("/api/v1/auth/login", {
      email: "nobody@example.test",
      password: "not the password",
    });
    expect(wrongPassword.status).toBe(401);
    expect(noSuchUser.status).toBe(401);
    expect(wrongPassword.body.code).toBe("invalid_credentials");
    expect(noSuchUser.body).toEqual({ ...wrongPassword.body, instance: noSuchUser.body.instance });
  });

  it("logs in, refreshes with rotation, and revokes the family when a used refresh token returns", async () => {
    const user = await registerUser(server.api);
    const login = await server.api.post("/api/v1/auth/login", { email: user.email, password: user.password });
    expect(login.status).toBe(200);
    const first = login.body.refreshToken as string;

    const rotated = await server.api.post("/api/v1/auth/refresh", { refreshToken: first });
    expect(rotated.status).toBe(200);
    expect(rotated.body.refreshToken).not.toBe(first);
    expect((await server.api.get("/api/v1/me", rotated.body.accessToken)).status).toBe(200);

    // The first token again, past the grace window: theft is assumed, the whole session goes.
    server.clock.advance(REFRESH_REUSE_GRACE_MS + 1);
    const replay = await server.api.post("/api/v1/auth/refresh", { refreshToken: first });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe("refresh_token_reused");
    const afterRevoke = await server.api.post("/api/v1/auth/refresh", {
      refreshToken: rotated.body.refreshToken,
    });
    expect(afterRevoke.status).toBe(401);
    const me = await server.api.get("/api/v1/me", rotated.body.accessToken);
    expect(me.status).toBe(401);
    expect(me.body.code).toBe("session_revoked");

    // Other sessions of the same user are untouched.
    expect((await server.api.get("/api/v1/me", user.accessToken)).status).toBe(200);
  });

  it("gives a client that races itself with one refresh token the same new pair, not a revocation", async () => {
    const user = await registerUser(server.api);
    const login = await server.api.post("/api/v1/auth/login", { email: user.email, password: user.password });
    const token = login.body.refreshToken as string;

    const raced = await Promise.all(
      Array.from({ length: 5 }, () => server.api.post("/api/v1/auth/refresh", { refreshToken: token })),
    );
    expect(raced.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    const successors = new Set(raced.map((response) => response.body.refreshToken));
    expect(successors.size).toBe(1);
    const [successor] = [...successors] as string[];
    expect(successor).not.toBe(token);
    for (const response of raced)
      expect((await server.api.get("/api/v1/me", response.body.accessToken)).status).toBe(200);

    // Once the successor has been used, the old token is reuse even inside the window.
    const next = await server.api.post("/api/v1/auth/refresh", { refreshToken: successor });
    expect(next.status).toBe(200);
    const late = await server.api.post("/api/v1/auth/refresh", { refreshToken: token });
    expect(late.status).toBe(401);
    expect(late.body.code).toBe("refresh_token_reused");
    expect((await server.api.get("/api/v1/me", next.body.accessToken)).status).toBe(401);
  });

  it("refuses an unknown refresh token", async () => {
    const response = await server.api.post("/api/v1/auth/refresh", { refreshToken: "cprt_made-up" });
    expect(response.status).toBe(401);
    expect(response.body.code).toBe("refresh_token_invalid");
  });

  it("expires access tokens after 15 minutes, also one the node has checked before", async () => {
    const user = await registerUser(server.api);
    // Used while valid (the node remembers it as verified), then past its expiry.
    expect((await server.api.get("/api/v1/me", user.accessToken)).status).toBe(200);
    server.clock.advance(14 * 60_000);
    expect((await server.api.get("/api/v1/me", user.accessToken)).status).toBe(200);
    server.clock.advance(60_000 + 1_000);
    try {
      const me = await server.api.get("/api/v1/me", user.accessToken);
      expect(me.status).toBe(401);
      expect(me.body.code).toBe("token_expired");
      const refreshed = await server.api.post("/api/v1/auth/refresh", { refreshToken: user.refreshToken });
      expect(refreshed.status).toBe(200);
      expect((await server.api.get("/api/v1/me", refreshed.body.accessToken)).status).toBe(200);
    } finally {
      server.clock.advance(-(15 * 60_000 + 1_000));
    }
  });

  it("logs out: the access token and refresh token of that session stop working", async () => {
    const user = await registerUser(server.api);
    const logout = await server.api.post("/api/v1/auth/logout", undefined, user.accessToken);
    expect(logout.status).toBe(204);
    expect((await server.api.get("/api/v1/me", user.accessToken)).status).toBe(401);
    expect((await server.api.post("/api/v1/auth/refresh", { refreshToken: user.refreshToken })).status).toBe(
      401,
    );
  });

  it("lists sessions per device and revokes one", async () => {
    const user = await registerUser(server.api);
    const laptop = await server.api.request("POST", "/api/v1/auth/login", {
      body: { email: user.email, password: user.password },
      headers: { "user-agent": "laptop-browser" },
    });
    const list = await server.api.get("/api/v1/sessions", user.accessToken);
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(2);
    expect(list.body.nextCursor).toBeNull();
    const current = list.body.items.filter((s: { current: boolean }) => s.current);
    expect(current).toHaveLength(1);
    const other = list.body.items.find((s: { userAgent: string }) => s.userAgent === "laptop-browser");
    expect(other).toBeDefined();

    const revoke = await server.api.delete(`/api/v1/sessions/${other.id}`, user.accessToken);
    expect(revoke.status).toBe(204);
    expect((await server.api.get("/api/v1/me", laptop.body.accessToken)).status).toBe(401);
    const after = await server.api.get("/api/v1/sessions", user.accessToken);
    expect(after.body.items).toHaveLength(1);

    // Someone else's session id is not found, not revoked.
    const stranger = await registerUser(server.api);
    const foreign = await server.api.delete(
      `/api/v1/sessions/${list.body.items[0].id}`,
      stranger.accessToken,
    );
    expect(foreign.status).toBe(404);
  });

  it("paginates sessions with a cursor", async () => {
    const user = await registerUser(server.api);
    for (let i = 0; i < 4; i++)
      await server.api.post("/api/v1/auth/login", { email: user.email, password: user.password });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const page = await server.api.get(`/api/v1/sessions${query}`, user.accessToken);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((s: { id: string }) => s.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
  });
});

describe.each(testStores())("two-factor authentication on %s", (store) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(store);
  });
  afterAll(() => server?.stop());

  async function enable(user: { accessToken: string }) {
    const setup = await server.api.post("/api/v1/auth/2fa/setup", undefined, user.accessToken);
    expect(setup.status).toBe(200);
    expect(setup.body.otpauthUrl).toMatch(/^otpauth:\/\/totp\/CodePark:/);
    expect(setup.body.otpauthUrl).toContain(`secret=${setup.body.secret}`);
    expect(setup.body.qrCodeDataUrl).toMatch(/^data:image\/png;base64,/);
    const secret = setup.body.secret as string;
    const enabled = await server.api.post(
      "/api/v1/auth/2fa/enable",
      { code: authenticatorCode(secret, server.clock.now()) },
      user.accessToken,
    );
    expect(enabled.status).toBe(200);
    return { secret, recoveryCodes: enabled.body.recoveryCodes as string[] };
  }

  it("signs in with a code computed by an independent authenticator, and never accepts it twice", async () => {
    const user = await registerUser(server.api);
    const { secret, recoveryCodes } = await enable(user);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);

    const noCode = await server.api.post("/api/v1/auth/login", {
      email: user.email,
      password: user.password,
    });
    expect(noCode.status).toBe(401);
    expect(noCode.body.code).toBe("mfa_required");

    const wrong = await server.api.post("/api/v1/auth/login", {
      email: user.email,
      password: user.password,
      otp: "000000" === authenticatorCode(secret, server.clock.now()) ? "111111" : "000000",
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe("mfa_invalid");

    // The enabling code used this step: move to the next one, as a person would.
    server.clock.advance(30_000);
    const code = authenticatorCode(secret, server.clock.now());
    const ok = await server.api.post("/api/v1/auth/login", {
      email: user.email,
      password: user.password,
      otp: code,
    });
    expect(ok.status).toBe(200);
    expect(ok.body.user.twoFactorEnabled).toBe(true);

    const replay = await server.api.post("/api/v1/auth/login", {
      email: user.email,
      password: user.password,
      otp: code,
    });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe("mfa_invalid");
  });

  it("accepts ±1 time step of drift but not 2", async () => {
    const user = await registerUser(server.api);
    const { secret } = await enable(user);
    server.clock.advance(5 * 30_000);
    const now = server.clock.now();
    const previous = authenticatorCode(secret, new Date(now.getTime() - 30_000));
    const tooOld = authenticatorCode(secret, new Date(now.getTime() - 90_000));
    const next = authenticatorCode(secret, new Date(now.getTime() + 30_000));
    const login = (otp: string) =>
      server.api.post("/api/v1/auth/login", { email: user.email, password: user.password, otp });
    if (tooOld !== previous && tooOld !== next) expect((await login(tooOld)).status).toBe(401);
    expect((await login(previous)).status).toBe(200);
    expect((await login(next)).status).toBe(200);
    // After the newest step was used, an older one is a replay.
    const current = authenticatorCode(secret, now);
    if (current !== next) expect((await login(current)).status).toBe(401);
  });

  it("signs in once with each recovery code", async () => {
    const user = await registerUser(server.api);
    const { recoveryCodes } = await enable(user);
    const code = recoveryCodes[0]!;
    const first = await server.api.post("/api/v1/auth/login", {
      email: user.email,
      password: user.password,
      recoveryCode: ` ${code.toUpperCase()} `,
    });
    expect(first.status).toBe(200);
    const again = await server.api.post("/api/v1/auth/login", {
      email: user.email,
      password: user.password,
      recoveryCode: code,
    });
    expect(again.status).toBe(401);
    expect(again.body.code).toBe("mfa_invalid");
  });

  it("keeps the TOTP secret encrypted at rest", async () => {
    const user = await registerUser(server.api);
    const { secret } = await enable(user);
    const [row] = await server.app.database.db
      .select({ stored: users.totpSecret })
      .from(users)
      .where(eq(users.id, user.id));
    const stored = row!.stored!;
    expect(stored).toMatch(/^v1:/);
    expect(stored).not.toContain(secret);
  });

  it("disables 2FA with a valid code only", async () => {
    const user = await registerUser(server.api);
    const { secret } = await enable(user);
    const wrong = await server.api.post("/api/v1/auth/2fa/disable", { code: "123456" }, user.accessToken);
    expect(wrong.status).toBe(401);
    server.clock.advance(30_000);
    const off = await server.api.post(
      "/api/v1/auth/2fa/disable",
      { code: authenticatorCode(secret, server.clock.now()) },
      user.accessToken,
    );
    expect(off.status).toBe(204);
    const login = await server.api.post("/api/v1/auth/login", { email: user.email, password: user.password });
    expect(login.status).toBe(200);
    expect(login.body.user.twoFactorEnabled).toBe(false);
  });

  it("refuses enable without setup and a second enable", async () => {
    const user = await registerUser(server.api);
    const early = await server.api.post("/api/v1/auth/2fa/enable", { code: "123456" }, user.accessToken);
    expect(early.status).toBe(409);
    expect(early.body.code).toBe("mfa_not_setup");
    await enable(user);
    const again = await server.api.post("/api/v1/auth/2fa/setup", undefined, user.accessToken);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("mfa_already_enabled");
  });
});
