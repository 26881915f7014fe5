import { eq } from "drizzle-orm";
import type { RequestMeta } from "../actor.ts";
import { recordAudit } from "../audit/record.ts";
import { AppError } from "../errors.ts";
import { transact } from "../events/outbox.ts";
import { presentUser } from "../users/present.ts";
import { users } from "../users/schema.ts";
import { burnPasswordCheck, verifyPassword } from "./passwords.ts";
import type { SessionDeps } from "./sessions.ts";
import { type AuthResult, startSession } from "./sessions.ts";
import type { AttemptThrottle } from "./throttle.ts";
import type { TwoFactorDeps } from "./two-factor.ts";
import { consumeSecondFactor, type SecondFactor } from "./two-factor.ts";

/** Failed attempts at secrets, slowed down then locked (throttle.ts); one per kind of secret. */
export interface AttemptDeps {
  attempts: { signIn: AttemptThrottle; secondFactor: AttemptThrottle; links: AttemptThrottle };
}

export interface LoginInput extends SecondFactor {
  email: string;
  password: string;
}

const INVALID = "Invalid email or password";

type FailureReason = "unknown_email" | "wrong_password" | "mfa_invalid";

/** How the person proved who they are, for the audit log (never the secret itself). */
function methodOf(twoFactorOn: boolean, input: SecondFactor): string {
  if (!twoFactorOn) return "password";
  return input.otp !== undefined ? "password+otp" : "password+recovery_code";
}

type LoginDeps = SessionDeps & TwoFactorDeps & AttemptDeps;

/**
 * Records a refused sign-in and counts it against the email typed (whether or not it has an
 * account, so a lock reveals nothing) and the IP. Written outside any transaction, because the
 * request then fails: the record must survive the error. The lock that a failure may set is
 * audited, and its owner (if the email has one) is told by email and in the inbox.
 */
async function recordFailure(
  ctx: LoginDeps,
  email: string,
  userId: string | null,
  reason: FailureReason,
  meta: RequestMeta,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await recordAudit(ctx.db, ctx.clock, {
    actor: userId ? { userId } : null,
    action: "auth.login_failed",
    target: userId ? { type: "user", id: userId } : undefined,
    meta,
    details: { email, reason, ...extra },
  });
  const outcome = await ctx.attempts.signIn.fail(email, meta.ip);
  if (!outcome.locked) return;
  await transact(ctx, async (tx, emit) => {
    await recordAudit(tx, ctx.clock, {
      actor: null,
      action: "auth.locked_out",
      target: userId ? { type: "user", id: userId } : undefined,
      meta,
      details: { email, failures: outcome.failures, lockedForSeconds: outcome.lockedForSeconds },
    });
    if (userId) {
      const { failures, lockedForSeconds } = outcome;
      emit({ type: "user.locked_out", actorId: null, data: { userId, failures, lockedForSeconds } });
    }
  });
}

export async function login(ctx: LoginDeps, input: LoginInput, meta: RequestMeta): Promise<AuthResult> {
  const email = input.email.trim().toLowerCase();
  // Before the password is even looked at: a waiting or locked email answers the same either way.
  await ctx.attempts.signIn.check(email, meta.ip);
  const [user] = await ctx.db.select().from(users).where(eq(users.email, email));
  if (!user) {
    await burnPasswordCheck(input.password);
    await recordFailure(ctx, email, null, "unknown_email", meta);
    throw new AppError("invalid_credentials", INVALID);
  }
  if (!(await verifyPassword(user.passwordHash, input.password))) {
    await recordFailure(ctx, email, user.id, "wrong_password", meta);
    throw new AppError("invalid_credentials", INVALID);
  }
  const twoFactorOn = user.totpSecret !== null;
  if (twoFactorOn && input.otp === undefined && input.recoveryCode === undefined) {
    throw new AppError("mfa_required", "Enter the code from your authenticator app or a recovery code");
  }
  const method = methodOf(twoFactorOn, input);
  const outcome = await ctx.db.transaction(async (tx) => {
    if (twoFactorOn && !(await consumeSecondFactor(ctx, tx, user, input))) return null;
    const tokens = await startSession(ctx, tx, user.id, meta);
    await recordAudit(tx, ctx.clock, {
      actor: { userId: user.id },
      action: "auth.login_succeeded",
      target: { type: "user", id: user.id },
      meta,
      details: { method },
    });
    return tokens;
  });
  if (!outcome) {
    await recordFailure(ctx, email, user.id, "mfa_invalid", meta, { method });
    throw new AppError("mfa_invalid");
  }
  await ctx.attempts.signIn.succeed(email);
  return { user: presentUser(user), ...outcome };
}
