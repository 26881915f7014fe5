import {
  authenticatorCode,
  registerUser,
  startTestServer,
  type TestServer,
  waitFor,
} from "@codepark/testing";
import { type SmtpReceiver, startSmtpReceiver } from "@codepark/testing/smtp";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { delayAfter, SIGN_IN_POLICY } from "../src/domain/auth/throttle.ts";

/**
 * Failed sign-ins are slowed down, then locked (docs/security.md "Brute force"): 3 free failures,
 * then a wait of 1 s, 2 s, 4 s… before the next attempt, and a 15-minute lock at the 10th failure
 * in 15 minutes, whether or not the email has an account. Time is moved with a fake Date, which the
 * in-memory counters and the server's clock both read.
 */

let nextIp = 1;
const freshIp = () => `192.0.2.${nextIp++}`;
const elapse = (ms: number) => vi.setSystemTime(Date.now() + ms);

describe("brute-force throttling of sign-in and second factors", () => {
  let server: TestServer;
  let smtp: SmtpReceiver;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    // Request rate limits stay off here: what is tested is the failed-attempt throttle, always on.
    server = await startTestServer("pglite", {
      TRUST_PROXY: "true",
      SMTP_URL: smtp.url,
      JOBS_POLL_INTERVAL_MS: "50",
    });
  });
  afterEach(() => vi.useRealTimers());
  afterAll(async () => {
    await server?.stop();
    await smtp?.close();
  });

  const login = (body: Record<string, unknown>, ip: string) =>
    server.api.request("POST", "/api/v1/auth/login", { body, headers: { "x-forwarded-for": ip } });

  it("follows the documented schedule: free, free, free, then 1 s, 2 s, 4 s … and a lock at 10", () => {
    const delays = Array.from({ length: 9 }, (_, i) => delayAfter(SIGN_IN_POLICY, i + 1));
    expect(delays).toEqual([0, 0, 0, 1, 2, 4, 8, 16, 32]);
    expect(SIGN_IN_POLICY).toMatchObject({ lockAfter: 10, lockSeconds: 900, windowSeconds: 900 });
  });

  it("makes each attempt after the third failure wait, refusing even the right password meanwhile", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const user = await registerUser(server.api);
    const ip = freshIp();
    const wrong = { email: user.email, password: "not the password" };
    for (let i = 0; i < 4; i++) expect((await login(wrong, ip)).status).toBe(401);
    // After the 4th failure: a 1 s wait.
    const waiting = await login({ email: user.email, password: user.password }, ip);
    expect(waiting.status).toBe(429);
    expect(waiting.body.code).toBe("too_many_attempts");
    expect(waiting.headers.get("retry-after")).toBe("1");
    elapse(1_000);
    expect((await login(wrong, ip)).status).toBe(401);
    // After the 5th: 2 s. Half of it is not enough.
    elapse(1_000);
    expect((await login(wrong, ip)).status).toBe(429);
    elapse(1_000);
    // The right password, once the wait is over, signs in and clears the count.
    expect((await login({ email: user.email, password: user.password }, ip)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await login(wrong, ip)).status).toBe(401);
  });

  it("locks after 10 failures for 15 minutes, tells the owner (inbox, email, audit), and unlocks", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const user = await registerUser(server.api, "Target");
    const ip = freshIp();
    const wrong = { email: user.email, password: "guess" };
    for (let failure = 1; failure <= 10; failure++) {
      expect((await login(wrong, ip)).status).toBe(401);
      if (failure < 10) elapse(delayAfter(SIGN_IN_POLICY, failure) * 1_000);
    }
    const locked = await login({ email: user.email, password: user.password }, ip);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(14 * 60);
    // From any address: the lock is on the account, not on the attacker's IP.
    expect((await login({ email: user.email, password: user.password }, freshIp())).status).toBe(429);

    const inbox = await server.api.get("/api/v1/notifications", user.accessToken);
    expect(inbox.body.items.map((item: { kind: string }) => item.kind)).toContain("account_locked");
    // (Not the account emails, such as the verification link every new account gets.)
    const mailTo = () =>
      smtp.messages.find(
        (message) =>
          message.envelope.to.includes(user.email) && !message.parsed.headers.has("x-codepark-account"),
      );
    await waitFor(() => mailTo() !== undefined, 10_000, "the lockout email");
    expect(mailTo()!.parsed.subject).toContain("locked");
    const audit = await server.api.get("/api/v1/audit?action=auth.locked_out", user.accessToken);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].details).toMatchObject({ failures: 10, lockedForSeconds: 900 });

    elapse(15 * 60 * 1_000);
    expect((await login({ email: user.email, password: user.password }, ip)).status).toBe(200);
  });

  it("locks an email without an account exactly the same way (the lock reveals nothing)", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const user = await registerUser(server.api);
    const nobody = `nobody-${Date.now()}@example.test`;
    const answers: Record<string, { status: number; code: string; retryAfter: string | null }[]> = {};
    for (const email of [user.email, nobody]) {
      const ip = freshIp();
      answers[email] = [];
      for (let failure = 1; failure <= 11; failure++) {
        const response = await login({ email, password: "wrong wrong" }, ip);
        answers[email].push({
          status: response.status,
          code: response.body.code,
          retryAfter: response.headers.get("retry-after"),
        });
        elapse(delayAfter(SIGN_IN_POLICY, failure) * 1_000);
      }
    }
    expect(answers[nobody]).toEqual(answers[user.email]);
    expect(answers[nobody]!.at(-1)).toMatchObject({ status: 429, code: "too_many_attempts" });
  });

  it("refuses an IP after 100 failures in 15 minutes, whatever email it tries; others go on", async () => {
    const ip = freshIp();
    for (let i = 0; i < 100; i++) {
      const response = await login({ email: `spray-${i}@example.test`, password: "Winter2026!" }, ip);
      expect(response.status).toBe(401);
    }
    const user = await registerUser(server.api);
    const refused = await login({ email: user.email, password: user.password }, ip);
    expect(refused.status).toBe(429);
    expect((await login({ email: user.email, password: user.password }, freshIp())).status).toBe(200);
  });

  it("throttles wrong TOTP codes at sign-in and when switching 2FA off", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const user = await registerUser(server.api);
    const setup = await server.api.post("/api/v1/auth/2fa/setup", undefined, user.accessToken);
    const secret = setup.body.secret as string;
    const enabled = await server.api.post(
      "/api/v1/auth/2fa/enable",
      { code: authenticatorCode(secret, new Date()) },
      user.accessToken,
    );
    expect(enabled.status).toBe(200);
    const right = authenticatorCode(secret, new Date());
    const wrongCode = right === "000000" ? "111111" : "000000";
    const ip = freshIp();
    const withCode = { email: user.email, password: user.password, otp: wrongCode };
    for (let i = 0; i < 4; i++) expect((await login(withCode, ip)).body.code).toBe("mfa_invalid");
    expect((await login(withCode, ip)).body.code).toBe("too_many_attempts");

    for (let i = 0; i < 4; i++) {
      const off = await server.api.post("/api/v1/auth/2fa/disable", { code: wrongCode }, user.accessToken);
      expect(off.body.code).toBe("mfa_invalid");
    }
    const off = await server.api.post("/api/v1/auth/2fa/disable", { code: right }, user.accessToken);
    expect(off.status).toBe(429);
    expect(off.body.code).toBe("too_many_attempts");
  });

  it("throttles invalid password-reset and verification links per IP (20 free, then waits)", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const ip = freshIp();
    const post = (path: string, body: object) =>
      server.api.request("POST", path, { body, headers: { "x-forwarded-for": ip } });
    const reset = { token: "not-a-real-token-at-all", newPassword: "a brand new passphrase" };
    const codes = new Set<string>();
    // LINK_POLICY: 20 free failures, then a wait before each next attempt.
    for (let i = 0; i < 11; i++) codes.add((await post("/api/v1/auth/password/reset", reset)).body.code);
    for (let i = 0; i < 10; i++)
      codes.add((await post("/api/v1/auth/verify-email", { token: "nope" })).body.code);
    expect([...codes]).toEqual(["invalid_token"]);
    const waiting = await post("/api/v1/auth/password/reset", reset);
    expect(waiting.status).toBe(429);
    expect(waiting.body.code).toBe("too_many_attempts");
    // Another address is not affected.
    const other = await server.api.request("POST", "/api/v1/auth/verify-email", {
      body: { token: "nope" },
      headers: { "x-forwarded-for": freshIp() },
    });
    expect(other.body.code).toBe("invalid_token");
  });
});
