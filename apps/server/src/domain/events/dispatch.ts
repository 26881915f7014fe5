import { asc, inArray } from "drizzle-orm";
import type { Db, Tx } from "../ports/database.ts";
import { domainEvents } from "./schema.ts";

export type EventRow = typeof domainEvents.$inferSelect;

/**
 * A reader of the event log. Runs inside the dispatch transaction, so its effects commit together;
 * `afterCommit` work (telling live connections) runs only once they have.
 */
export type EventConsumer = (
  tx: Tx,
  event: EventRow,
  afterCommit: (work: () => void) => void,
) => Promise<unknown>;

/**
 * The events.dispatch job: hands the events of one committed transaction to every consumer.
 * Consumers are idempotent (a retried dispatch must not deliver twice).
 */
export async function dispatchToConsumers(
  db: Db,
  consumers: readonly EventConsumer[],
  eventIds: string[],
  onAfterCommitError?: (error: unknown) => void,
): Promise<void> {
  const rows = await db
    .select()
    .from(domainEvents)
    .where(inArray(domainEvents.id, eventIds))
    .orderBy(asc(domainEvents.seq));
  if (rows.length === 0) return;
  const committed: (() => void)[] = [];
  const afterCommit = (work: () => void) => void committed.push(work);
  await db.transaction(async (tx) => {
    for (const row of rows) {
      for (const consume of consumers) await consume(tx, row, afterCommit);
    }
  });
  for (const work of committed) {
    try {
      work();
    } catch (error) {
      onAfterCommitError?.(error);
    }
  }
}
