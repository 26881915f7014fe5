import { bigint, bigserial, index, integer, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { timestampColumn } from "../columns.ts";

/**
 * The domain event log (outbox): one row per state change, written in the transaction that made
 * the change. No foreign keys: an event outlives the project or user it is about.
 */
export const domainEvents = pgTable(
  "domain_events",
  {
    seq: bigserial("seq", { mode: "number" }).primaryKey(),
    id: text("id").notNull().unique(),
    type: text("type").notNull(),
    actorId: text("actor_id"),
    projectId: text("project_id"),
    data: jsonb("data").notNull(),
    /**
     * Who may hear of it, when that cannot be asked afterwards (a deleted project's members, a
     * removed member). Null: whoever can read the project when it is delivered.
     */
    audience: jsonb("audience").$type<string[]>(),
    occurredAt: timestampColumn("occurred_at").notNull(),
  },
  (table) => [
    index("domain_events_project_idx").on(table.projectId, table.seq),
    index("domain_events_type_idx").on(table.type, table.seq),
    // A node that lost its bus connection reads what it missed by time (events/since.ts).
    index("domain_events_occurred_idx").on(table.occurredAt),
  ],
);

/**
 * Events committed but not yet handed to their consumers (webhook fan-out, notifications): the
 * dispatcher's work list (events/dispatch.ts). A row is written with its event, in the change's
 * transaction, and deleted in the transaction that runs the consumers, so an event is dispatched
 * once it commits, whatever crashes in between; the row lock keeps two nodes from taking the same one.
 */
export const eventOutbox = pgTable("event_outbox", {
  /** The event's domain_events.seq (no foreign key: the log is append-only). */
  seq: bigint("seq", { mode: "number" }).primaryKey(),
  /** Failed dispatches so far; each pushes retry_at back. */
  attempts: integer("attempts").notNull().default(0),
  /** Not before then (null: at once). */
  retryAt: timestampColumn("retry_at"),
  lastError: text("last_error"),
});
