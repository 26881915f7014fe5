import { and, asc, eq, inArray, isNull } from "drizzle-orm";
import type { Clock } from "../ports/clock.ts";
import type { Db } from "../ports/database.ts";
import type { Mailer } from "../ports/mailer.ts";
import type { PushResult, PushSender } from "../ports/push.ts";
import { users } from "../users/schema.ts";
import { notifications, pushSubscriptions } from "./schema.ts";
import { type Links, renderDigest, renderEmail, renderPush } from "./templates.ts";

export interface DeliveryDeps {
  db: Db;
  clock: Clock;
  links: Links;
  mailer: Pick<Mailer, "send">;
  push: Pick<PushSender, "send">;
  log: { warn(details: object, message: string): void };
}

/** Most notifications one digest email lists; more go out in further emails of the same run. */
const DIGEST_BATCH = 100;
/** How long a push service keeps a notification for an offline device. */
const PUSH_TTL_SECONDS = 24 * 60 * 60;

/**
 * The notifications.email job: one notification, one email. Skipped when the email channel has
 * already taken it (an earlier run, or a digest). It is marked emailed in the same step it is sent,
 * right after the SMTP server accepted it; a crash between the two sends it again when the job is
 * retried. Email delivery is therefore at-least-once — a rare duplicate, never a silent loss.
 * A send that throws (SMTP down, refused) fails the job, which the queue retries with backoff.
 */
export async function emailNotification(deps: DeliveryDeps, notificationId: string): Promise<void> {
  const [row] = await deps.db
    .select({ notification: notifications, email: users.email })
    .from(notifications)
    .innerJoin(users, eq(users.id, notifications.userId))
    .where(eq(notifications.id, notificationId));
  if (!row || row.notification.emailedAt) return;
  await deps.mailer.send({ to: row.email, ...renderEmail(row.notification, deps.links) });
  await markEmailed(deps, [notificationId]);
}

/**
 * The notifications.email-digest job, at the end of a person's window: everything the email
 * channel still owes them, in one email (oldest first). Same at-least-once rule as above.
 */
export async function emailDigest(deps: DeliveryDeps, userId: string): Promise<void> {
  const [person] = await deps.db.select({ email: users.email }).from(users).where(eq(users.id, userId));
  if (!person) return;
  for (;;) {
    const owed = await deps.db
      .select()
      .from(notifications)
      .where(
        and(
          eq(notifications.userId, userId),
          eq(notifications.emailPending, true),
          isNull(notifications.emailedAt),
        ),
      )
      .orderBy(asc(notifications.id))
      .limit(DIGEST_BATCH);
    if (owed.length === 0) return;
    await deps.mailer.send({ to: person.email, ...renderDigest(owed, deps.links) });
    await markEmailed(
      deps,
      owed.map((row) => row.id),
    );
    if (owed.length < DIGEST_BATCH) return;
  }
}

async function markEmailed(deps: DeliveryDeps, ids: string[]): Promise<void> {
  await deps.db
    .update(notifications)
    .set({ emailedAt: deps.clock.now() })
    .where(and(inArray(notifications.id, ids), isNull(notifications.emailedAt)));
}

/** Worth trying again later: no answer, a timeout, 408, 429 or a 5xx. Other 4xx will not change. */
function retryable(result: PushResult): boolean {
  if (result.ok || result.gone) return false;
  const status = result.status;
  return status === null || status === 408 || status === 429 || status >= 500;
}

/**
 * The notifications.push job: to every push subscription of the person. A subscription the push
 * service says is gone is deleted; if any send failed in a way worth retrying, the job throws so
 * the queue backs off and tries again. A retry sends to every subscription again: pushes carry the
 * notification id as their `tag`, so a device that already had it replaces rather than repeats it.
 */
export async function pushNotification(deps: DeliveryDeps, notificationId: string): Promise<void> {
  const [row] = await deps.db.select().from(notifications).where(eq(notifications.id, notificationId));
  if (!row) return;
  const subscriptions = await deps.db
    .select()
    .from(pushSubscriptions)
    .where(eq(pushSubscriptions.userId, row.userId));
  if (subscriptions.length === 0) return;
  const payload = { ...renderPush(row, deps.links), notificationId: row.id, kind: row.kind };
  const failures: string[] = [];
  for (const subscription of subscriptions) {
    const result = await deps.push.send(
      { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
      payload,
      { ttlSeconds: PUSH_TTL_SECONDS },
    );
    if (result.gone) {
      await deps.db.delete(pushSubscriptions).where(eq(pushSubscriptions.id, subscription.id));
    } else if (retryable(result)) {
      failures.push(result.error ?? `status ${result.status}`);
    } else if (!result.ok) {
      deps.log.warn(
        { subscriptionId: subscription.id, status: result.status, err: result.error },
        "push service refused a notification",
      );
    }
  }
  if (failures.length > 0) {
    throw new Error(
      `push failed for ${failures.length} of ${subscriptions.length} subscriptions: ${failures[0]}`,
    );
  }
}
