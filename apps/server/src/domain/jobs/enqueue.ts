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
  const now = clock.now();
  const [row] = await db
    .insert(jobs)
    .values({
      queue: type.queue,
      name: type.name,
      payload: payload as object,
      priority: options.priority ?? type.priority,
      state: "pending",
      maxAttempts: options.maxAttempts ?? type.maxAttempts,
      runAt: options.runAt ?? now,
      createdAt: now,
      updatedAt: now,
    })
    .returning({ id: jobs.id });
  return row!.id;
}
