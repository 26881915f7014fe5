import { eq } from "drizzle-orm";
import type { CacheDeps, StoreDeps } from "../deps.ts";
import { presentUser, type UserView } from "./present.ts";
import { users } from "./schema.ts";

/**
 * The `user` cache family: a user as presented (`presentUser`: email, name, role, plan, whether the
 * email is verified, whether 2FA is on).
 * Read on every request (the role, by authenticate), by `GET /me` and by the realtime and collab
 * handshakes (the name). Rule: every write that changes one of those columns marks `userKeys` stale
 * (users/admin.ts updateUser, auth/two-factor.ts enable and disable; account/profile.ts a name change,
 * account/verification.ts verifying or moving to a new address, account/password-reset.ts which also
 * verifies). An unknown id is not cached,
 * so creating a user needs no invalidation.
 */
const key = (userId: string) => `user:${userId}`;

export function userKeys(userId: string): string[] {
  return [key(userId)];
}

export function cachedUser(ctx: StoreDeps & CacheDeps, userId: string): Promise<UserView | undefined> {
  return ctx.cache.fill(key(userId), async () => {
    const [row] = await ctx.db.select().from(users).where(eq(users.id, userId));
    return row ? presentUser(row) : undefined;
  });
}
