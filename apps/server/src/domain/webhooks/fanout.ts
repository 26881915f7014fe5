import { webhookEventNames } from "@codepark/protocol";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { domainEvents } from "../events/schema.ts";
import { newId } from "../ids.ts";
import { enqueueJobs } from "../jobs/enqueue.ts";
import type { Clock } from "../ports/clock.ts";
import type { Tx } from "../ports/database.ts";
import { projectMembers, projects } from "../projects/schema.ts";
import { users } from "../users/schema.ts";
import { deliverWebhook } from "./jobs.ts";
import { webhookDeliveries, webhooks } from "./schema.ts";
import type { WebhookSettings } from "./settings.ts";

type EventRow = typeof domainEvents.$inferSelect;
const publicEvents = new Set<string>(webhookEventNames);

/** The webhook body: what receivers parse and what is signed. */
export function webhookBody(event: Pick<EventRow, "type" | "occurredAt" | "data">): string {
  return JSON.stringify({ type: event.type, timestamp: event.occurredAt.toISOString(), data: event.data });
}

/**
 * Turns one logged event into deliveries for the endpoints that subscribed to it and whose owner
 * may see it. Idempotent: a delivery per (endpoint, event) is unique, so a re-run after a crash
 * creates nothing twice.
 */
export async function fanOutToWebhooks(
  tx: Tx,
  clock: Clock,
  settings: WebhookSettings,
  event: EventRow,
): Promise<number> {
  if (!publicEvents.has(event.type)) return 0;
  const subscribed = await tx
    .select({ id: webhooks.id, ownerId: webhooks.ownerId, events: webhooks.events, role: users.role })
    .from(webhooks)
    .innerJoin(users, eq(users.id, webhooks.ownerId))
    // jsonb containment: only endpoints subscribed to this type are read.
    .where(and(eq(webhooks.active, true), sql`${webhooks.events} @> ${JSON.stringify([event.type])}::jsonb`));

  const allowed = await scope(tx, event, subscribed);
  if (allowed.length === 0) return 0;
  const now = clock.now();
  const body = webhookBody(event);
  const inserted = await tx
    .insert(webhookDeliveries)
    .values(
      allowed.map((hook) => ({
        id: newId("msg", now.getTime()),
        webhookId: hook.id,
        eventId: event.id,
        eventType: event.type,
        body,
        status: "pending" as const,
        createdAt: now,
        updatedAt: now,
      })),
    )
    .onConflictDoNothing()
    .returning({ id: webhookDeliveries.id });
  // One statement for every endpoint's delivery job.
  await enqueueJobs(
    tx,
    clock,
    deliverWebhook,
    inserted.map(({ id }) => ({ deliveryId: id })),
    { maxAttempts: settings.retryScheduleMs.length + 1 },
  );
  return inserted.length;
}

interface Candidate {
  id: string;
  ownerId: string;
  role: string;
}

/** Who may hear of the event: the same visibility rules as reading it through the API. */
async function scope<T extends Candidate>(tx: Tx, event: EventRow, hooks: T[]): Promise<T[]> {
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
  const projectId = event.projectId;
  const audience = new Set(event.audience ?? []);
  // Not about a project (a direct conversation): only those it was addressed to.
  if (!projectId) return hooks.filter((hook) => audience.has(hook.ownerId));
  const [project] = await tx
    .select({ visibility: projects.visibility })
    .from(projects)
    .where(eq(projects.id, projectId));
  const members = project
    ? await tx
        .select({ userId: projectMembers.userId })
        .from(projectMembers)
        .where(
          and(
            eq(projectMembers.projectId, projectId),
            inArray(
              projectMembers.userId,
              hooks.map((hook) => hook.ownerId),
            ),
          ),
        )
    : [];
  const memberIds = new Set(members.map((member) => member.userId));
  return hooks.filter(
    (hook) =>
      hook.role === "admin" ||
      audience.has(hook.ownerId) ||
      (project !== undefined && (project.visibility === "public" || memberIds.has(hook.ownerId))),
  );
}
