import type { Notification } from "@codepark/protocol/api";
import { and, desc, eq, inArray, isNotNull, isNull, lt, sql } from "drizzle-orm";
import type { Actor } from "../actor.ts";
import type { EventDeps } from "../deps.ts";
import { type Page, type PageRequest, toPage } from "../pagination.ts";
import { authorizeAccount } from "../policy.ts";
import type { Tx } from "../ports/database.ts";
import type { NotificationHub } from "./hub.ts";
import { presentNotification } from "./present.ts";
import { notificationCounters, notifications } from "./schema.ts";
import type { CounterValue } from "./unread.ts";

/** The unread-count cache and the live channel to each person's connections. */
export interface InboxDeps extends EventDeps {
  notifications: NotificationHub;
}

export interface InboxQuery extends PageRequest {
  /** Only unread ones. */
  unread?: boolean | undefined;
  /** true: only archived; false/undefined: only those not archived. */
  archived?: boolean | undefined;
}

/** The caller's notifications, newest first; the cursor is the last id (ids sort by creation time). */
export async function listNotifications(
  ctx: InboxDeps,
  actor: Actor,
  query: InboxQuery,
): Promise<Page<Notification>> {
  authorizeAccount(actor, "notifications:read");
  const rows = await ctx.db
    .select()
    .from(notifications)
    .where(
      and(
        eq(notifications.userId, actor.userId),
        query.archived ? isNotNull(notifications.archivedAt) : isNull(notifications.archivedAt),
        query.unread ? isNull(notifications.readAt) : undefined,
        query.cursor ? lt(notifications.id, query.cursor) : undefined,
      ),
    )
    .orderBy(desc(notifications.id))
    .limit(query.limit + 1);
  return toPage(
    rows,
    query.limit,
    (row) => presentNotification(row, ctx.notifications.links),
    (row) => row.id,
  );
}

/** Served from this node's cache (filled from notification_counters on a miss). */
export async function unreadCount(ctx: InboxDeps, actor: Actor): Promise<{ unread: number }> {
  authorizeAccount(actor, "notifications:read");
  return { unread: await ctx.notifications.unread.get(ctx.db, actor.userId) };
}

/** Marks some of the caller's notifications read; ids that are not theirs or already read change nothing. */
export async function markRead(ctx: InboxDeps, actor: Actor, ids: string[]): Promise<{ unread: number }> {
  authorizeAccount(actor, "notifications:manage");
  return changeInbox(ctx, actor.userId, (tx, now) => readWhere(tx, now, actor.userId, ids));
}

export async function markAllRead(ctx: InboxDeps, actor: Actor): Promise<{ unread: number }> {
  authorizeAccount(actor, "notifications:manage");
  return changeInbox(ctx, actor.userId, (tx, now) => readWhere(tx, now, actor.userId, null));
}

/** Archives some of the caller's notifications; archiving an unread one also reads it. */
export async function archive(ctx: InboxDeps, actor: Actor, ids: string[]): Promise<{ unread: number }> {
  authorizeAccount(actor, "notifications:manage");
  return changeInbox(ctx, actor.userId, async (tx, now) => {
    const read = await readWhere(tx, now, actor.userId, ids);
    await tx
      .update(notifications)
      .set({ archivedAt: now })
      .where(
        and(
          eq(notifications.userId, actor.userId),
          inArray(notifications.id, ids),
          isNull(notifications.archivedAt),
        ),
      );
    return read;
  });
}

/** Sets read_at on the user's unread notifications among `ids` (all of them for null); returns how many. */
async function readWhere(tx: Tx, now: Date, userId: string, ids: string[] | null): Promise<number> {
  const rows = await tx
    .update(notifications)
    .set({ readAt: now })
    .where(
      and(
        eq(notifications.userId, userId),
        isNull(notifications.readAt),
        ids ? inArray(notifications.id, ids) : undefined,
      ),
    )
    .returning({ id: notifications.id });
  return rows.length;
}

/**
 * One change to a person's inbox that may read notifications. The counter row is locked first, so
 * every change to this inbox (these, and new notifications, which bump the counter) is ordered by
 * that lock: the decrement is exactly the rows this change read, and no two changes deadlock. The
 * value the transaction RETURNs goes to the cache and the person's connections after commit.
 */
async function changeInbox(
  ctx: InboxDeps,
  userId: string,
  change: (tx: Tx, now: Date) => Promise<number>,
): Promise<{ unread: number }> {
  const { value, changed } = await ctx.db.transaction(async (tx) => {
    const [locked] = await tx
      .select({ unread: notificationCounters.unread, version: notificationCounters.version })
      .from(notificationCounters)
      .where(eq(notificationCounters.userId, userId))
      .for("update");
    const read = await change(tx, ctx.clock.now());
    // No counter row: nothing was ever created for this person, so nothing can have been read.
    if (!locked || read === 0) {
      const current: CounterValue = locked
        ? { unread: locked.unread, version: Number(locked.version) }
        : { unread: 0, version: 0 };
      return { value: current, changed: false };
    }
    const [updated] = await tx
      .update(notificationCounters)
      .set({
        unread: sql`${notificationCounters.unread} - ${read}`,
        version: sql`${notificationCounters.version} + 1`,
      })
      .where(eq(notificationCounters.userId, userId))
      .returning({ unread: notificationCounters.unread, version: notificationCounters.version });
    return { value: { unread: updated!.unread, version: Number(updated!.version) }, changed: true };
  });
  if (changed) ctx.notifications.counterChanged(userId, value);
  else ctx.notifications.unread.accept(userId, value);
  return { unread: value.unread };
}
