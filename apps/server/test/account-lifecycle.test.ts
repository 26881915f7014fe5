import { registerUser, startTestServer, type TestServer, testStores, waitFor } from "@codepark/testing";
import { type ReceivedMail, type SmtpReceiver, startSmtpReceiver } from "@codepark/testing/smtp";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { seal } from "../src/domain/account/mail.ts";
import { auditLog } from "../src/domain/audit/schema.ts";
import { domainEvents } from "../src/domain/events/schema.ts";
import { jobs } from "../src/domain/jobs/schema.ts";
import { notify } from "../src/domain/notifications/notify.ts";
import { notifications } from "../src/domain/notifications/schema.ts";
import { hashToken } from "../src/domain/tokens.ts";
import { followUpRegistration } from "../src/domain/users/register.ts";
import { accountTokens, users } from "../src/domain/users/schema.ts";

const PUBLIC_URL = "https://codepark.example.test";
const MINUTE = 60_000;

/**
 * The account lifecycle end to end, through the real emails: a real SMTP server receives what the
 * server sends, and every link is followed as a person would (its token taken from the email).
 */
describe.each(testStores())("account lifecycle on %s", (store) => {
  let server: TestServer;
  let smtp: SmtpReceiver;
  let counter = 0;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    server = await startTestServer(store, {
      SMTP_URL: smtp.url,
      PUBLIC_URL,
      JOBS_POLL_INTERVAL_MS: "50",
    });
  });
  afterAll(async () => {
    await server?.stop();
    await smtp?.close();
  });

  const api = () => server.api;
  const db = () => server.app.database.db;
  const fresh = (name: string) => `${name}-${++counter}-${Date.now().toString(36)}@example.test`;

  /** Account emails of one kind (X-CodePark-Account) to an address, in arrival order. */
  const mailsTo = (address: string, kind: string) =>
    smtp.messages.filter(
      (mail) => mail.envelope.to.includes(address) && mail.parsed.headers.get("x-codepark-account") === kind,
    );
  async function nthMail(address: string, kind: string, n = 1): Promise<ReceivedMail> {
    await waitFor(() => mailsTo(address, kind).length >= n, 15_000, `${kind} email #${n} to ${address}`);
    return mailsTo(address, kind)[n - 1]!;
  }
  /** The token of the link to `path` in an email: the text and the HTML carry the same absolute link. */
  function tokenIn(mail: ReceivedMail, path: string): string {
    const pattern = new RegExp(`${PUBLIC_URL.replace(/\./g, "\\.")}${path}\\?token=([A-Za-z0-9_-]+)`);
    const inText = pattern.exec(mail.parsed.text ?? "")?.[1];
    expect(inText, `a ${path} link in: ${mail.parsed.text}`).toBeDefined();
    expect(pattern.exec(String(mail.parsed.html))?.[1]).toBe(inText);
    return inText!;
  }
  const me = async (user: { accessToken: string }) => (await api().get("/api/v1/me", user.accessToken)).body;
  const signIn = (email: string, password: string) => api().post("/api/v1/auth/login", { email, password });
  const auditRows = (action: string, userId: string) =>
    db()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, action), eq(auditLog.targetId, userId)))
      .orderBy(auditLog.id);

  /** Waits until the account queue has nothing left to do (every request handled, every email sent). */
  async function accountJobsSettled(): Promise<void> {
    await waitFor(
      async () =>
        (await db().select().from(jobs).where(eq(jobs.queue, "account"))).every(
          (job) => job.state === "completed",
        ),
      15_000,
      "the account queue to settle",
    );
  }

  async function forgot(email: string) {
    const response = await api().post("/api/v1/auth/password/forgot", { email });
    expect(response.status).toBe(202);
    return response;
  }

  describe("password reset by email", () => {
    it("emails a link that works once, signs every session out and verifies the address", async () => {
      const user = await registerUser(api(), "Rosa Reset", { verified: false });
      const other = await signIn(user.email, user.password);
      expect(other.status).toBe(200);

      const answer = await forgot(user.email.toUpperCase());
      expect(answer.body).toEqual({ status: "accepted" });
      const mail = await nthMail(user.email, "password-reset");
      expect(mail.parsed.subject).toBe("Reset your CodePark password");
      expect(mail.parsed.text).toContain("Hi Rosa Reset,");
      const token = tokenIn(mail, "/reset-password");

      // Stored hashed only; the job that carried the email had it sealed.
      const stored = await db().select().from(accountTokens).where(eq(accountTokens.userId, user.id));
      const reset = stored.find((row) => row.purpose === "password_reset")!;
      expect(reset.tokenHash).toBe(hashToken(token));
      expect(JSON.stringify(stored)).not.toContain(token);
      // Account jobs are sealed: neither the link nor the address is readable in the jobs table.
      const jobRows = JSON.stringify(await db().select().from(jobs));
      expect(jobRows).not.toContain(token);
      expect(jobRows).not.toContain(user.email);
      expect(reset.expiresAt.getTime() - reset.createdAt.getTime()).toBe(30 * MINUTE);

      // A refused password leaves the link usable.
      const weak = await api().post("/api/v1/auth/password/reset", { token, newPassword: "password123" });
      expect(weak.status).toBe(422);
      expect(weak.body.code).toBe("weak_password");

      const newPassword = "a brand new passphrase";
      const done = await api().post("/api/v1/auth/password/reset", { token, newPassword });
      expect(done.status).toBe(204);
      const again = await api().post("/api/v1/auth/password/reset", {
        token,
        newPassword: "yet another passphrase",
      });
      expect(again.status).toBe(400);
      expect(again.body.code).toBe("invalid_token");

      expect((await signIn(user.email, user.password)).status).toBe(401);
      const signedIn = await signIn(user.email, newPassword);
      expect(signedIn.status).toBe(200);
      expect(signedIn.body.user.emailVerified).toBe(true);
      for (const session of [user, other.body]) {
        const denied = await api().get("/api/v1/me", session.accessToken);
        expect(denied.status).toBe(401);
        expect(denied.body.code).toBe("session_revoked");
        const refresh = await api().post("/api/v1/auth/refresh", { refreshToken: session.refreshToken });
        expect(refresh.status).toBe(401);
      }

      const notice = await nthMail(user.email, "password-changed");
      expect(notice.parsed.text).toContain(`${PUBLIC_URL}/forgot-password`);
      const [audited] = await auditRows("user.password_reset", user.id);
      expect(audited).toMatchObject({
        actorId: user.id,
        details: { sessionsRevoked: 2, verifiedEmail: true },
      });
    });

    it("expires a link after 30 minutes, a newer request supersedes older links, one email a minute at most", async () => {
      const user = await registerUser(api(), "Tim Timer");
      await forgot(user.email);
      const first = tokenIn(await nthMail(user.email, "password-reset", 1), "/reset-password");
      // Asked again within the minute: nothing is sent (the first link still works).
      await forgot(user.email);
      await accountJobsSettled();
      expect(mailsTo(user.email, "password-reset")).toHaveLength(1);
      server.clock.advance(61_000);
      await forgot(user.email);
      const second = tokenIn(await nthMail(user.email, "password-reset", 2), "/reset-password");
      expect(second).not.toBe(first);

      const newPassword = "thirty minutes of fame";
      const superseded = await api().post("/api/v1/auth/password/reset", { token: first, newPassword });
      expect(superseded.body.code).toBe("invalid_token");
      server.clock.advance(30 * MINUTE + 1_000);
      const expired = await api().post("/api/v1/auth/password/reset", { token: second, newPassword });
      expect(expired.status).toBe(400);
      expect(expired.body.code).toBe("invalid_token");

      await forgot(user.email);
      const third = tokenIn(await nthMail(user.email, "password-reset", 3), "/reset-password");
      server.clock.advance(29 * MINUTE);
      const inTime = await api().post("/api/v1/auth/password/reset", { token: third, newPassword });
      expect(inTime.status).toBe(204);
      expect((await signIn(user.email, newPassword)).status).toBe(200);
    });

    it("answers the same for an unknown address, does the same work, and emails nobody", async () => {
      const user = await registerUser(api(), "Kim Known");
      const nobody = fresh("nobody");
      const requests = () => db().select().from(jobs).where(eq(jobs.name, "account.password-reset-request"));
      const before = (await requests()).length;
      const unknown = await forgot(nobody);
      const known = await forgot(user.email);
      expect(unknown.status).toBe(known.status);
      expect(unknown.body).toEqual(known.body);
      // Each request is one job whatever the address: whether it has an account is looked at later.
      expect((await requests()).length).toBe(before + 2);

      await nthMail(user.email, "password-reset");
      await waitFor(
        async () => (await requests()).every((job) => job.state === "completed"),
        15_000,
        "the reset requests handled",
      );
      expect(smtp.messages.filter((mail) => mail.envelope.to.includes(nobody))).toEqual([]);
      const [probe] = await db()
        .select()
        .from(auditLog)
        .where(eq(auditLog.action, "auth.password_reset_requested"))
        .then((rows) => rows.filter((row) => row.details.email === nobody));
      expect(probe).toMatchObject({ actorId: null, targetId: null, details: { known: false } });
    });

    it("refuses a made-up token with invalid_token", async () => {
      const response = await api().post("/api/v1/auth/password/reset", {
        token: "cpat_not-a-real-token",
        newPassword: "whatever passphrase here",
      });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe("invalid_token");
      expect(response.headers.get("content-type")).toContain("application/problem+json");
    });
  });

  describe("password change", () => {
    it("needs the current password, then signs out every other session but not this one", async () => {
      const user = await registerUser(api(), "Carl Change");
      const other = await signIn(user.email, user.password);
      const change = (body: object) => api().post("/api/v1/me/password", body, user.accessToken);

      const wrong = await change({ currentPassword: "not my password", newPassword: "a fresh passphrase" });
      expect(wrong.status).toBe(401);
      expect(wrong.body.code).toBe("invalid_credentials");
      const weak = await change({ currentPassword: user.password, newPassword: "aaaaaaaaaaaa" });
      expect(weak.body.code).toBe("weak_password");
      // Neither attempt touched the other device.
      expect((await api().get("/api/v1/me", other.body.accessToken)).status).toBe(200);

      const newPassword = "a fresh passphrase";
      expect((await change({ currentPassword: user.password, newPassword })).status).toBe(204);
      expect((await api().get("/api/v1/me", user.accessToken)).status).toBe(200);
      const kept = await api().post("/api/v1/auth/refresh", { refreshToken: user.refreshToken });
      expect(kept.status).toBe(200);
      const gone = await api().get("/api/v1/me", other.body.accessToken);
      expect(gone.body.code).toBe("session_revoked");
      expect(
        (await api().post("/api/v1/auth/refresh", { refreshToken: other.body.refreshToken })).status,
      ).toBe(401);
      expect((await signIn(user.email, user.password)).status).toBe(401);
      expect((await signIn(user.email, newPassword)).status).toBe(200);

      const notice = await nthMail(user.email, "password-changed");
      expect(notice.parsed.subject).toBe("Your CodePark password was changed");
      const [audited] = await auditRows("user.password_changed", user.id);
      expect(audited).toMatchObject({ actorId: user.id, details: { sessionsRevoked: 1 } });
    });

    it("guesses at the current password are throttled like sign-in (a stolen session cannot guess on)", async () => {
      vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
      try {
        const user = await registerUser(api(), "Gus Guess");
        const change = (currentPassword: string) =>
          api().post(
            "/api/v1/me/password",
            { currentPassword, newPassword: "a brand new passphrase" },
            user.accessToken,
          );
        for (let i = 0; i < 4; i++) expect((await change("a wrong guess")).status).toBe(401);
        // After the fourth failure the next attempt must wait, even with the right password.
        const waiting = await change(user.password);
        expect(waiting.status).toBe(429);
        expect(waiting.body.code).toBe("too_many_attempts");
        vi.setSystemTime(Date.now() + 1_100);
        expect((await change(user.password)).status).toBe(204);
      } finally {
        vi.useRealTimers();
      }
    });

    it("is for signed-in sessions only, not API keys", async () => {
      const user = await registerUser(api(), "Kay Key");
      const key = await api().post(
        "/api/v1/api-keys",
        { name: "k", scopes: ["users:write"] },
        user.accessToken,
      );
      const refused = await api().post(
        "/api/v1/me/password",
        { currentPassword: user.password, newPassword: "some other passphrase" },
        key.body.key,
      );
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe("session_required");
    });
  });

  describe("email verification", () => {
    it("emails a link on sign-up that verifies once; resend sends a fresh one", async () => {
      const user = await registerUser(api(), "Vic Verify", { verified: false });
      const first = await nthMail(user.email, "verify-email");
      expect(first.parsed.subject).toBe("Verify your email address for CodePark");
      const firstToken = tokenIn(first, "/verify-email");
      expect((await me(user)).emailVerified).toBe(false);

      const resent = await api().post("/api/v1/me/verify-email", undefined, user.accessToken);
      expect(resent.status).toBe(202);
      expect(resent.body).toEqual({ status: "verification_sent" });
      const token = tokenIn(await nthMail(user.email, "verify-email", 2), "/verify-email");
      // The resend replaced the first link.
      expect((await api().post("/api/v1/auth/verify-email", { token: firstToken })).body.code).toBe(
        "invalid_token",
      );

      expect((await api().post("/api/v1/auth/verify-email", { token })).status).toBe(204);
      // GET /me was read (and cached) before: the change shows at once.
      expect((await me(user)).emailVerified).toBe(true);
      const again = await api().post("/api/v1/auth/verify-email", { token });
      expect(again.status).toBe(400);
      expect(again.body.code).toBe("invalid_token");
      const resendVerified = await api().post("/api/v1/me/verify-email", undefined, user.accessToken);
      expect(resendVerified.status).toBe(409);
      expect(resendVerified.body.code).toBe("already_verified");
      expect(await auditRows("user.email_verified", user.id)).toHaveLength(1);
    });

    it("expires a verification link after 24 hours", async () => {
      const user = await registerUser(api(), "Lou Late", { verified: false });
      const token = tokenIn(await nthMail(user.email, "verify-email"), "/verify-email");
      server.clock.advance(24 * 60 * MINUTE + 1_000);
      expect((await api().post("/api/v1/auth/verify-email", { token })).body.code).toBe("invalid_token");
      // (The access token has long expired too: sign in again to look.)
      expect((await signIn(user.email, user.password)).body.user.emailVerified).toBe(false);
    });

    it("an unverified account can sign in, but cannot be added to a project or emailed notifications", async () => {
      const owner = await registerUser(api(), "Olga Owner");
      const newbie = await registerUser(api(), "Una Unverified", { verified: false });
      const project = await api().post("/api/v1/projects", { name: "Gated" }, owner.accessToken);
      const members = `/api/v1/projects/${project.body.id}/members`;
      const refused = await api().post(members, { email: newbie.email, role: "editor" }, owner.accessToken);
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe("email_unverified");

      // Una can work: she makes a project and adds Olga, who mentions her in its chat.
      const own = await api().post("/api/v1/projects", { name: "Una's" }, newbie.accessToken);
      expect(own.status).toBe(201);
      const ownMembers = `/api/v1/projects/${own.body.id}/members`;
      expect(
        (await api().post(ownMembers, { email: owner.email, role: "editor" }, newbie.accessToken)).status,
      ).toBe(201);
      const mention = (text: string) =>
        api().post(`/api/v1/projects/${own.body.id}/messages`, { body: text }, owner.accessToken);
      const inbox = async () =>
        (await api().get("/api/v1/notifications", newbie.accessToken)).body.items as { kind: string }[];
      const notificationMails = () =>
        smtp.messages.filter(
          (mail) => mail.envelope.to.includes(newbie.email) && !mail.parsed.headers.has("x-codepark-account"),
        );
      expect((await mention("hello @Una")).status).toBe(201);
      await waitFor(async () => (await inbox()).length === 1, 15_000, "the mention in Una's inbox");
      // In the inbox, but no email owed and none queued.
      const [first] = await db().select().from(notifications).where(eq(notifications.userId, newbie.id));
      expect(first!.emailPending).toBe(false);
      const queued = await db().select().from(jobs).where(eq(jobs.name, "notifications.email"));
      expect(queued.filter((job) => JSON.stringify(job.payload).includes(first!.id))).toEqual([]);

      // Verified (through her link), she can be added, and the next mention is emailed.
      const token = tokenIn(await nthMail(newbie.email, "verify-email"), "/verify-email");
      expect((await api().post("/api/v1/auth/verify-email", { token })).status).toBe(204);
      expect(
        (await api().post(members, { email: newbie.email, role: "editor" }, owner.accessToken)).status,
      ).toBe(201);
      expect((await mention("and again @Una")).status).toBe(201);
      const texts = () => notificationMails().map((mail) => mail.parsed.text ?? "");
      await waitFor(
        () => texts().some((text) => text.includes("and again @Una")),
        15_000,
        "the second mention emailed to Una",
      );
      expect(texts().some((text) => text.includes("hello @Una"))).toBe(false);
    });
  });

  describe("notification email and verification", () => {
    it("an unverified address gets security notices by email (a lockout), nothing else", async () => {
      const user = await registerUser(api(), "Nell Notified", { verified: false });
      const deps = { clock: server.clock, hub: server.app.ctx.notifications, afterCommit: () => {} };
      const tell = (kind: "account_locked" | "mention") =>
        db().transaction((tx) =>
          notify(tx, deps, { userId: user.id, kind, actorId: null, data: {}, sourceEventId: null }),
        );
      expect((await tell("account_locked"))!.emailPending).toBe(true);
      expect((await tell("mention"))!.emailPending).toBe(false);
    });
  });

  describe("profile", () => {
    it("changes the name at once, and the email only once the new address is verified", async () => {
      const user = await registerUser(api(), "Nora Name");
      const patch = (body: object) => api().patch("/api/v1/me", body, user.accessToken);
      expect((await me(user)).name).toBe("Nora Name");
      const renamed = await patch({ name: "Nora Newname" });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ user: { name: "Nora Newname" }, pendingEmail: null });
      expect((await me(user)).name).toBe("Nora Newname");

      const target = fresh("nora-new");
      const noPassword = await patch({ email: target });
      expect(noPassword.status).toBe(400);
      expect(noPassword.body.code).toBe("validation_failed");
      const wrongPassword = await patch({ email: target, currentPassword: "not it at all" });
      expect(wrongPassword.body.code).toBe("invalid_credentials");

      // A reset link mailed to the old address before the change must not outlive it.
      await forgot(user.email);
      const resetToken = tokenIn(await nthMail(user.email, "password-reset"), "/reset-password");

      const requested = await patch({ email: target.toUpperCase(), currentPassword: user.password });
      expect(requested.status).toBe(200);
      expect(requested.body).toMatchObject({ user: { email: user.email }, pendingEmail: target });
      const notice = await nthMail(user.email, "email-change-requested");
      expect(notice.parsed.text).toContain(target);
      const confirm = await nthMail(target, "confirm-new-email");
      const token = tokenIn(confirm, "/verify-email");
      expect((await me(user)).email).toBe(user.email);
      expect((await signIn(target, user.password)).status).toBe(401);

      expect((await api().post("/api/v1/auth/verify-email", { token })).status).toBe(204);
      expect(await me(user)).toMatchObject({ email: target, emailVerified: true });
      expect((await signIn(target, user.password)).status).toBe(200);
      expect((await signIn(user.email, user.password)).status).toBe(401);
      const stale = await api().post("/api/v1/auth/password/reset", {
        token: resetToken,
        newPassword: "taking over the account",
      });
      expect(stale.body.code).toBe("invalid_token");
      const [changed] = await auditRows("user.email_changed", user.id);
      expect(changed).toMatchObject({ details: { email: target, previousEmail: user.email } });
    });

    it("an address taken by the time of verification is email_taken; one taken already gets a notice, not a link", async () => {
      const user = await registerUser(api(), "Tess Taken");
      const other = await registerUser(api(), "Otto Other");
      const target = fresh("contested");
      const requested = await api().patch(
        "/api/v1/me",
        { email: target, currentPassword: user.password },
        user.accessToken,
      );
      expect(requested.body.pendingEmail).toBe(target);
      const token = tokenIn(await nthMail(target, "confirm-new-email"), "/verify-email");
      // Meanwhile someone signs up with that address.
      const claimed = await api().post("/api/v1/auth/register", {
        email: target,
        password: "first come first served",
        name: "Quick Claimer",
      });
      expect(claimed.status).toBe(202);
      const taken = await api().post("/api/v1/auth/verify-email", { token });
      expect(taken.status).toBe(409);
      expect(taken.body.code).toBe("email_taken");
      expect((await me(user)).email).toBe(user.email);

      const toOthers = await api().patch(
        "/api/v1/me",
        { email: other.email, currentPassword: user.password },
        user.accessToken,
      );
      expect(toOthers.status).toBe(200);
      expect(toOthers.body.pendingEmail).toBe(other.email);
      const warning = await nthMail(other.email, "email-change-taken");
      expect(warning.parsed.text).not.toMatch(/token=/);
      await nthMail(user.email, "email-change-requested", 2);
      expect(mailsTo(other.email, "confirm-new-email")).toEqual([]);
    });
  });

  describe("registration", () => {
    it("a retried follow-up does nothing twice (no second link, no second user.created)", async () => {
      const user = await registerUser(api(), "Rita Retry", { verified: false });
      await nthMail(user.email, "verify-email");
      await accountJobsSettled();
      const created = () =>
        db()
          .select()
          .from(domainEvents)
          .where(and(eq(domainEvents.type, "user.created"), eq(domainEvents.actorId, user.id)));
      expect(await created()).toHaveLength(1);
      // As if the first run had committed, then died before the job was marked done.
      await followUpRegistration(
        server.app.ctx,
        seal(server.app.ctx.box, { userId: user.id, email: user.email, origin: null, meta: {} }),
        true,
      );
      await accountJobsSettled();
      expect(await created()).toHaveLength(1);
      expect(mailsTo(user.email, "verify-email")).toHaveLength(1);
    });

    it("answers a taken address exactly as a new one, and emails its owner instead", async () => {
      const owner = await registerUser(api(), "Ann Existing");
      const newcomer = fresh("newcomer");
      const forNew = await api().post("/api/v1/auth/register", {
        email: newcomer,
        password: "a sturdy passphrase x",
        name: "New",
      });
      const forTaken = await api().post("/api/v1/auth/register", {
        email: owner.email.toUpperCase(),
        password: "a sturdy passphrase y",
        name: "Impostor",
      });
      expect(forTaken.status).toBe(forNew.status);
      expect(forTaken.status).toBe(202);
      expect(forTaken.body).toEqual(forNew.body);
      expect(forTaken.body).toEqual({ status: "verification_sent" });
      const weakNew = await api().post("/api/v1/auth/register", {
        email: fresh("w"),
        password: "x",
        name: "W",
      });
      const weakTaken = await api().post("/api/v1/auth/register", {
        email: owner.email,
        password: "x",
        name: "W",
      });
      expect(weakTaken.status).toBe(weakNew.status);
      expect(weakTaken.body.code).toBe(weakNew.body.code);

      await nthMail(newcomer, "verify-email");
      const notice = await nthMail(owner.email, "signup-existing");
      expect(notice.parsed.text).toContain("Hi Ann Existing,");
      expect(notice.parsed.text).toContain(`${PUBLIC_URL}/sign-in`);
      expect(notice.parsed.text).toContain(`${PUBLIC_URL}/forgot-password`);
      expect(notice.parsed.text).not.toContain("Impostor");
      const rows = await db().select().from(users).where(eq(users.email, owner.email));
      expect(rows).toHaveLength(1);
      expect(rows[0]!.name).toBe("Ann Existing");
      // Only the link from the account's own sign-up: the second attempt sent none.
      expect(mailsTo(owner.email, "verify-email")).toHaveLength(1);
      // Another attempt within the hour is audited but not emailed: the owner's mailbox is not flooded.
      const again = await api().post("/api/v1/auth/register", {
        email: owner.email,
        password: "a sturdy passphrase z",
        name: "Impostor",
      });
      expect(again.body).toEqual(forNew.body);
      await accountJobsSettled();
      expect(mailsTo(owner.email, "signup-existing")).toHaveLength(1);
      const audited = await auditRows("auth.signup_with_existing_email", owner.id);
      expect(audited.map((row) => [row.actorId, row.details.emailed])).toEqual([
        [null, true],
        [null, false],
      ]);
    });
  });
});

