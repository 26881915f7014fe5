import { integer, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { timestampColumn } from "../../infra/db/columns.ts";
import { projects } from "../projects/schema.ts";

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
