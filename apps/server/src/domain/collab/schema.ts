import { bigint, bigserial, index, integer, pgTable, smallint, text } from "drizzle-orm/pg-core";
import { bytea, timestampColumn } from "../columns.ts";
import { files } from "../files/schema.ts";
import { users } from "../users/schema.ts";

/** The durable update log: every Yjs update, appended before it is broadcast. */
export const docUpdates = pgTable(
  "doc_updates",
  {
    seq: bigserial("seq", { mode: "number" }).primaryKey(),
    fileId: text("file_id")
      .notNull()
      .references(() => files.id, { onDelete: "cascade" }),
    update: bytea("update").notNull(),
    createdAt: timestampColumn("created_at").notNull(),
  },
  (table) => [index("doc_updates_file_seq_idx").on(table.fileId, table.seq)],
);

/**
 * Compacted state: log entries merged into one Yjs update. A document = snapshot + every log entry
 * still present. Compaction deletes exactly the entries it merged, so an entry that commits late
 * (another node's) is never skipped; re-applying one already merged is harmless (Yjs is idempotent).
 */
export const docSnapshots = pgTable("doc_snapshots", {
  fileId: text("file_id")
    .primaryKey()
    .references(() => files.id, { onDelete: "cascade" }),
  state: bytea("state").notNull(),
  updatedAt: timestampColumn("updated_at").notNull(),
});

/** Version history: automatic checkpoints, named versions and pre-restore saves. */
export const docVersions = pgTable(
  "doc_versions",
  {
    id: text("id").primaryKey(),
    fileId: text("file_id")
      .notNull()
      .references(() => files.id, { onDelete: "cascade" }),
    name: text("name"),
    kind: text("kind", { enum: ["auto", "named", "restore"] }).notNull(),
    content: text("content").notNull(),
    size: integer("size").notNull(),
    createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestampColumn("created_at").notNull(),
  },
  (table) => [index("doc_versions_file_idx").on(table.fileId, table.id)],
);

/**
 * Embedded storage only: the last update-journal segment whose records are in doc_updates (one row,
 * id 1), written in the same statement that moves them, so a crash never replays a segment twice.
 */
export const collabJournal = pgTable("collab_journal", {
  id: smallint("id").primaryKey(),
  flushedSegment: bigint("flushed_segment", { mode: "number" }).notNull(),
});
