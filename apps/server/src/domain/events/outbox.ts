import type { DomainEvent } from "@codepark/protocol";
import type { EventDeps } from "../deps.ts";
import { newId } from "../ids.ts";
import { enqueueJob } from "../jobs/enqueue.ts";
import { jobType, Priority } from "../jobs/job-type.ts";
import type { Clock } from "../ports/clock.ts";
import type { Executor, Tx } from "../ports/database.ts";
import { domainEvents } from "./schema.ts";

export interface EmitOptions {
  /** User ids who could see the event when it happened (see domain_events.audience). */
  audience?: string[];
}
export type Emit = (event: DomainEvent, options?: EmitOptions) => void;
interface Emitted {
  event: DomainEvent;
  audience: string[] | null;
}

/** Hands committed events to their consumers (webhooks, notifications): one job per transaction. */
export const dispatchEvents = jobType<{ eventIds: string[] }>({
  name: "events.dispatch",
  queue: "events",
  priority: Priority.critical,
  maxAttempts: 25,
});

/** The project an event is about, kept in its own column for scoping and filtering. */
function projectOf(event: DomainEvent): string | null {
  return "projectId" in event.data ? event.data.projectId : null;
}

/**
 * Appends events to the log and enqueues their dispatch, inside the caller's transaction:
 * the events exist exactly when the change commits.
 */
export async function recordEvents(
  tx: Executor,
  clock: Clock,
  events: readonly Emitted[],
): Promise<string[]> {
  if (events.length === 0) return [];
  const now = clock.now();
  const rows = events.map(({ event, audience }) => ({
    id: newId("evt", now.getTime()),
    type: event.type,
    actorId: event.actorId,
    projectId: projectOf(event),
    data: event.data,
    audience,
    occurredAt: now,
  }));
  await tx.insert(domainEvents).values(rows);
  const ids = rows.map((row) => row.id);
  await enqueueJob(tx, clock, dispatchEvents, { eventIds: ids });
  return ids;
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
