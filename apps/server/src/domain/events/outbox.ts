import type { DomainEvent } from "@codepark/protocol";
import { sql } from "drizzle-orm";
import type { EventDeps } from "../deps.ts";
import { newId } from "../ids.ts";
import type { Clock } from "../ports/clock.ts";
import type { Executor, Tx } from "../ports/database.ts";
import { domainEvents, eventOutbox } from "./schema.ts";

export interface EmitOptions {
  /** User ids who could see the event when it happened (see domain_events.audience). */
  audience?: string[];
}
export type Emit = (event: DomainEvent, options?: EmitOptions) => void;
interface Emitted {
  event: DomainEvent;
  audience: string[] | null;
}

/** An event as its domain_events row is written. */
export function eventRow(event: DomainEvent, audience: string[] | null, now: Date) {
  return {
    id: newId("evt", now.getTime()),
    type: event.type,
    actorId: event.actorId,
    // The project an event is about, kept in its own column for scoping and filtering.
    projectId: "projectId" in event.data ? event.data.projectId : null,
    data: event.data,
    audience,
    occurredAt: now,
  };
}

/**
 * Appends events to the log and queues them for dispatch (the outbox), inside the caller's
 * transaction, in one statement: the events exist, and will reach their consumers, exactly when
 * the change commits.
 */
export async function recordEvents(
  tx: Executor,
  clock: Clock,
  events: readonly Emitted[],
): Promise<string[]> {
  if (events.length === 0) return [];
  const now = clock.now();
  const rows = events.map(({ event, audience }) => eventRow(event, audience, now));
  const logged = tx
    .$with("logged")
    .as(tx.insert(domainEvents).values(rows).returning({ seq: domainEvents.seq }));
  await tx
    .with(logged)
    .insert(eventOutbox)
    // INSERT … SELECT names every column of the table, in order.
    .select(
      tx
        .select({
          seq: logged.seq,
          attempts: sql<number>`0`.as("attempts"),
          retryAt: sql<Date | null>`null`.as("retry_at"),
          lastError: sql<string | null>`null`.as("last_error"),
        })
        .from(logged),
    );
  return rows.map((row) => row.id);
}

/** SQL expressions (over a statement's parameters and CTEs) for each column of an event's row. */
export interface EventColumnsSql {
  id: string;
  type: string;
  actorId: string;
  projectId: string;
  data: string;
  audience: string;
  occurredAt: string;
}

/**
 * For a change made in one statement (a hot path with no transaction around it): the CTE members
 * that log an event and queue it for dispatch, committed with the change. The event is logged once
 * per row of `from` (none: no event). Publish it after the statement returns, as `transact` does.
 */
export function logEventSql(columns: EventColumnsSql, from: string): string {
  return `logged_event AS (
    INSERT INTO domain_events (id, type, actor_id, project_id, data, audience, occurred_at)
    SELECT ${columns.id}, ${columns.type}, ${columns.actorId}, ${columns.projectId}, ${columns.data},
      ${columns.audience}, ${columns.occurredAt}
    FROM ${from}
    RETURNING seq),
  queued_event AS (INSERT INTO event_outbox (seq) SELECT seq FROM logged_event)`;
}

export interface TransactOptions {
  /**
   * Runs in the transaction once its events are in the log, before it commits: account deletion
   * rewrites the logged copies (pseudonyms) while live connections still get the events as emitted.
   */
  afterRecord?: (tx: Tx, eventIds: string[]) => Promise<void>;
}

/** Names cache keys the transaction's change makes stale (each family's keys come from its cache module). */
export type Stale = (keys: readonly string[]) => void;

/**
 * A transaction whose work may emit domain events. They are written to the log in the same
 * transaction, and published to this node's transports only after it commits; a rolled-back
 * change emits nothing. Cache keys the work marks `stale` are invalidated after the commit and
 * before the events are published and the command returns: whoever reacts to the change, or
 * sends the next request to any node, reads it from the store.
 */
export async function transact<T>(
  ctx: Pick<EventDeps, "db" | "clock" | "events"> & Partial<Pick<EventDeps, "cache">>,
  work: (tx: Tx, emit: Emit, stale: Stale) => Promise<T>,
  options: TransactOptions = {},
): Promise<T> {
  const emitted: Emitted[] = [];
  let ids: string[] = [];
  const staleKeys: string[] = [];
  const stale: Stale = (keys) => {
    // A programming error, refused before anything commits rather than leave the cache stale.
    if (!ctx.cache) throw new Error("transact: this change makes cached reads stale but ctx has no cache");
    staleKeys.push(...keys);
  };
  const result = await ctx.db.transaction(async (tx) => {
    const value = await work(
      tx,
      (event, options) => {
        emitted.push({ event, audience: options?.audience ?? null });
      },
      stale,
    );
    ids = await recordEvents(tx, ctx.clock, emitted);
    await options.afterRecord?.(tx, ids);
    return value;
  });
  try {
    if (staleKeys.length > 0) await ctx.cache!.invalidate(staleKeys);
  } finally {
    // Committed either way: live connections hear of it even if the invalidation failed (and throws).
    for (const [index, { event }] of emitted.entries()) ctx.events.publish(event, ids[index]);
  }
  return result;
}
