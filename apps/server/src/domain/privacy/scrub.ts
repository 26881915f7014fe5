import { eq, or, sql } from "drizzle-orm";
import { auditLog } from "../audit/schema.ts";
import { conversations, messages } from "../chat/schema.ts";
import { domainEvents } from "../events/schema.ts";
import { jobs } from "../jobs/schema.ts";
import { notifications } from "../notifications/schema.ts";
import type { Tx } from "../ports/database.ts";
import { webhookDeliveries } from "../webhooks/schema.ts";
import { DELETED_USER_NAME, type Subject, scrubValue } from "./pseudonym.ts";

/** `strpos(column::text, id) > 0`: ids hold `_`, a LIKE wildcard, so no LIKE. */
const holds = (column: unknown, needle: string) => sql`strpos(${column}::text, ${needle}) > 0`;

/**
 * What a deleted person wrote in chat stays in its place, without its text: the author becomes
 * "deleted user" (author_id is set null when the account row goes), the text and mentions are
 * removed and the message reads as deleted. Their id leaves other people's messages' mention lists,
 * and direct conversations keyed by the pair of ids are re-keyed with the pseudonym.
 */
export async function scrubChat(tx: Tx, subject: Subject, now: Date): Promise<void> {
  await tx
    .update(messages)
    .set({ body: "", mentions: [], deletedAt: sql`coalesce(${messages.deletedAt}, ${now})` })
    .where(eq(messages.authorId, subject.id));
  await tx
    .update(messages)
    .set({ mentions: sql`${messages.mentions} - ${subject.id}::text` })
    .where(sql`${messages.mentions} @> jsonb_build_array(${subject.id}::text)`);
  await tx
    .update(conversations)
    .set({ directKey: sql`replace(${conversations.directKey}, ${subject.id}, ${subject.pseudonym})` })
    .where(holds(conversations.directKey, subject.id));
}

/**
 * Other people's notifications that the person caused: kept, with "Deleted user" as the actor and
 * no quote of the person's (now removed) message.
 */
export async function scrubNotifications(tx: Tx, subject: Subject): Promise<void> {
  const rows = await tx
    .select({ id: notifications.id, kind: notifications.kind, data: notifications.data })
    .from(notifications)
    .where(eq(notifications.actorId, subject.id));
  for (const row of rows) {
    const data = scrubValue(row.data, subject) as Record<string, unknown>;
    data.actorName = DELETED_USER_NAME;
    if (row.kind === "mention") data.excerpt = "";
    await tx.update(notifications).set({ actorId: null, data }).where(eq(notifications.id, row.id));
  }
}

/**
 * The audit log keeps its record, pseudonymous: the id (as actor, target or in details) and the
 * email become the pseudonym, the name "Deleted user"; IP address and user agent are removed from
 * every entry about the person.
 */
export async function scrubAudit(tx: Tx, subject: Subject): Promise<void> {
  const rows = await tx
    .select()
    .from(auditLog)
    .where(
      or(
        eq(auditLog.actorId, subject.id),
        eq(auditLog.targetId, subject.id),
        holds(auditLog.details, subject.id),
        sql`lower(${auditLog.details}->>'email') = ${subject.email}`,
      ),
    );
  for (const row of rows) {
    await tx
      .update(auditLog)
      .set({
        actorId: row.actorId === subject.id ? subject.pseudonym : row.actorId,
        targetId: row.targetId === subject.id ? subject.pseudonym : row.targetId,
        details: scrubValue(row.details, subject) as Record<string, unknown>,
        ip: null,
        userAgent: null,
      })
      .where(eq(auditLog.id, row.id));
  }
}

/** An event's data with the person's traces replaced, and the text of their messages removed. */
export function scrubEventData(type: string, data: unknown, subject: Subject): unknown {
  const scrubbed = scrubValue(data, subject) as Record<string, unknown>;
  const message = scrubbed.message as { authorId?: unknown; body?: unknown; mentions?: unknown } | undefined;
  if ((type === "message.created" || type === "message.updated") && message) {
    if (message.authorId === subject.pseudonym) {
      message.body = "";
      message.mentions = [];
    }
  }
  return scrubbed;
}

/**
 * The event log, the job queue and webhook deliveries (the exact bodies kept for retries): every row
 * that mentions the person, rewritten with scrubEventData. Runs after the deletion's own events are
 * logged (transact's afterRecord), so they are rewritten too; webhooks then deliver the pseudonym.
 */
export async function scrubLogs(tx: Tx, subject: Subject): Promise<void> {
  const events = await tx
    .select({
      seq: domainEvents.seq,
      type: domainEvents.type,
      actorId: domainEvents.actorId,
      data: domainEvents.data,
      audience: domainEvents.audience,
    })
    .from(domainEvents)
    .where(
      or(
        eq(domainEvents.actorId, subject.id),
        holds(domainEvents.data, subject.id),
        holds(domainEvents.audience, subject.id),
      ),
    );
  for (const event of events) {
    await tx
      .update(domainEvents)
      .set({
        actorId: event.actorId === subject.id ? subject.pseudonym : event.actorId,
        data: scrubEventData(event.type, event.data, subject),
        audience:
          event.audience?.map((userId) => (userId === subject.id ? subject.pseudonym : userId)) ?? null,
      })
      .where(eq(domainEvents.seq, event.seq));
  }

  const queued = await tx
    .select({ id: jobs.id, payload: jobs.payload })
    .from(jobs)
    .where(holds(jobs.payload, subject.id));
  for (const job of queued) {
    await tx
      .update(jobs)
      .set({ payload: scrubValue(job.payload, subject) as object })
      .where(eq(jobs.id, job.id));
  }

  const deliveries = await tx
    .select({ id: webhookDeliveries.id, type: webhookDeliveries.eventType, body: webhookDeliveries.body })
    .from(webhookDeliveries)
    .where(
      or(
        holds(webhookDeliveries.body, subject.id),
        holds(sql`lower(${webhookDeliveries.body})`, subject.email),
      ),
    );
  for (const delivery of deliveries) {
    const body = JSON.parse(delivery.body) as { data?: unknown };
    const scrubbed = { ...body, data: scrubEventData(delivery.type, body.data, subject) };
    await tx
      .update(webhookDeliveries)
      .set({ body: JSON.stringify(scrubbed) })
      .where(eq(webhookDeliveries.id, delivery.id));
  }
}
