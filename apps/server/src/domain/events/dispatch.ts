import { eq, isNull, lte, min, or, sql } from "drizzle-orm";
import type { Db, Tx } from "../ports/database.ts";
import { type domainEvents, eventOutbox } from "./schema.ts";

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

export interface DispatchPass {
  /** Events handed to every consumer and taken off the outbox. */
  dispatched: number;
  /** Whether the pass took as many as it might: more may be waiting. */
  full: boolean;
  /** The event whose consumer threw: the pass rolled back, and this one should wait before its retry. */
  failed: { seq: number; attempts: number; error: unknown } | null;
}

interface ClaimedRow {
  seq: number | string;
  id: string;
  type: string;
  actor_id: string | null;
  project_id: string | null;
  data: unknown;
  audience: string[] | null;
  occurred_at: Date | string;
  attempts: number;
}

/**
 * Takes due events off the outbox, locked (another node's claim skips them), with their rows from
 * the log, oldest first. Raw SQL: the query builder cost more than the statement on this hot path.
 */
async function claim(tx: Tx, limit: number, now: Date): Promise<{ event: EventRow; attempts: number }[]> {
  const result = await tx.execute(sql`
    WITH claimed AS (
      DELETE FROM event_outbox WHERE seq IN (
        SELECT seq FROM event_outbox WHERE retry_at IS NULL OR retry_at <= ${now}
        ORDER BY seq LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING seq, attempts)
    SELECT e.seq, e.id, e.type, e.actor_id, e.project_id, e.data, e.audience, e.occurred_at, claimed.attempts
    FROM domain_events e JOIN claimed USING (seq)
    ORDER BY e.seq`);
  // Both drivers answer { rows }; int8 comes back as a string from pg, timestamps as strings from PGlite.
  return (result as unknown as { rows: ClaimedRow[] }).rows.map((row) => ({
    event: {
      seq: Number(row.seq),
      id: row.id,
      type: row.type,
      actorId: row.actor_id,
      projectId: row.project_id,
      data: row.data,
      audience: row.audience,
      occurredAt: new Date(row.occurred_at),
    },
    attempts: row.attempts,
  }));
}

/**
 * One dispatch pass: takes up to `limit` due events off the outbox (their rows locked, so another
 * node's pass skips them), hands each to every consumer in seq order, and commits the consumers'
 * effects with the removal: an event leaves the outbox exactly when it has been dispatched. A
 * consumer that throws rolls the pass back (nothing is lost; consumers are idempotent anyway) and is
 * reported, so the caller can put that event back for later and run the others again at once.
 * Errors of the store itself are thrown.
 */
export async function dispatchPending(
  db: Db,
  consumers: readonly EventConsumer[],
  options: { limit: number; now: Date; onAfterCommitError?: (error: unknown) => void },
): Promise<DispatchPass> {
  const committed: (() => void)[] = [];
  const afterCommit = (work: () => void) => void committed.push(work);
  // Set inside the transaction's callback (a holder, as the compiler does not follow closures).
  const outcome: { taken: number; failed: DispatchPass["failed"] } = { taken: 0, failed: null };
  try {
    await db.transaction(async (tx) => {
      const rows = await claim(tx, options.limit, options.now);
      outcome.taken = rows.length;
      for (const { event, attempts } of rows) {
        try {
          for (const consume of consumers) await consume(tx, event, afterCommit);
        } catch (error) {
          outcome.failed = { seq: event.seq, attempts: attempts + 1, error };
          throw error;
        }
      }
    });
  } catch (error) {
    if (outcome.failed) return { dispatched: 0, full: false, failed: outcome.failed };
    throw error;
  }
  for (const work of committed) {
    try {
      work();
    } catch (error) {
      options.onAfterCommitError?.(error);
    }
  }
  return { dispatched: outcome.taken, full: outcome.taken === options.limit, failed: null };
}

/** Puts an event whose dispatch failed back on the outbox, due again at `retryAt`. */
export async function postponeDispatch(
  db: Db,
  failed: NonNullable<DispatchPass["failed"]>,
  retryAt: Date,
): Promise<void> {
  const message = failed.error instanceof Error ? failed.error.message : String(failed.error);
  await db
    .update(eventOutbox)
    .set({ attempts: failed.attempts, retryAt, lastError: message })
    .where(eq(eventOutbox.seq, failed.seq));
}

/** Whether any event is due for dispatch (a cheap look before a pass, for the periodic check). */
export async function anyDispatchDue(db: Db, now: Date): Promise<boolean> {
  const [row] = await db
    .select({ seq: eventOutbox.seq })
    .from(eventOutbox)
    .where(or(isNull(eventOutbox.retryAt), lte(eventOutbox.retryAt, now)))
    .limit(1);
  return row !== undefined;
}

/** When the earliest event put back for later is due (null: none is waiting). */
export async function nextRetryAt(db: Db): Promise<Date | null> {
  const [row] = await db.select({ at: min(eventOutbox.retryAt) }).from(eventOutbox);
  return row?.at ?? null;
}
