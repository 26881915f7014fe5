import type { DomainEvent } from "@codepark/protocol";
import { asc, gte } from "drizzle-orm";
import type { Db } from "../ports/database.ts";
import { domainEvents } from "./schema.ts";

export interface LoggedEvent {
  id: string;
  event: DomainEvent;
}

/** How many events one repair reads at most: a node cut off longer than that resyncs only the newest. */
const REPAIR_LIMIT = 10_000;

/**
 * Committed events that occurred at or after `since`, oldest first: what a node that may have
 * missed live deliveries (its bus connection dropped) reads to catch up.
 */
export async function eventsSince(db: Db, since: Date): Promise<LoggedEvent[]> {
  const rows = await db
    .select({
      id: domainEvents.id,
      type: domainEvents.type,
      actorId: domainEvents.actorId,
      data: domainEvents.data,
    })
    .from(domainEvents)
    .where(gte(domainEvents.occurredAt, since))
    .orderBy(asc(domainEvents.seq))
    .limit(REPAIR_LIMIT);
  return rows.map((row) => ({
    id: row.id,
    event: { type: row.type, actorId: row.actorId, data: row.data } as DomainEvent,
  }));
}
