import type { AuthProviders } from "@codepark/protocol/api";
import { and, eq, gt, isNull } from "drizzle-orm";
import type { RequestMeta } from "../actor.ts";
import { recordAudit } from "../audit/record.ts";
import { AppError } from "../errors.ts";
import { transact } from "../events/outbox.ts";
import { isUniqueViolation } from "../ports/database.ts";
import {
  type OidcChallenge,
  type OidcIdentity,
  type OidcProvider,
  OidcProviderError,
} from "../ports/oidc.ts";
import { hashToken, newSecretToken, safeEqual } from "../tokens.ts";
import { presentUser } from "../users/present.ts";
import { accountTokens, users } from "../users/schema.ts";
import type { AttemptDeps } from "./login.ts";
import { resolveOidcAccount } from "./oidc-accounts.ts";
import { type AuthResult, type SessionDeps, startSession } from "./sessions.ts";
import { consumeSecondFactor, type SecondFactor, type TwoFactorDeps } from "./two-factor.ts";

/** Sign-in with an OpenID Connect provider: null when OIDC_ISSUER is not set. */
export interface OidcDeps extends SessionDeps, TwoFactorDeps, AttemptDeps {
  oidc: OidcProvider | null;
}

/** How long a started sign-in may take at the provider (the browser's cookie lives as long). */
export const OIDC_CHALLENGE_TTL_MS = 10 * 60_000;
/** The one-time code only carries the browser from the callback to the web app: a minute is plenty. */
export const OIDC_CODE_TTL_MS = 60_000;
/** With 2FA on, the person still has to type a code: it stays valid a little longer. */
export const OIDC_CODE_TTL_2FA_MS = 5 * 60_000;
const CODE_PREFIX = "cpoc_";

/** Which sign-in methods the web app should offer. */
export function authProviders(ctx: Pick<OidcDeps, "oidc">): AuthProviders {
  return { password: true, oidc: ctx.oidc ? { name: ctx.oidc.displayName } : null };
}

function providerOf(ctx: Pick<OidcDeps, "oidc">): OidcProvider {
  if (!ctx.oidc) throw new AppError("oidc_not_configured");
  return ctx.oidc;
}

/** Only a path of this site is followed after sign-in: never another origin (no open redirect). */
export function safeNext(next: string | undefined): string {
  if (!next?.startsWith("/") || next.startsWith("//") || next.includes("\\")) return "/";
  return next;
}

/** What the browser keeps, sealed, between start and callback. */
interface PendingSignIn extends OidcChallenge {
  purpose: "oidc_sign_in";
  redirectUri: string;
  next: string;
  expiresAt: number;
}

function asAppError(error: unknown): unknown {
  if (!(error instanceof OidcProviderError)) return error;
  return error.kind === "unavailable"
    ? new AppError("oidc_unavailable", error.message)
    : new AppError("oidc_failed", error.message);
}

export interface StartedSignIn {
  /** The provider's authorization URL. */
  location: string;
  /** For the sign-in cookie (encrypted and authenticated with the instance's key). */
  sealed: string;
  maxAgeSeconds: number;
}

/** Starts a sign-in: a fresh state, nonce and PKCE verifier, sealed for the browser to hold. */
export async function beginOidcSignIn(
  ctx: OidcDeps,
  input: { redirectUri: string; next?: string | undefined },
): Promise<StartedSignIn> {
  const provider = providerOf(ctx);
  const { url, challenge } = await provider.begin(input.redirectUri).catch((error) => {
    throw asAppError(error);
  });
  const pending: PendingSignIn = {
    purpose: "oidc_sign_in",
    ...challenge,
    redirectUri: input.redirectUri,
    next: safeNext(input.next),
    expiresAt: ctx.clock.now().getTime() + OIDC_CHALLENGE_TTL_MS,
  };
  return {
    location: url,
    sealed: ctx.box.seal(JSON.stringify(pending)),
    maxAgeSeconds: OIDC_CHALLENGE_TTL_MS / 1000,
  };
}

/** The sealed sign-in, if it is one of ours, unexpired, and for the state the provider sent back. */
function openPending(ctx: OidcDeps, sealed: string | undefined, state: string | null): PendingSignIn {
  const refuse = () =>
    new AppError(
      "oidc_state_invalid",
      "This sign-in was not started in this browser, or took longer than 10 minutes: start again",
    );
  if (!sealed || !state) throw refuse();
  let pending: PendingSignIn;
  try {
    pending = JSON.parse(ctx.box.open(sealed)) as PendingSignIn;
  } catch {
    throw refuse();
  }
  if (pending.purpose !== "oidc_sign_in" || typeof pending.state !== "string") throw refuse();
  if (pending.expiresAt <= ctx.clock.now().getTime()) throw refuse();
  if (!safeEqual(pending.state, state)) throw refuse();
  return pending;
}

/** Records a refused OIDC sign-in on its own (the request then fails: the record must survive). */
async function recordRefusal(
  ctx: OidcDeps,
  identity: OidcIdentity,
  userId: string | null,
  reason: string,
  meta: RequestMeta,
): Promise<void> {
  await recordAudit(ctx.db, ctx.clock, {
    actor: null,
    action: "auth.login_failed",
    target: userId ? { type: "user", id: userId } : undefined,
    meta,
    details: { email: identity.email, reason, issuer: identity.issuer, subject: identity.subject },
  });
}

const REFUSALS = {
  oidc_email_unverified:
    "Your identity provider has not verified your email address, so it cannot sign you in here",
  oidc_link_refused:
    "An account with this email exists, but its email address was never verified: sign in with its password and verify it first",
} as const;

