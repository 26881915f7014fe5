import { index, integer, pgTable, text } from "drizzle-orm/pg-core";
import { bytea, timestampColumn } from "../columns.ts";
import { users } from "../users/schema.ts";

/**
 * Data exports (GDPR): the ZIP archive of everything about one person, kept in the primary store so
 * any node can serve it, on PGlite as on PostgreSQL, until `expires_at` (then maintenance deletes it).
 * It goes with the account.
 */
export const dataExports = pgTable(
  "data_exports",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** Who asked: the person, or an admin on their behalf (which admin is in the audit log). */
    requestedBy: text("requested_by", { enum: ["self", "admin"] }).notNull(),
    status: text("status", { enum: ["pending", "ready", "failed"] }).notNull(),
    archive: bytea("archive"),
    size: integer("size"),
    createdAt: timestampColumn("created_at").notNull(),
    readyAt: timestampColumn("ready_at"),
    expiresAt: timestampColumn("expires_at"),
  },
  (table) => [index("data_exports_user_idx").on(table.userId, table.id)],
);
