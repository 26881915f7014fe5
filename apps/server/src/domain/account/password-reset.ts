import { eq } from "drizzle-orm";
import type { RequestMeta } from "../actor.ts";
import { recordAudit } from "../audit/record.ts";
import { assertPasswordAcceptable } from "../auth/password-policy.ts";
import { hashPassword } from "../auth/passwords.ts";
import { revokeUserSessions } from "../auth/revoke-all.ts";
import { throttleLinkAttempts } from "../auth/throttle.ts";
import type { StoreDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { transact } from "../events/outbox.ts";
import { enqueueJob } from "../jobs/enqueue.ts";
import { jobType, Priority } from "../jobs/job-type.ts";
import type { SecretBox } from "../ports/secret-box.ts";
import { users } from "../users/schema.ts";
import { userKeys } from "../users/user-cache.ts";
import type { AccountDeps } from "./deps.ts";
import { passwordChangedMessage, passwordResetMessage } from "./emails.ts";
import { absoluteLink, type LinkBase } from "./links.ts";
import { ACCOUNT_QUEUE, enqueueAccountEmail, type Sealed, seal, unseal } from "./mail.ts";
import {
  claimAccountToken,
  dropUnusedTokens,
  mintAccountToken,
  newestLiveToken,
  PASSWORD_RESET_TTL_MS,
  peekAccountToken,
} from "./tokens.ts";

/**
 * At most one reset email a minute per account: asking again sooner sends nothing (the link already
 * sent still works), so the form cannot be used to flood someone's mailbox.
 */
export const RESET_EMAIL_INTERVAL_MS = 60_000;

/**
 * A forgot-password request, handled after the answer: whether the address has an account is
 * looked at only here, so the request itself does the same work either way.
 */
export interface ResetRequest {
  email: string;
  origin: string | null;
  meta: RequestMeta;
}

/** Sealed: it holds the address asked about and the asker's IP address. */
export const passwordResetRequest = jobType<Sealed>({
  name: "account.password-reset-request",
  queue: ACCOUNT_QUEUE,
  priority: Priority.critical,
  maxAttempts: 20,
});

/**
 * POST /auth/password/forgot. The same answer and the same work (one job enqueued) whether or not an
 * account uses the address: neither the body, the status nor the time tells them apart.
 */
export async function requestPasswordReset(
  ctx: StoreDeps & { box: SecretBox },
  email: string,
  origin: string | undefined,
  meta: RequestMeta,
): Promise<{ status: "accepted" }> {
  const request: ResetRequest = {
    email: email.trim().toLowerCase(),
    origin: origin ?? null,
    meta: { ip: meta.ip, userAgent: meta.userAgent?.slice(0, 512) },
  };
  await enqueueJob(ctx.db, ctx.clock, passwordResetRequest, seal(ctx.box, request));
  return { status: "accepted" };
}

export interface ResetRequestDeps extends StoreDeps {
  box: SecretBox;
  links: { publicUrl?: string | undefined };
}

/**
 * The account.password-reset-request job: an address with an account gets a fresh link (older
 * unused ones stop working), unless one went out less than RESET_EMAIL_INTERVAL_MS ago; an unknown
 * one gets nothing. All are audited (an admin can see someone probing addresses).
 */
export async function processPasswordResetRequest(deps: ResetRequestDeps, sealed: Sealed): Promise<void> {
  const payload = unseal<ResetRequest>(deps.box, sealed);
  const base: LinkBase = { publicUrl: deps.links.publicUrl, origin: payload.origin ?? undefined };
  await deps.db.transaction(async (tx) => {
    // The row lock orders two requests for one account (the queue runs two jobs at once).
    const [user] = await tx
      .select({ id: users.id, email: users.email, name: users.name })
      .from(users)
      .where(eq(users.email, payload.email))
      .for("update");
    const latest = user ? await newestLiveToken(tx, deps.clock, user.id, "password_reset") : null;
    const tooSoon =
      latest !== null && deps.clock.now().getTime() - latest.getTime() < RESET_EMAIL_INTERVAL_MS;
    await recordAudit(tx, deps.clock, {
      actor: null,
      action: "auth.password_reset_requested",
      target: user ? { type: "user", id: user.id } : undefined,
      meta: payload.meta,
      details: { email: payload.email, known: user !== undefined, emailed: user !== undefined && !tooSoon },
    });
    if (!user || tooSoon) return;
    await dropUnusedTokens(tx, user.id, ["password_reset"]);
    const token = await mintAccountToken(tx, deps.clock, {
      userId: user.id,
      purpose: "password_reset",
      email: user.email,
      ttlMs: PASSWORD_RESET_TTL_MS,
    });
    const link = absoluteLink(base, "/reset-password", { token });
    await enqueueAccountEmail(tx, deps, passwordResetMessage(user.email, user.name, link));
  });
}

export interface ResetInput {
  token: string;
  newPassword: string;
}

const INVALID = "This password-reset link is invalid, already used or expired: ask for a new one";

/**
 * POST /auth/password/reset: spends the token, sets the password, signs every session out, and
 * counts the address as verified (the link proved its owner reads it). One function, so a
 * brute-force throttle can wrap it whole.
 */
export function resetPassword(
  ctx: AccountDeps,
  input: ResetInput,
  meta: RequestMeta,
  origin: string | undefined,
): Promise<void> {
  return throttleLinkAttempts(ctx.attempts.links, meta.ip, () => spendResetLink(ctx, input, meta, origin));
}

async function spendResetLink(
  ctx: AccountDeps,
  input: ResetInput,
  meta: RequestMeta,
  origin: string | undefined,
): Promise<void> {
  // The policy needs the account's email: read the token first (not spent yet) and hash outside the
  // transaction (argon2 takes tens of milliseconds); it is spent atomically below.
  const found = await peekAccountToken(ctx.db, ctx.clock, "password_reset", input.token);
  if (!found) throw new AppError("invalid_token", INVALID);
  const [owner] = await ctx.db.select({ email: users.email }).from(users).where(eq(users.id, found.userId));
  if (!owner) throw new AppError("invalid_token", INVALID);
  assertPasswordAcceptable(input.newPassword, owner.email);
  const passwordHash = await hashPassword(input.newPassword);
  const base: LinkBase = { publicUrl: ctx.links.publicUrl, origin };
  await transact(ctx, async (tx, emit, stale) => {
    const claimed = await claimAccountToken(tx, ctx.clock, "password_reset", input.token);
    if (!claimed) throw new AppError("invalid_token", INVALID);
    const [user] = await tx.select().from(users).where(eq(users.id, claimed.userId)).for("update");
    // A link sent to an address the account no longer uses proves nothing (changing the address
    // deletes such links; this is the belt to that).
    if (!user || user.email !== claimed.email) throw new AppError("invalid_token", INVALID);
    const now = ctx.clock.now();
    await tx
      .update(users)
      .set({ passwordHash, updatedAt: now, emailVerifiedAt: user.emailVerifiedAt ?? now })
      .where(eq(users.id, user.id));
    stale(userKeys(user.id));
    const revoked = await revokeUserSessions(tx, ctx.clock, emit, stale, user.id);
    await dropUnusedTokens(tx, user.id, ["password_reset"]);
    await recordAudit(tx, ctx.clock, {
      actor: { userId: user.id },
      action: "user.password_reset",
      target: { type: "user", id: user.id },
      meta,
      details: { sessionsRevoked: revoked.length, verifiedEmail: user.emailVerifiedAt === null },
    });
    await enqueueAccountEmail(
      tx,
      ctx,
      passwordChangedMessage(user.email, user.name, "reset", {
        forgot: absoluteLink(base, "/forgot-password"),
      }),
    );
  });
}