describe("emailed links without PUBLIC_URL", () => {
  let server: TestServer;
  let smtp: SmtpReceiver;
  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    server = await startTestServer("pglite", {
      SMTP_URL: smtp.url,
      JOBS_POLL_INTERVAL_MS: "50",
      TRUST_PROXY: "true",
    });
  });
  afterAll(async () => {
    await server?.stop();
    await smtp?.close();
  });

  const linkIn = async (address: string): Promise<string> => {
    await waitFor(() => smtp.messages.some((mail) => mail.envelope.to.includes(address)), 15_000, "an email");
    const mail = smtp.messages.find((mail) => mail.envelope.to.includes(address))!;
    return /(\S+)\/verify-email\?token=/.exec(mail.parsed.text ?? "")![1]!;
  };

  it("point to the origin the request came to (the proxy's, under TRUST_PROXY)", async () => {
    const direct = `direct-${Date.now()}@example.test`;
    await server.api.post("/api/v1/auth/register", {
      email: direct,
      password: "a sturdy passphrase",
      name: "D",
    });
    expect(await linkIn(direct)).toBe(server.baseUrl);

    const proxied = `proxied-${Date.now()}@example.test`;
    await server.api.request("POST", "/api/v1/auth/register", {
      body: { email: proxied, password: "a sturdy passphrase", name: "P" },
      headers: { "x-forwarded-proto": "https", "x-forwarded-host": "code.example.org" },
    });
    expect(await linkIn(proxied)).toBe("https://code.example.org");
  });
});
