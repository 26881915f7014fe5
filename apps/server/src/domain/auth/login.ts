import { eq } from "drizzle-orm";
import { AppError } from "../../errors.ts";
import type { DomainContext, RequestMeta } from "../context.ts";
import { presentUser } from "../users/present.ts";
import { users } from "../users/schema.ts";
import { burnPasswordCheck, verifyPassword } from "./passwords.ts";
import { type AuthResult, startSession } from "./sessions.ts";
import { consumeSecondFactor, type SecondFactor } from "./two-factor.ts";

export interface LoginInput extends SecondFactor {
  email: string;
  password: string;
}

const INVALID = "Invalid email or password";

export async function login(ctx: DomainContext, input: LoginInput, meta: RequestMeta): Promise<AuthResult> {
  const email = input.email.trim().toLowerCase();
  const [user] = await ctx.db.select().from(users).where(eq(users.email, email));
  if (!user) {
    await burnPasswordCheck(input.password);
    throw new AppError("invalid_credentials", INVALID);
  }
  if (!(await verifyPassword(user.passwordHash, input.password)))
    throw new AppError("invalid_credentials", INVALID);
  const twoFactorOn = user.totpSecret !== null;
  if (twoFactorOn && input.otp === undefined && input.recoveryCode === undefined) {
    throw new AppError("mfa_required", "Enter the code from your authenticator app or a recovery code");
  }
  const outcome = await ctx.db.transaction(async (tx) => {
    if (twoFactorOn && !(await consumeSecondFactor(ctx, tx, user, input))) return null;
    return startSession(ctx, tx, user.id, meta);
  });
  if (!outcome) throw new AppError("mfa_invalid");
  return { user: presentUser(user), ...outcome };
}
