import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, primaryKey, text, unique } from "drizzle-orm/pg-core";
import { timestampColumn } from "../columns.ts";
import { projects } from "../projects/schema.ts";
import { users } from "../users/schema.ts";

/**
 * A place where messages are posted: a project's channel (one per project, its members take part)
 * or a direct conversation between two people (its participants are conversation_members).
 */
export const conversations = pgTable("conversations", {
  id: text("id").primaryKey(),
  kind: text("kind", { enum: ["project", "direct"] }).notNull(),
  projectId: text("project_id")
    .unique()
    .references(() => projects.id, { onDelete: "cascade" }),
  /** "<userA>:<userB>" with the ids sorted: one direct conversation per pair. */
  directKey: text("direct_key").unique(),
  /** The last seq handed out; bumped under the row lock, so seqs follow commit order. */
  lastSeq: integer("last_seq").notNull().default(0),
  createdAt: timestampColumn("created_at").notNull(),
});

/** Participants of direct conversations. */
export const conversationMembers = pgTable(
  "conversation_members",
  {
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
  },
  (table) => [primaryKey({ columns: [table.conversationId, table.userId] })],
);

/** How far each person has read each conversation: unread = messages after it, not their own. */
export const conversationReads = pgTable(
  "conversation_reads",
  {
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    lastReadSeq: integer("last_read_seq").notNull(),
    updatedAt: timestampColumn("updated_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.conversationId, table.userId] })],
);

export const messages = pgTable(
  "messages",
  {
    id: text("id").primaryKey(),
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    authorId: text("author_id").references(() => users.id, { onDelete: "set null" }),
    body: text("body").notNull(),
    mentions: jsonb("mentions").$type<string[]>().notNull(),
    createdAt: timestampColumn("created_at").notNull(),
    editedAt: timestampColumn("edited_at"),
    deletedAt: timestampColumn("deleted_at"),
  },
  (table) => [
    unique("messages_conversation_seq_uq").on(table.conversationId, table.seq),
    // Unread counts subtract the deleted messages after a read pointer: few rows, found here.
    index("messages_deleted_idx").on(table.conversationId, table.seq).where(sql`deleted_at IS NOT NULL`),
  ],
);

export const messageReactions = pgTable(
  "message_reactions",
  {
    messageId: text("message_id")
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    emoji: text("emoji").notNull(),
    createdAt: timestampColumn("created_at").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.messageId, table.userId, table.emoji] }),
    index("message_reactions_message_idx").on(table.messageId),
  ],
);
