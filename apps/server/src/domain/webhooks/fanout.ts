import { webhookEventNames } from "@codepark/protocol";
import { sql } from "drizzle-orm";
import type { domainEvents } from "../events/schema.ts";
import { newId } from "../ids.ts";
import { enqueueJobsFrom } from "../jobs/enqueue.ts";
import type { Clock } from "../ports/clock.ts";
import type { Tx } from "../ports/database.ts";
import { deliverWebhook } from "./jobs.ts";
import { webhookDeliveries } from "./schema.ts";
import type { WebhookSettings } from "./settings.ts";

type EventRow = typeof domainEvents.$inferSelect;
const publicEvents = new Set<string>(webhookEventNames);

/** The webhook body: what receivers parse and what is signed. */
export function webhookBody(event: Pick<EventRow, "type" | "occurredAt" | "data">): string {
  return JSON.stringify({ type: event.type, timestamp: event.occurredAt.toISOString(), data: event.data });
}

/**
 * Turns logged events into deliveries for the endpoints that subscribed to them and whose owner
 * may see them. Idempotent: a delivery per (endpoint, event) is unique, so a re-run after a crash
 * creates nothing twice. Two statements however many events and endpoints: one read (endpoints
 * per event, their owners, and what scoping needs), one write (the deliveries and their jobs).
 * Returns how many deliveries it created.
 */
export async function fanOutToWebhooks(
  tx: Tx,
  clock: Clock,
  settings: WebhookSettings,
  events: readonly EventRow[],
): Promise<number> {
  const candidates = events.filter((event) => publicEvents.has(event.type));
  if (candidates.length === 0) return 0;
  const wanted = JSON.stringify(
    candidates.map((event, index) => ({ i: index, type: event.type, project_id: event.projectId })),
  );
  // jsonb containment: only endpoints subscribed to an event's type are read for it. A project
  // that is gone (or no project) leaves visibility and membership null.
  const result = await tx.execute(sql`
    SELECT e.i, w.id, w.owner_id, u.role, p.visibility, m.user_id AS membership
    FROM json_to_recordset(${wanted}::json) AS e(i int, type text, project_id text)
    JOIN webhooks w ON w.active AND w.events @> jsonb_build_array(e.type)
    JOIN users u ON u.id = w.owner_id
    LEFT JOIN projects p ON p.id = e.project_id
    LEFT JOIN project_members m ON m.project_id = p.id AND m.user_id = w.owner_id`);
  const perEvent = candidates.map((): Candidate[] => []);
  for (const row of (result as unknown as { rows: CandidateRow[] }).rows) {
    perEvent[row.i]!.push({
      id: row.id,
      ownerId: row.owner_id,
      role: row.role,
      visibility: row.visibility,
      membership: row.membership,
    });
  }

  const now = clock.now();
  const rows = candidates.flatMap((event, index) => {
    const allowed = scope(event, perEvent[index]!);
    if (allowed.length === 0) return [];
    const body = webhookBody(event);
    return allowed.map((hook) => ({
      id: newId("msg", now.getTime()),
      webhookId: hook.id,
      eventId: event.id,
      eventType: event.type,
      body,
      status: "pending" as const,
      createdAt: now,
      updatedAt: now,
    }));
  });
  if (rows.length === 0) return 0;
  const deliveries = tx
    .insert(webhookDeliveries)
    .values(rows)
    .onConflictDoNothing()
    .returning({ id: webhookDeliveries.id });
  // The same statement enqueues a delivery job for each delivery it created.
  return enqueueJobsFrom(
    tx,
    clock,
    deliverWebhook,
    { name: "inserted", rows: deliveries },
    sql`jsonb_build_object('deliveryId', inserted.id)`,
    { maxAttempts: settings.retryScheduleMs.length + 1 },
  );
}

interface CandidateRow {
  i: number;
  id: string;
  owner_id: string;
  role: string;
  visibility: string | null;
  membership: string | null;
}

interface Candidate {
  id: string;
  ownerId: string;
  role: string;
  visibility: string | null;
  membership: string | null;
}

/** Who may hear of the event: the same visibility rules as reading it through the API. */
function scope(event: EventRow, hooks: Candidate[]): Candidate[] {
  if (hooks.length === 0) return hooks;
  const data = event.data as Record<string, unknown>;
  switch (event.type) {
    case "user.created":
      return hooks.filter((hook) => hook.role === "admin");
    case "webhook.test":
      return hooks.filter((hook) => hook.id === data.webhookId);
    case "webhook.disabled":
      return hooks.filter((hook) => hook.ownerId === data.ownerId && hook.id !== data.webhookId);
  }
  const audience = new Set(event.audience ?? []);
  // Not about a project (a direct conversation): only those it was addressed to.
  if (!event.projectId) return hooks.filter((hook) => audience.has(hook.ownerId));
  return hooks.filter(
    (hook) =>
      hook.role === "admin" ||
      audience.has(hook.ownerId) ||
      // A project that still exists (every row carries its visibility then), public or theirs.
      hook.visibility === "public" ||
      (hook.visibility !== null && hook.membership !== null),
  );
}
