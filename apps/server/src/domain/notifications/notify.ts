import { and, eq, sql } from "drizzle-orm";
import { newId } from "../ids.ts";
import { enqueueJob } from "../jobs/enqueue.ts";
import { jobs } from "../jobs/schema.ts";
import type { Clock } from "../ports/clock.ts";
import type { Tx } from "../ports/database.ts";
import { users } from "../users/schema.ts";
import type { NotificationHub } from "./hub.ts";
import { NOTIFICATIONS_QUEUE, sendEmailDigest, sendNotificationEmail, sendNotificationPush } from "./jobs.ts";
import { type NotificationKind, securityKinds, undigestedKinds } from "./kinds.ts";
import { channelsFor } from "./preferences.ts";
import { type NotificationRow, presentNotification } from "./present.ts";
import { notificationCounters, notifications, pushSubscriptions } from "./schema.ts";
import type { CounterValue } from "./unread.ts";

export interface NotifyDeps {
  clock: Clock;
  hub: NotificationHub;
  /** Runs its argument once the caller's transaction has committed (never if it rolls back). */
  afterCommit: (work: () => void) => void;
}

export interface NotifyInput {
  userId: string;
  kind: NotificationKind;
  actorId: string | null;
  /** What the templates need, snapshotted now (names may change later; the notification does not). */
  data: Record<string, unknown>;
  /** The domain event it comes from: one notification per (event, person), however often it is retried. */
  sourceEventId: string | null;
}

/**
 * Puts one notification in a person's inbox, in the caller's transaction: the row, the unread
 * counter (its row lock orders concurrent changes; the value it RETURNs goes to the cache after
 * commit), and the email and push jobs their preferences ask for — so a restart between here and
 * delivery loses nothing. After commit, the person's connections get `notification` and
 * `notifications:unread-count`. Returns null when there was nothing to do (already notified, or
 * the person no longer exists). An unverified address gets no email.
 */
export async function notify(tx: Tx, deps: NotifyDeps, input: NotifyInput): Promise<NotificationRow | null> {
  const { userId } = input;
  const [person] = await tx
    .select({ id: users.id, emailVerifiedAt: users.emailVerifiedAt })
    .from(users)
    .where(eq(users.id, userId));
  if (!person) return null;
  const preferred = await channelsFor(tx, userId, input.kind);
  // No notification email to an address nobody has shown they read (docs/accounts.md), but for
  // security notices; the inbox and push still get everything.
  const emailable = person.emailVerifiedAt !== null || securityKinds.has(input.kind);
  const channels = { ...preferred, email: preferred.email && emailable };
  const now = deps.clock.now();
  const [row] = await tx
    .insert(notifications)
    .values({
      id: newId("ntf", now.getTime()),
      userId,
      kind: input.kind,
      actorId: input.actorId,
      data: input.data,
      sourceEventId: input.sourceEventId,
      emailPending: channels.email,
      createdAt: now,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) return null;
  // From here on this person's inbox changes are serialised by the counter row lock.
  const counter = await bumpCounter(tx, userId);

  if (channels.email) {
    if (channels.emailDigestMinutes > 0 && !undigestedKinds.has(input.kind)) {
      await scheduleDigest(tx, deps.clock, userId, channels.emailDigestMinutes);
    } else {
      await enqueueJob(tx, deps.clock, sendNotificationEmail, { notificationId: row.id });
    }
  }
  if (channels.push && (await hasPushSubscription(tx, userId))) {
    await enqueueJob(tx, deps.clock, sendNotificationPush, { notificationId: row.id });
  }

  deps.afterCommit(() => {
    deps.hub.channel.emit(userId, "notification", presentNotification(row, deps.hub.links));
    deps.hub.counterChanged(userId, counter);
  });
  return row;
}

async function bumpCounter(tx: Tx, userId: string): Promise<CounterValue> {
  const [counter] = await tx
    .insert(notificationCounters)
    .values({ userId, unread: 1, version: 1 })
    .onConflictDoUpdate({
      target: notificationCounters.userId,
      set: {
        unread: sql`${notificationCounters.unread} + 1`,
        version: sql`${notificationCounters.version} + 1`,
      },
    })
    .returning({ unread: notificationCounters.unread, version: notificationCounters.version });
  return { unread: counter!.unread, version: Number(counter!.version) };
}

/**
 * One digest job per person per window: the first notification of a window enqueues it to run at
 * the window's end; later ones find it pending and join it. Callers hold the person's counter row
 * lock, so two concurrent notifications cannot both miss the other's job. A digest that is already
 * running does not count: what it does not pick up goes into the next window's.
 */
async function scheduleDigest(tx: Tx, clock: Clock, userId: string, minutes: number): Promise<void> {
  const [pending] = await tx
    .select({ id: jobs.id })
    .from(jobs)
    .where(
      and(
        eq(jobs.queue, NOTIFICATIONS_QUEUE),
        eq(jobs.state, "pending"),
        eq(jobs.name, sendEmailDigest.name),
        sql`${jobs.payload}->>'userId' = ${userId}`,
      ),
    )
    .limit(1);
  if (pending) return;
  const runAt = new Date(clock.now().getTime() + minutes * 60_000);
  await enqueueJob(tx, clock, sendEmailDigest, { userId }, { runAt });
}

async function hasPushSubscription(tx: Tx, userId: string): Promise<boolean> {
  const [row] = await tx
    .select({ id: pushSubscriptions.id })
    .from(pushSubscriptions)
    .where(eq(pushSubscriptions.userId, userId))
    .limit(1);
  return row !== undefined;
}