/**
 * The provider sent the browser back: checks the state against the sealed sign-in, has the provider
 * check the code (PKCE) and the ID token (nonce), finds, links or creates the account, and issues a
 * one-time code for the web app to trade for tokens (tokens never go into a URL).
 */
export async function finishOidcSignIn(
  ctx: OidcDeps,
  input: { sealed: string | undefined; callback: URLSearchParams },
  meta: RequestMeta,
): Promise<{ code: string; next: string }> {
  const provider = providerOf(ctx);
  const pending = openPending(ctx, input.sealed, input.callback.get("state"));
  const identity = await provider.finish(pending.redirectUri, input.callback, pending).catch((error) => {
    throw asAppError(error);
  });
  const attempt = () =>
    transact(ctx, async (tx, emit) => {
      const account = await resolveOidcAccount(ctx, tx, emit, identity, meta);
      if ("refused" in account) return account;
      const now = ctx.clock.now();
      const code = newSecretToken(CODE_PREFIX);
      const ttl = account.user.totpSecret ? OIDC_CODE_TTL_2FA_MS : OIDC_CODE_TTL_MS;
      await tx.insert(accountTokens).values({
        tokenHash: hashToken(code),
        userId: account.user.id,
        purpose: "oidc_sign_in",
        email: null,
        createdAt: now,
        expiresAt: new Date(now.getTime() + ttl),
      });
      return { code };
    });
  let outcome: Awaited<ReturnType<typeof attempt>>;
  try {
    outcome = await attempt();
  } catch (error) {
    // Two first sign-ins of one identity at once: the loser finds the winner's link.
    if (!isUniqueViolation(error)) throw error;
    outcome = await attempt();
  }
  if ("refused" in outcome) {
    await recordRefusal(ctx, identity, outcome.userId, outcome.refused, meta);
    throw new AppError(outcome.refused, REFUSALS[outcome.refused]);
  }
  return { code: outcome.code, next: pending.next };
}

/**
 * Trades a one-time code for a session. The code works once; with 2FA on the account's second factor
 * is required as at password sign-in (`mfa_required` leaves the code unused; a wrong factor uses it up,
 * so codes cannot be guessed against it: the person signs in at the provider again), and wrong
 * factors count against the account's second-factor throttle (throttle.ts) like at 2FA switch-off.
 */
export async function exchangeOidcCode(
  ctx: OidcDeps,
  input: SecondFactor & { code: string },
  meta: RequestMeta,
): Promise<AuthResult> {
  providerOf(ctx);
  const tokenHash = hashToken(input.code.trim());
  const now = ctx.clock.now();
  const usable = and(
    eq(accountTokens.tokenHash, tokenHash),
    eq(accountTokens.purpose, "oidc_sign_in"),
    isNull(accountTokens.usedAt),
    gt(accountTokens.expiresAt, now),
  );
  const [row] = await ctx.db
    .select({ user: users })
    .from(accountTokens)
    .innerJoin(users, eq(users.id, accountTokens.userId))
    .where(usable);
  if (!row) throw new AppError("oidc_code_invalid");
  const { user } = row;
  const twoFactorOn = user.totpSecret !== null;
  if (twoFactorOn && input.otp === undefined && input.recoveryCode === undefined) {
    throw new AppError("mfa_required", "Enter the code from your authenticator app or a recovery code");
  }
  const method = !twoFactorOn ? "oidc" : input.otp !== undefined ? "oidc+otp" : "oidc+recovery_code";
  // Guesses at this account's second factor count together, whichever door they come through.
  const subject = `user:${user.id}`;
  if (twoFactorOn) await ctx.attempts.secondFactor.check(subject, meta.ip);
  const outcome = await ctx.db.transaction(async (tx) => {
    const claimed = await tx.update(accountTokens).set({ usedAt: now }).where(usable).returning({
      userId: accountTokens.userId,
    });
    if (claimed.length !== 1) return "invalid" as const;
    // The code is used up either way: this commits even when the factor is wrong.
    if (twoFactorOn && !(await consumeSecondFactor(ctx, tx, user, input))) return "mfa_invalid" as const;
    const tokens = await startSession(ctx, tx, user.id, meta);
    await recordAudit(tx, ctx.clock, {
      actor: { userId: user.id },
      action: "auth.login_succeeded",
      target: { type: "user", id: user.id },
      meta,
      details: { method, issuer: providerOf(ctx).issuer },
    });
    return tokens;
  });
  if (outcome === "invalid") throw new AppError("oidc_code_invalid");
  if (outcome === "mfa_invalid") {
    await recordAudit(ctx.db, ctx.clock, {
      actor: { userId: user.id },
      action: "auth.login_failed",
      target: { type: "user", id: user.id },
      meta,
      details: { email: user.email, reason: "mfa_invalid", method },
    });
    const throttled = await ctx.attempts.secondFactor.fail(subject, meta.ip);
    if (throttled.locked) {
      await recordAudit(ctx.db, ctx.clock, {
        actor: null,
        action: "auth.locked_out",
        target: { type: "user", id: user.id },
        meta,
        details: { failures: throttled.failures, lockedForSeconds: throttled.lockedForSeconds, method },
      });
    }
    throw new AppError("mfa_invalid", "Invalid two-factor code: sign in with your provider again");
  }
  if (twoFactorOn) await ctx.attempts.secondFactor.succeed(subject);
  return { user: presentUser(user), ...outcome };
}
