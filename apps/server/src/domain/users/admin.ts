import type { UserPlan, UserRole } from "@codepark/protocol";
import { asc, count, eq, gt, sql } from "drizzle-orm";
import type { Actor, RequestMeta } from "../actor.ts";
import { recordAudit } from "../audit/record.ts";
import type { CacheDeps, EventDeps, StoreDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { transact } from "../events/outbox.ts";
import { type Page, type PageRequest, toPage } from "../pagination.ts";
import { USER_ROLES_LOCK } from "./locks.ts";
import { presentUser, type UserView } from "./present.ts";
import { users } from "./schema.ts";
import { cachedUser, userKeys } from "./user-cache.ts";

/** A user as presented, cache-aside (`GET /me` and the realtime handshake read it per request). */
export async function getUser(ctx: StoreDeps & CacheDeps, userId: string): Promise<UserView> {
  const user = await cachedUser(ctx, userId);
  if (!user) throw new AppError("user_not_found");
  return user;
}

export async function listUsers(ctx: EventDeps, page: PageRequest): Promise<Page<UserView>> {
  const rows = await ctx.db
    .select()
    .from(users)
    .where(page.cursor ? gt(users.id, page.cursor) : undefined)
    .orderBy(asc(users.id))
    .limit(page.limit + 1);
  return toPage(rows, page.limit, presentUser, (row) => row.id);
}

/** An admin changes an account's role, plan (rate-limit tier) or name; the caller has authorized `users:manage`. */
export async function updateUser(
  ctx: EventDeps,
  actor: Actor,
  userId: string,
  patch: { role?: UserRole | undefined; plan?: UserPlan | undefined; name?: string | undefined },
  meta: RequestMeta,
): Promise<UserView> {
  return transact(ctx, async (tx, emit, stale) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${USER_ROLES_LOCK})`);
    const [current] = await tx.select().from(users).where(eq(users.id, userId));
    if (!current) throw new AppError("user_not_found");
    if (current.role === "admin" && patch.role === "user") {
      const [{ admins } = { admins: 0 }] = await tx
        .select({ admins: count() })
        .from(users)
        .where(eq(users.role, "admin"));
      if (admins <= 1) throw new AppError("last_admin");
    }
    const [row] = await tx
      .update(users)
      .set({
        ...(patch.role ? { role: patch.role } : {}),
        ...(patch.plan ? { plan: patch.plan } : {}),
        ...(patch.name ? { name: patch.name.trim() } : {}),
        updatedAt: ctx.clock.now(),
      })
      .where(eq(users.id, userId))
      .returning();
    stale(userKeys(userId));
    if (row!.role !== current.role) {
      emit({ type: "user.role_changed", actorId: null, data: { userId, role: row!.role } });
      await recordAudit(tx, ctx.clock, {
        actor,
        action: "user.role_changed",
        target: { type: "user", id: userId },
        meta,
        details: { role: row!.role, previousRole: current.role },
      });
    }
    if (row!.plan !== current.plan) {
      await recordAudit(tx, ctx.clock, {
        actor,
        action: "user.plan_changed",
        target: { type: "user", id: userId },
        meta,
        details: { plan: row!.plan, previousPlan: current.plan },
      });
    }
    return presentUser(row!);
  });
}
