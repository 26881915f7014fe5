// OIDC sign-in against a real OpenID provider (oidc-provider) running in this process: the browser's
// part (redirects, cookies) is played by TestBrowser with real HTTP requests, nothing is mocked.
import { randomBytes } from "node:crypto";
import {
  authenticatorCode,
  registerUser,
  startTestServer,
  type TestServer,
  testStores,
} from "@codepark/testing";
import { freePort, startOidcProvider, TestBrowser, type TestOidcProvider } from "@codepark/testing/oidc";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "../src/domain/audit/schema.ts";
import { userIdentities, users } from "../src/domain/users/schema.ts";

const CALLBACK_PATH = "/api/v1/auth/oidc/callback";
const WEB_PAGE = "/sign-in/oidc";

describe.each(testStores())("OIDC sign-in on %s", (store) => {
  let server: TestServer;
  let idp: TestOidcProvider;
  let subjects = 0;

  beforeAll(async () => {
    // The issuer must be in CodePark's configuration and CodePark's callback in the provider's client:
    // the provider's port is chosen first, and it starts once CodePark's port is known.
    const port = await freePort();
    const secret = randomBytes(24).toString("base64url");
    server = await startTestServer(store, {
      OIDC_ISSUER: `http://127.0.0.1:${port}`,
      OIDC_CLIENT_ID: "codepark-test",
      OIDC_CLIENT_SECRET: secret,
      OIDC_DISPLAY_NAME: "Test IdP",
    });
    idp = await startOidcProvider({
      port,
      redirectUris: [`${server.baseUrl}${CALLBACK_PATH}`],
      clientId: "codepark-test",
      clientSecret: secret,
    });
  });
  afterAll(async () => {
    await server?.stop();
    await idp?.close();
  });

  const db = () => server.app.database.db;

  /** A new person at the provider. */
  function idpAccount(claims: { email?: string; email_verified?: boolean; name?: string }): string {
    subjects += 1;
    const subject = `subject-${subjects}-${Math.random().toString(36).slice(2, 8)}`;
    idp.accounts.set(subject, claims);
    return subject;
  }

  /** Signs in at the provider as `subject` and returns where CodePark finally sends the browser. */
  async function signIn(subject: string, browser = new TestBrowser(), redirect?: string): Promise<URL> {
    idp.signInAs(subject);
    const query = redirect ? `?redirect=${encodeURIComponent(redirect)}` : "";
    const { url } = await browser.follow(
      `${server.baseUrl}/api/v1/auth/oidc/start${query}`,
      (next) => next.pathname === WEB_PAGE,
    );
    return url;
  }

  /** Follows the flow up to (not into) CodePark's callback: the URL the provider sends the browser to. */
  async function untilCallback(subject: string, browser: TestBrowser): Promise<string> {
    idp.signInAs(subject);
    const { url } = await browser.follow(
      `${server.baseUrl}/api/v1/auth/oidc/start`,
      (next) => next.pathname === CALLBACK_PATH,
    );
    expect(url.pathname).toBe(CALLBACK_PATH);
    return url.href;
  }

  const exchange = (body: Record<string, string>) => server.api.post("/api/v1/auth/oidc/exchange", body);

  async function verifiedAccount(verified: boolean) {
    const user = await registerUser(server.api);
    await db()
      .update(users)
      .set({ emailVerifiedAt: verified ? new Date() : null })
      .where(eq(users.id, user.id));
    return user;
  }

  const identitiesOf = (userId: string) =>
    db().select().from(userIdentities).where(eq(userIdentities.userId, userId));
  const auditFor = (userId: string, action: string) =>
    db()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetId, userId), eq(auditLog.action, action)));

  it("says which sign-in methods exist, with the provider's label", async () => {
    const response = await server.api.get("/api/v1/auth/providers");
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ password: true, oidc: { name: "Test IdP" } });
  });

  // Matters: PKCE S256, state and nonce are sent, and the state cookie is HttpOnly, Lax, scoped.
  it("starts with a redirect carrying PKCE (S256), state and nonce, and an HttpOnly SameSite=Lax cookie", async () => {
    const response = await fetch(`${server.baseUrl}/api/v1/auth/oidc/start?redirect=/projects`, {
      redirect: "manual",
    });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location")!);
    expect(location.origin).toBe(idp.issuer);
    const params = location.searchParams;
    expect(params.get("response_type")).toBe("code");
    expect(params.get("client_id")).toBe("codepark-test");
    expect(params.get("redirect_uri")).toBe(`${server.baseUrl}${CALLBACK_PATH}`);
    expect(params.get("code_challenge_method")).toBe("S256");
    expect(params.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get("state")?.length).toBeGreaterThanOrEqual(22);
    expect(params.get("nonce")?.length).toBeGreaterThanOrEqual(22);
    expect(params.get("scope")?.split(" ")).toEqual(expect.arrayContaining(["openid", "email"]));
    const cookie = response.headers.getSetCookie().find((line) => line.startsWith("codepark_oidc="));
    expect(cookie).toBeDefined();
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    expect(cookie).toContain("Path=/api/v1/auth/oidc");
    expect(cookie).toContain("Max-Age=600");
    // The secrets stay sealed: neither the state nor the verifier can be read from the cookie.
    expect(cookie).not.toContain(params.get("state")!);
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  // Matters: a new person gets a verified account and a session; tokens never appear in a URL.
  it("creates an account for a new person with a verified email and signs them in", async () => {
    const email = `new-${subjects}-${Date.now()}@idp.test`;
    const subject = idpAccount({ email: email.toUpperCase(), email_verified: true, name: "Alice Liddell" });
    const browser = new TestBrowser();
    const landed = await signIn(subject, browser, "/projects/abc?tab=files");
    expect(landed.searchParams.get("error")).toBeNull();
    expect(landed.searchParams.get("next")).toBe("/projects/abc?tab=files");
    const code = landed.searchParams.get("code")!;
    expect(code).toMatch(/^cpoc_/);
    // Nothing bearer-like in any URL the browser saw.
    expect(browser.visited.join(" ")).not.toMatch(/cprt_|eyJ/);
    // The sign-in cookie is gone once the callback ran.
    expect(browser.cookie(server.baseUrl, "codepark_oidc")).toBeUndefined();

    const result = await exchange({ code });
    expect(result.status).toBe(200);
    expect(result.body.user).toMatchObject({
      email,
      name: "Alice Liddell",
      emailVerified: true,
      twoFactorEnabled: false,
    });
    expect(result.body.refreshToken).toMatch(/^cprt_/);
    const me = await server.api.get("/api/v1/me", result.body.accessToken);
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(result.body.user.id);

    const [identity] = await identitiesOf(result.body.user.id);
    expect(identity).toMatchObject({ issuer: idp.issuer, subject, email });
    const linked = await auditFor(result.body.user.id, "auth.oidc_linked");
    expect(linked.map((entry) => entry.details)).toEqual([
      { issuer: idp.issuer, subject, email, via: "new_account" },
    ]);
    const signedIn = await auditFor(result.body.user.id, "auth.login_succeeded");
    expect(signedIn.map((entry) => entry.details)).toEqual([{ method: "oidc", issuer: idp.issuer }]);
    // Its password is unknown to everyone: password sign-in cannot guess it.
    const [row] = await db().select().from(users).where(eq(users.id, result.body.user.id));
    expect(row!.passwordHash).toMatch(/^\$argon2id\$/);
  });

  // Matters: the one-time code is single-use and short-lived.
  it("accepts the one-time code once, and not after a minute", async () => {
    const subject = idpAccount({ email: `once-${Date.now()}@idp.test`, email_verified: true, name: "Once" });
    const code = (await signIn(subject)).searchParams.get("code")!;
    expect((await exchange({ code })).status).toBe(200);
    const again = await exchange({ code });
    expect(again.status).toBe(401);
    expect(again.body.code).toBe("oidc_code_invalid");

    const later = (await signIn(subject)).searchParams.get("code")!;
    server.clock.advance(61_000);
    const expired = await exchange({ code: later });
    expect(expired.status).toBe(401);
    expect(expired.body.code).toBe("oidc_code_invalid");
    expect((await exchange({ code: "cpoc_made-up" })).body.code).toBe("oidc_code_invalid");
  });

  // Matters: linking by a verified email, onto an account whose email is verified too.
  it("links an existing account with a verified email when the provider verified it too", async () => {
    const user = await verifiedAccount(true);
    const subject = idpAccount({ email: user.email, email_verified: true, name: "Someone Else" });
    const landed = await signIn(subject);
    const result = await exchange({ code: landed.searchParams.get("code")! });
    expect(result.status).toBe(200);
    expect(result.body.user.id).toBe(user.id);
    // The account keeps its own name.
    expect(result.body.user.name).toBe("Tester");
    expect(await identitiesOf(user.id)).toHaveLength(1);
    const linked = await auditFor(user.id, "auth.oidc_linked");
    expect(linked[0]?.details).toMatchObject({ subject, via: "verified_email" });
    expect(linked[0]?.actorId).toBe(user.id);
    // Password sign-in still works.
    const login = await server.api.post("/api/v1/auth/login", { email: user.email, password: user.password });
    expect(login.status).toBe(200);
  });

  // Matters: never link by an email the provider did not verify.
  it("refuses an email the provider did not verify: no link, no account", async () => {
    const user = await verifiedAccount(true);
    const onExisting = idpAccount({ email: user.email, email_verified: false });
    const refused = await signIn(onExisting);
    expect(refused.searchParams.get("error")).toBe("oidc_email_unverified");
    expect(refused.searchParams.get("code")).toBeNull();
    expect(await identitiesOf(user.id)).toEqual([]);

    const email = `unverified-${Date.now()}@idp.test`;
    const fresh = idpAccount({ email, email_verified: false });
    expect((await signIn(fresh)).searchParams.get("error")).toBe("oidc_email_unverified");
    const noEmail = idpAccount({ name: "No Email" });
    expect((await signIn(noEmail)).searchParams.get("error")).toBe("oidc_email_unverified");
    expect(await db().select().from(users).where(eq(users.email, email))).toEqual([]);
    // Recorded as a refused sign-in, about no account (none was touched).
    const failures = await db().select().from(auditLog).where(eq(auditLog.action, "auth.login_failed"));
    const refusal = failures.find((entry) => (entry.details as { subject?: string }).subject === onExisting);
    expect(refusal).toMatchObject({
      actorId: null,
      targetId: null,
      details: { reason: "oidc_email_unverified", email: user.email, issuer: idp.issuer },
    });
  });

  // Matters: an account that never proved its email (possibly a squatter's) is not handed over.
  it("refuses to link an account whose own email is not verified", async () => {
    const user = await verifiedAccount(false);
    const subject = idpAccount({ email: user.email, email_verified: true });
    const refused = await signIn(subject);
    expect(refused.searchParams.get("error")).toBe("oidc_link_refused");
    expect(await identitiesOf(user.id)).toEqual([]);
  });

  // Matters: the link is the provider's subject, not the email.
  it("signs in to the linked account by subject even after the email changes at the provider", async () => {
    const email = `mover-${Date.now()}@idp.test`;
    const subject = idpAccount({ email, email_verified: true, name: "Mover" });
    const first = await exchange({ code: (await signIn(subject)).searchParams.get("code")! });
    expect(first.status).toBe(200);

    // A new address, not even verified yet, and another CodePark account holding it: the subject wins.
    const other = await verifiedAccount(true);
    idp.accounts.set(subject, { email: other.email, email_verified: false, name: "Mover" });
    const second = await exchange({ code: (await signIn(subject)).searchParams.get("code")! });
    expect(second.status).toBe(200);
    expect(second.body.user.id).toBe(first.body.user.id);
    expect(second.body.user.email).toBe(email);
    const [identity] = await identitiesOf(first.body.user.id);
    expect(identity?.email).toBe(other.email);
    expect(await identitiesOf(other.id)).toEqual([]);
  });

  // Matters: state is checked against this browser's sealed cookie; a replayed callback fails.
  it("refuses a callback without this browser's sign-in, with another state, or replayed", async () => {
    const subject = idpAccount({ email: `state-${Date.now()}@idp.test`, email_verified: true });
    const browser = new TestBrowser();
    const callback = await untilCallback(subject, browser);
    const sealed = browser.cookie(server.baseUrl, "codepark_oidc")!;
    expect(sealed).toBeDefined();

    // Another browser (an attacker handing their callback link to a victim, or a CSRF): no cookie.
    const stranger = await new TestBrowser().follow(callback, (next) => next.pathname === WEB_PAGE);
    expect(stranger.url.searchParams.get("error")).toBe("oidc_state_invalid");

    // This browser, but the state in the URL is not the one it sealed.
    const tampered = new URL(callback);
    tampered.searchParams.set("state", "not-the-state");
    const mismatch = new TestBrowser();
    mismatch.setCookie(server.baseUrl, "codepark_oidc", sealed, "/api/v1/auth/oidc");
    expect(
      (await mismatch.follow(tampered.href, (next) => next.pathname === WEB_PAGE)).url.searchParams.get(
        "error",
      ),
    ).toBe("oidc_state_invalid");

    // A forged cookie does not open.
    const forged = new TestBrowser();
    forged.setCookie(server.baseUrl, "codepark_oidc", `${sealed.slice(0, -4)}AAAA`, "/api/v1/auth/oidc");
    expect(
      (await forged.follow(callback, (next) => next.pathname === WEB_PAGE)).url.searchParams.get("error"),
    ).toBe("oidc_state_invalid");

    // The real one works once...
    const done = await browser.follow(callback, (next) => next.pathname === WEB_PAGE);
    expect(done.url.searchParams.get("code")).toMatch(/^cpoc_/);
    // ...and replaying it, even with the cookie it had, is refused: the provider's code is spent.
    const replay = new TestBrowser();
    replay.setCookie(server.baseUrl, "codepark_oidc", sealed, "/api/v1/auth/oidc");
    expect(
      (await replay.follow(callback, (next) => next.pathname === WEB_PAGE)).url.searchParams.get("error"),
    ).toBe("oidc_failed");
  });

  it("refuses a sign-in that took longer than 10 minutes", async () => {
    const subject = idpAccount({ email: `slow-${Date.now()}@idp.test`, email_verified: true });
    const browser = new TestBrowser();
    const callback = await untilCallback(subject, browser);
    server.clock.advance(10 * 60_000 + 1_000);
    const late = await browser.follow(callback, (next) => next.pathname === WEB_PAGE);
    expect(late.url.searchParams.get("error")).toBe("oidc_state_invalid");
  });

  it("ignores a return path that leaves the site", async () => {
    const subject = idpAccount({ email: `next-${Date.now()}@idp.test`, email_verified: true });
    for (const redirect of ["https://evil.example/", "//evil.example/x", "/\\evil.example"]) {
      const landed = await signIn(subject, new TestBrowser(), redirect);
      expect(landed.origin).toBe(server.baseUrl);
      expect(landed.searchParams.get("next")).toBe("/");
    }
  });

  // Matters: OIDC does not bypass two-factor authentication.
  it("asks an account with 2FA for its second factor; a wrong one uses the code up", async () => {
    const subject = idpAccount({ email: `mfa-${Date.now()}@idp.test`, email_verified: true, name: "Mfa" });
    const first = await exchange({ code: (await signIn(subject)).searchParams.get("code")! });
    const token = first.body.accessToken as string;
    const setup = await server.api.post("/api/v1/auth/2fa/setup", undefined, token);
    const secret = setup.body.secret as string;
    const enabled = await server.api.post(
      "/api/v1/auth/2fa/enable",
      { code: authenticatorCode(secret, server.clock.now()) },
      token,
    );
    expect(enabled.status).toBe(200);
    const recoveryCodes = enabled.body.recoveryCodes as string[];

    const code = (await signIn(subject)).searchParams.get("code")!;
    const asked = await exchange({ code });
    expect(asked.status).toBe(401);
    expect(asked.body.code).toBe("mfa_required");
    // Still usable after the challenge; a wrong factor is refused and spends it.
    const right = () => authenticatorCode(secret, server.clock.now());
    server.clock.advance(30_000);
    const wrong = await exchange({ code, otp: right() === "000000" ? "111111" : "000000" });
    expect(wrong.body.code).toBe("mfa_invalid");
    expect((await exchange({ code, otp: right() })).body.code).toBe("oidc_code_invalid");

    const again = (await signIn(subject)).searchParams.get("code")!;
    const ok = await exchange({ code: again, otp: right() });
    expect(ok.status).toBe(200);
    expect(ok.body.user.twoFactorEnabled).toBe(true);
    const withRecovery = (await signIn(subject)).searchParams.get("code")!;
    expect((await exchange({ code: withRecovery, recoveryCode: recoveryCodes[0]! })).status).toBe(200);
    const methods = (await auditFor(first.body.user.id, "auth.login_succeeded")).map(
      (entry) => (entry.details as { method: string }).method,
    );
    expect(methods.sort()).toEqual(["oidc", "oidc+otp", "oidc+recovery_code"]);
  });

  // Matters: the second factor behind OIDC is throttled like everywhere else (docs/security.md).
  it("slows down repeated wrong second factors on the account, across sign-ins", async () => {
    const subject = idpAccount({ email: `guess-${Date.now()}@idp.test`, email_verified: true });
    const first = await exchange({ code: (await signIn(subject)).searchParams.get("code")! });
    const token = first.body.accessToken as string;
    const secret = (await server.api.post("/api/v1/auth/2fa/setup", undefined, token)).body.secret as string;
    const right = () => authenticatorCode(secret, server.clock.now());
    expect((await server.api.post("/api/v1/auth/2fa/enable", { code: right() }, token)).status).toBe(200);
    server.clock.advance(30_000);
    const wrong = () => (right() === "000000" ? "111111" : "000000");
    // Three free failures, then the fourth makes the next attempt wait.
    for (let attempt = 1; attempt <= 4; attempt++) {
      const code = (await signIn(subject)).searchParams.get("code")!;
      expect((await exchange({ code, otp: wrong() })).body.code, `attempt ${attempt}`).toBe("mfa_invalid");
    }
    const code = (await signIn(subject)).searchParams.get("code")!;
    const waiting = await exchange({ code, otp: right() });
    expect(waiting.status).toBe(429);
    expect(waiting.body.code).toBe("too_many_attempts");
    expect(Number(waiting.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });
});

// The store does not matter below: the quickest to start (PostgreSQL where there is one).
const quickStore = testStores().at(-1)!;

describe("OIDC off (no OIDC_ISSUER)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(quickStore);
  });
  afterAll(() => server?.stop());

  it("offers password sign-in only and answers the OIDC routes with 404 oidc_not_configured", async () => {
    expect((await server.api.get("/api/v1/auth/providers")).body).toEqual({ password: true, oidc: null });
    const start = await server.api.get("/api/v1/auth/oidc/start");
    expect([start.status, start.body.code]).toEqual([404, "oidc_not_configured"]);
    const exchange = await server.api.post("/api/v1/auth/oidc/exchange", { code: "cpoc_x" });
    expect([exchange.status, exchange.body.code]).toEqual([404, "oidc_not_configured"]);
  });
});

describe("OIDC with an unreachable provider", () => {
  let server: TestServer;
  beforeAll(async () => {
    // Nothing listens there: CodePark still starts, and sign-in says why it cannot go on.
    server = await startTestServer(quickStore, {
      OIDC_ISSUER: `http://127.0.0.1:${await freePort()}`,
      OIDC_CLIENT_ID: "codepark",
    });
  });
  afterAll(() => server?.stop());

  it("starts anyway, and sends the browser back with oidc_unavailable", async () => {
    const response = await fetch(`${server.baseUrl}/api/v1/auth/oidc/start`, { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`${server.baseUrl}/sign-in/oidc?error=oidc_unavailable`);
  });
});
