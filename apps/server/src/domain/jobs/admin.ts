import { and, desc, eq, lt } from "drizzle-orm";
import type { Actor } from "../actor.ts";
import type { EventDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { type Page, type PageRequest, toPage } from "../pagination.ts";
import { authorizeAccount } from "../policy.ts";
import { type JobState, jobs } from "./schema.ts";

type JobRow = typeof jobs.$inferSelect;

const present = (row: JobRow) => ({
  id: row.id,
  queue: row.queue,
  name: row.name,
  state: row.state,
  attempts: row.attempts,
  maxAttempts: row.maxAttempts,
  runAt: row.runAt.toISOString(),
  lastError: row.lastError,
  createdAt: row.createdAt.toISOString(),
  finishedAt: row.finishedAt?.toISOString() ?? null,
});

/** Jobs by state (admins): the dead-letter list is `state=dead`. Newest first. */
export async function listJobs(
  ctx: EventDeps,
  actor: Actor,
  filter: { state?: JobState | undefined; queue?: string | undefined },
  page: PageRequest,
): Promise<Page<ReturnType<typeof present>>> {
  authorizeAccount(actor, "jobs:manage");
  const cursor = page.cursor ? Number(page.cursor) : undefined;
  if (cursor !== undefined && !Number.isSafeInteger(cursor)) throw new AppError("bad_request", "Bad cursor");
  const rows = await ctx.db
    .select()
    .from(jobs)
    .where(
      and(
        filter.state ? eq(jobs.state, filter.state) : undefined,
        filter.queue ? eq(jobs.queue, filter.queue) : undefined,
        cursor !== undefined ? lt(jobs.id, cursor) : undefined,
      ),
    )
    .orderBy(desc(jobs.id))
    .limit(page.limit + 1);
  return toPage(rows, page.limit, present, (row) => String(row.id));
}

/** Puts a dead job back in the queue with a fresh set of attempts. */
export async function retryJob(
  ctx: EventDeps,
  actor: Actor,
  jobId: number,
): Promise<ReturnType<typeof present>> {
  authorizeAccount(actor, "jobs:manage");
  const now = ctx.clock.now();
  const [row] = await ctx.db
    .update(jobs)
    .set({ state: "pending", attempts: 0, runAt: now, finishedAt: null, lockedBy: null, updatedAt: now })
    .where(and(eq(jobs.id, jobId), eq(jobs.state, "dead")))
    .returning();
  if (row) return present(row);
  const [exists] = await ctx.db.select({ id: jobs.id }).from(jobs).where(eq(jobs.id, jobId));
  if (!exists) throw new AppError("not_found", "Job not found");
  throw new AppError("not_retryable", "Only a dead job can be retried");
}
