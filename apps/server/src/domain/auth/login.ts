import { eq } from "drizzle-orm";
import type { RequestMeta } from "../actor.ts";
import { recordAudit } from "../audit/record.ts";
import { AppError } from "../errors.ts";
import { presentUser } from "../users/present.ts";
import { users } from "../users/schema.ts";
import { burnPasswordCheck, verifyPassword } from "./passwords.ts";
import type { SessionDeps } from "./sessions.ts";
import { type AuthResult, startSession } from "./sessions.ts";
import type { TwoFactorDeps } from "./two-factor.ts";
import { consumeSecondFactor, type SecondFactor } from "./two-factor.ts";

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

/**
 * Records a refused sign-in. Written on its own, outside any transaction, because the request then
 * fails: the record must survive the error.
 */
async function recordFailure(
  ctx: SessionDeps & TwoFactorDeps,
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
}

export async function login(
  ctx: SessionDeps & TwoFactorDeps,
  input: LoginInput,
  meta: RequestMeta,
): Promise<AuthResult> {
  const email = input.email.trim().toLowerCase();
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
  return { user: presentUser(user), ...outcome };
}
