import { eq } from "drizzle-orm";
import type { RequestMeta } from "../actor.ts";
import type { AttemptDeps } from "../auth/login.ts";
import { verifyPassword } from "../auth/passwords.ts";
import type { StoreDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { users } from "../users/schema.ts";

export type UserRow = typeof users.$inferSelect;

/**
 * A signed-in person re-proving who they are before a sensitive change (password, email): the
 * account's row when `password` is right. A stolen session must not be able to guess its way
 * there: wrong passwords count as failed sign-ins of the address (auth/throttle.ts), as for
 * deleting the account.
 */
export async function confirmCurrentPassword(
  ctx: StoreDeps & AttemptDeps,
  userId: string,
  password: string,
  meta: RequestMeta,
): Promise<UserRow> {
  const [user] = await ctx.db.select().from(users).where(eq(users.id, userId));
  if (!user) throw new AppError("user_not_found");
  await ctx.attempts.signIn.check(user.email, meta.ip);
  if (!(await verifyPassword(user.passwordHash, password))) {
    await ctx.attempts.signIn.fail(user.email, meta.ip);
    throw new AppError("invalid_credentials", "Your current password is not right");
  }
  await ctx.attempts.signIn.succeed(user.email);
  return user;
}
