import { sql } from "drizzle-orm";
import { bigserial, index, integer, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { timestampColumn } from "../columns.ts";

export const jobStates = ["pending", "running", "completed", "dead"] as const;
export type JobState = (typeof jobStates)[number];

/**
 * The durable job queue. Workers claim due rows with FOR UPDATE SKIP LOCKED, so any number of
 * nodes can share it; a claim is a lease (locked_until) that another node takes over if the
 * holder dies.
 */
export const jobs = pgTable(
  "jobs",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    queue: text("queue").notNull(),
    name: text("name").notNull(),
    payload: jsonb("payload").notNull(),
    /** Lower runs first: 0 critical, 5 normal, 10 background. */
    priority: integer("priority").notNull(),
    state: text("state", { enum: jobStates }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull(),
    runAt: timestampColumn("run_at").notNull(),
    lockedBy: text("locked_by"),
    lockedUntil: timestampColumn("locked_until"),
    lastError: text("last_error"),
    createdAt: timestampColumn("created_at").notNull(),
    updatedAt: timestampColumn("updated_at").notNull(),
    finishedAt: timestampColumn("finished_at"),
  },
  (table) => [
    index("jobs_due_idx")
      .on(table.queue, table.priority, table.runAt, table.id)
      .where(sql`state = 'pending'`),
    index("jobs_lease_idx").on(table.queue, table.lockedUntil).where(sql`state = 'running'`),
    index("jobs_state_idx").on(table.state, table.finishedAt),
  ],
);

/** Recurring jobs: one row per schedule; whichever node locks a due row enqueues its run. */
export const jobSchedules = pgTable("job_schedules", {
  name: text("name").primaryKey(),
  cron: text("cron").notNull(),
  nextRunAt: timestampColumn("next_run_at").notNull(),
  lastRunAt: timestampColumn("last_run_at"),
});
