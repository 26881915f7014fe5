import { and, eq } from "drizzle-orm";
import type { Clock } from "../../infra/clock.ts";
import type { SecretBox } from "../../infra/crypto/secret-box.ts";
import type { Db } from "../../infra/db/database.ts";
import { sendWebhookRequest, type WebhookResult } from "../../infra/http/outbound.ts";
import { webhookHeaders } from "../../infra/http/standard-webhooks.ts";
import { RetryAt } from "../../infra/queue/job-type.ts";
import { transact } from "../events/outbox.ts";
import type { EventBus } from "../ports/event-bus.ts";
import { webhookAttempts, webhookDeliveries, webhooks } from "./schema.ts";
import type { WebhookSettings } from "./settings.ts";

export interface DeliveryDeps {
  db: Db;
  clock: Clock;
  box: SecretBox;
  events: EventBus;
  settings: WebhookSettings;
  /** Test seam: where requests go (defaults to the SSRF-guarded sender). */
  send?: typeof sendWebhookRequest;
}

/** A Retry-After longer than this is not waited for beyond the schedule's own step. */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * One attempt of one delivery (a job). Records the attempt, then: success ends it; 410 switches
 * the endpoint off; anything else schedules the next retry from the webhook schedule (or the
 * receiver's Retry-After, if later) until the schedule runs out, or the endpoint has failed for so
 * long that it is switched off.
 */
export async function deliverOnce(deps: DeliveryDeps, deliveryId: string): Promise<void> {
  const { db, clock, settings } = deps;
  const [row] = await db
    .select({ delivery: webhookDeliveries, hook: webhooks })
    .from(webhookDeliveries)
    .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
    .where(eq(webhookDeliveries.id, deliveryId));
  if (row?.delivery.status !== "pending") return; // endpoint deleted, or already settled
  const { delivery, hook } = row;
  if (!hook.active) {
    await settle(db, clock, deliveryId, "failed");
    return;
  }
  const now = clock.now();
  const secrets = [deps.box.open(hook.secret)];
  if (hook.previousSecret && hook.previousSecretExpiresAt && hook.previousSecretExpiresAt > now) {
    secrets.push(deps.box.open(hook.previousSecret));
  }
  const result = await (deps.send ?? sendWebhookRequest)({
    url: hook.url,
    body: delivery.body,
    headers: { ...webhookHeaders({ id: delivery.id, timestamp: now, body: delivery.body, secrets }) },
    timeoutMs: settings.timeoutMs,
    allowPrivate: settings.allowPrivate,
    now,
  });
  const attempt = delivery.attempts + 1;
  await recordAttempt(db, clock, deliveryId, attempt, now, result);

  if (result.ok) {
    await settle(db, clock, deliveryId, "succeeded");
    if (hook.failingSince)
      await db.update(webhooks).set({ failingSince: null }).where(eq(webhooks.id, hook.id));
    return;
  }
  const failingSince = hook.failingSince ?? now;
  if (!hook.failingSince) {
    await db.update(webhooks).set({ failingSince }).where(eq(webhooks.id, hook.id));
  }
  if (result.status === 410) {
    await disable(deps, hook, "gone");
    await settle(db, clock, deliveryId, "failed");
    return;
  }
  if (now.getTime() - failingSince.getTime() >= settings.disableAfterMs) {
    await disable(deps, hook, "failing");
    await settle(db, clock, deliveryId, "failed");
    return;
  }
  const step = settings.retryScheduleMs[attempt - 1];
  if (step === undefined) {
    await settle(db, clock, deliveryId, "failed");
    return;
  }
  // Counted from when this attempt ended, so a slow receiver still gets the whole pause.
  const wait = Math.max(step, Math.min(result.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
  throw new RetryAt(new Date(clock.now().getTime() + wait), result.error ?? `status ${result.status}`);
}

async function recordAttempt(
  db: Db,
  clock: Clock,
  deliveryId: string,
  attempt: number,
  at: Date,
  result: WebhookResult,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.insert(webhookAttempts).values({
      deliveryId,
      attemptedAt: at,
      statusCode: result.status,
      durationMs: Math.round(result.durationMs),
      responseExcerpt: result.responseExcerpt,
      error: result.error,
    });
    await tx
      .update(webhookDeliveries)
      .set({ attempts: attempt, updatedAt: clock.now() })
      .where(eq(webhookDeliveries.id, deliveryId));
  });
}

async function settle(db: Db, clock: Clock, deliveryId: string, status: "succeeded" | "failed") {
  await db
    .update(webhookDeliveries)
    .set({ status, updatedAt: clock.now() })
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.status, "pending")));
}

/** Switches an endpoint off and says so (webhook.disabled: the owner is told). */
async function disable(
  deps: DeliveryDeps,
  hook: typeof webhooks.$inferSelect,
  reason: "gone" | "failing",
): Promise<void> {
  await transact(deps, async (tx, emit) => {
    const [updated] = await tx
      .update(webhooks)
      .set({ active: false, disabledReason: reason, updatedAt: deps.clock.now() })
      .where(and(eq(webhooks.id, hook.id), eq(webhooks.active, true)))
      .returning({ id: webhooks.id });
    if (!updated) return;
    emit(
      {
        type: "webhook.disabled",
        actorId: null,
        data: { webhookId: hook.id, ownerId: hook.ownerId, url: hook.url, reason },
      },
      { audience: [hook.ownerId] },
    );
  });
}
