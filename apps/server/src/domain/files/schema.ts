import { index, integer, pgTable, primaryKey, text, uniqueIndex } from "drizzle-orm/pg-core";
import { timestampColumn } from "../columns.ts";
import { projects } from "../projects/schema.ts";
import { users } from "../users/schema.ts";

export const files = pgTable(
  "files",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    path: text("path").notNull(),
    content: text("content").notNull(),
    /** UTF-8 byte length of content. */
    size: integer("size").notNull(),
    language: text("language").notNull(),
    createdAt: timestampColumn("created_at").notNull(),
    updatedAt: timestampColumn("updated_at").notNull(),
  },
  (table) => [uniqueIndex("files_project_path_idx").on(table.projectId, table.path)],
);

/**
 * Who has edited a file (REST writes, version restores, live edits), for notifications such as
 * "someone restored a version of a file you edited". Live edits are recorded when a document
 * compacts or unloads, not per update.
 */
export const fileEditors = pgTable(
  "file_editors",
  {
    fileId: text("file_id")
      .notNull()
      .references(() => files.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    lastEditedAt: timestampColumn("last_edited_at").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.fileId, table.userId] }),
    index("file_editors_user_idx").on(table.userId),
  ],
);
