import { type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { Clock } from "../ports/clock.ts";
import type { Executor } from "../ports/database.ts";
import type { JobType } from "./job-type.ts";
import { jobs } from "./schema.ts";

export interface EnqueueOptions {
  runAt?: Date;
  priority?: number;
  maxAttempts?: number;
}

/**
 * Adds a job. Pass the caller's transaction: the job then exists exactly when the change that
 * asked for it commits.
 */
export async function enqueueJob<P>(
  db: Executor,
  clock: Clock,
  type: JobType<P>,
  payload: P,
  options: EnqueueOptions = {},
): Promise<number> {
  const [id] = await enqueueJobs(db, clock, type, [payload], options);
  return id!;
}

/** Adds one job per payload, all of one type, in one statement; ids in payload order. */
export async function enqueueJobs<P>(
  db: Executor,
  clock: Clock,
  type: JobType<P>,
  payloads: readonly P[],
  options: EnqueueOptions = {},
): Promise<number[]> {
  if (payloads.length === 0) return [];
  const now = clock.now();
  const rows = await db
    .insert(jobs)
    .values(
      payloads.map((payload) => ({
        queue: type.queue,
        name: type.name,
        payload: payload as object,
        priority: options.priority ?? type.priority,
        state: "pending" as const,
        maxAttempts: options.maxAttempts ?? type.maxAttempts,
        runAt: options.runAt ?? now,
        createdAt: now,
        updatedAt: now,
      })),
    )
    .returning({ id: jobs.id });
  // Ids are drawn row by row in VALUES order (RETURNING's own order is not promised): ascending
  // ids are payload order.
  return rows.map((row) => row.id).sort((a, b) => a - b);
}

/**
 * Adds a job per row that `source` (a data-modifying query with RETURNING, e.g. an INSERT of the
 * rows the jobs are about) gives, in the same statement: the rows and their jobs commit together
 * and cost one round trip. `payload` builds a job's payload (jsonb) from a row of `source`, which
 * it names by `source.name`. Returns how many jobs were added.
 */
export async function enqueueJobsFrom<P>(
  db: Executor,
  clock: Clock,
  type: JobType<P>,
  source: { name: string; rows: SQLWrapper },
  payload: SQL,
  options: EnqueueOptions = {},
): Promise<number> {
  const now = clock.now();
  const from = sql.identifier(source.name);
  const result = await db.execute(sql`
    WITH ${from} AS (${source.rows.getSQL()})
    INSERT INTO jobs (queue, name, payload, priority, state, max_attempts, run_at, created_at, updated_at)
    SELECT ${type.queue}, ${type.name}, ${payload}, ${options.priority ?? type.priority}::int, 'pending',
      ${options.maxAttempts ?? type.maxAttempts}::int, ${options.runAt ?? now}::timestamptz,
      ${now}::timestamptz, ${now}::timestamptz
    FROM ${from}
    RETURNING id`);
  return (result as unknown as { rows: unknown[] }).rows.length;
}
