import { eq } from "drizzle-orm";
import { verifyPassword } from "../auth/passwords.ts";
import type { StoreDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { users } from "../users/schema.ts";

export type UserRow = typeof users.$inferSelect;

/**
 * A signed-in person re-proving who they are before a sensitive change (password, email): the
 * account's row when `password` is right. One function, so a brute-force throttle can wrap it.
 */
export async function confirmCurrentPassword(
  ctx: StoreDeps,
  userId: string,
  password: string,
): Promise<UserRow> {
  const [user] = await ctx.db.select().from(users).where(eq(users.id, userId));
  if (!user) throw new AppError("user_not_found");
  if (!(await verifyPassword(user.passwordHash, password))) {
    throw new AppError("invalid_credentials", "Your current password is not right");
  }
  return user;
}
