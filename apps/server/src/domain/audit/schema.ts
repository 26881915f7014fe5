import { index, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { timestampColumn } from "../columns.ts";

/**
 * Security-relevant actions, append-only: the application has no update or delete path for it.
 * No foreign keys, so the record of who did what survives the account.
 */
export const auditLog = pgTable(
  "audit_log",
  {
    /** Time-sortable (newId), so the id is the pagination cursor. */
    id: text("id").primaryKey(),
    actorId: text("actor_id"),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    ip: text("ip"),
    userAgent: text("user_agent"),
    details: jsonb("details").$type<Record<string, unknown>>().notNull(),
    occurredAt: timestampColumn("occurred_at").notNull(),
  },
  (table) => [
    index("audit_log_actor_idx").on(table.actorId, table.id),
    index("audit_log_action_idx").on(table.action, table.id),
  ],
);
