import { and, eq, inArray, sql } from "drizzle-orm";
import { transact } from "../events/outbox.ts";
import { groupCommit } from "../group-commit.ts";
import { RetryAt } from "../jobs/job-type.ts";
import type { Clock } from "../ports/clock.ts";
import type { Db } from "../ports/database.ts";
import type { EventBus } from "../ports/event-bus.ts";
import type { OutboundHttp, WebhookResult } from "../ports/outbound-http.ts";
import type { SecretBox } from "../ports/secret-box.ts";
import { webhookDeliveries, webhooks } from "./schema.ts";
import type { WebhookSettings } from "./settings.ts";
import { webhookHeaders } from "./signing.ts";

export interface DeliveryDeps {
  db: Db;
  clock: Clock;
  box: SecretBox;
  events: EventBus;
  settings: WebhookSettings;
  /** Where requests go: the SSRF-guarded sender bound to this instance's destination rule. */
  http: OutboundHttp;
}

/** A Retry-After longer than this is not waited for beyond the schedule's own step. */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

type Loaded = { delivery: typeof webhookDeliveries.$inferSelect; hook: typeof webhooks.$inferSelect };

/** What one attempt came to: logged as an attempt row, and the delivery's attempts and status. */
interface Outcome {
  deliveryId: string;
  attempt: number;
  at: Date;
  result: WebhookResult;
  /** pending: another attempt is scheduled. */
  status: "pending" | "succeeded" | "failed";
}

/**
 * The webhooks.deliver handler: one attempt of one delivery per call. Attempts running at the same
 * time share their statements: one read for all the deliveries claimed together, one write for all
 * the outcomes ready together (group commits), so a busy endpoint costs a few statements per batch
 * rather than per delivery.
 */
export function webhookDeliverer(deps: DeliveryDeps): (deliveryId: string) => Promise<void> {
  const load = groupCommit((ids: string[]) => loadDeliveries(deps.db, ids));
  // One delivery's bad row (e.g. its endpoint deleted meanwhile) must not fail the others'.
  const record = groupCommit((outcomes: Outcome[]) => recordOutcomes(deps.db, deps.clock, outcomes), {
    isolateFailures: true,
  });
  return (deliveryId) => deliverOnce(deps, load, record, deliveryId);
}

/**
 * Sends, then: success ends it; 410 switches the endpoint off; anything else schedules the next
 * retry from the webhook schedule (or the receiver's Retry-After, if later) until the schedule runs
 * out, or the endpoint has failed for so long that it is switched off. The endpoint's own changes
 * (failing_since, switching off) are made before the outcome is recorded, so a crash in between
 * sends again (at least once) rather than leave a final status without them.
 */
async function deliverOnce(
  deps: DeliveryDeps,
  load: (id: string) => Promise<Loaded | undefined>,
  record: (outcome: Outcome) => Promise<void>,
  deliveryId: string,
): Promise<void> {
  const { db, clock, settings } = deps;
  const row = await load(deliveryId);
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
  const result = await deps.http.post({
    url: hook.url,
    body: delivery.body,
    headers: { ...webhookHeaders({ id: delivery.id, timestamp: now, body: delivery.body, secrets }) },
    timeoutMs: settings.timeoutMs,
    now,
  });
  const attempt = delivery.attempts + 1;
  const outcome = { deliveryId, attempt, at: now, result };

  if (result.ok) {
    if (hook.failingSince)
      await db.update(webhooks).set({ failingSince: null }).where(eq(webhooks.id, hook.id));
    await record({ ...outcome, status: "succeeded" });
    return;
  }
  const failingSince = hook.failingSince ?? now;
  if (!hook.failingSince) {
    await db.update(webhooks).set({ failingSince }).where(eq(webhooks.id, hook.id));
  }
  let final = true;
  if (result.status === 410) {
    await disable(deps, hook, "gone");
  } else if (now.getTime() - failingSince.getTime() >= settings.disableAfterMs) {
    await disable(deps, hook, "failing");
  } else {
    final = settings.retryScheduleMs[attempt - 1] === undefined;
  }
  await record({ ...outcome, status: final ? "failed" : "pending" });
  if (final) return;
  const step = settings.retryScheduleMs[attempt - 1]!;
  // Counted from when this attempt ended, so a slow receiver still gets the whole pause.
  const wait = Math.max(step, Math.min(result.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
  throw new RetryAt(new Date(clock.now().getTime() + wait), result.error ?? `status ${result.status}`);
}

/** The deliveries (with their endpoints) of one batch, in the order asked; undefined: gone. */
async function loadDeliveries(db: Db, ids: string[]): Promise<(Loaded | undefined)[]> {
  const rows = await db
    .select({ delivery: webhookDeliveries, hook: webhooks })
    .from(webhookDeliveries)
    .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
    .where(inArray(webhookDeliveries.id, ids));
  const byId = new Map(rows.map((row) => [row.delivery.id, row]));
  return ids.map((id) => byId.get(id));
}

/**
 * One statement for a batch of outcomes: an attempt row each, and each delivery's attempt count
 * and status (a settled delivery is left alone). A delivery deleted meanwhile (its endpoint was)
 * gets no attempt row rather than failing the batch on the foreign key.
 */
async function recordOutcomes(db: Db, clock: Clock, outcomes: Outcome[]): Promise<undefined> {
  const rows = JSON.stringify(
    outcomes.map(({ deliveryId, attempt, at, result, status }) => ({
      id: deliveryId,
      attempt,
      status,
      at: at.toISOString(),
      code: result.status,
      ms: Math.round(result.durationMs),
      excerpt: result.responseExcerpt,
      error: result.error,
    })),
  );
  await db.execute(sql`
    WITH outcome AS (
      SELECT * FROM json_to_recordset(${rows}::json)
        AS o(id text, attempt int, status text, at timestamptz, code int, ms int, excerpt text, error text)
    ), logged AS (
      INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, duration_ms, response_excerpt, error)
      SELECT o.id, o.at, o.code, o.ms, o.excerpt, o.error
      FROM outcome o JOIN webhook_deliveries d ON d.id = o.id
    )
    UPDATE webhook_deliveries d SET attempts = o.attempt, status = o.status, updated_at = ${clock.now()}
    FROM outcome o
    WHERE d.id = o.id AND d.status = 'pending'`);
  return undefined;
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
