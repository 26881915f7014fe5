import type { MessageSummary } from "@codepark/protocol";
import type { messages } from "./schema.ts";

export type MessageRow = typeof messages.$inferSelect;

export interface ReactionView {
  emoji: string;
  userIds: string[];
}

export interface MessageView extends MessageSummary {
  editedAt: string | null;
  deletedAt: string | null;
  reactions: ReactionView[];
}

/** A deleted message keeps its place (seq) but not its text. */
export function summariseMessage(row: MessageRow): MessageSummary {
  return {
    id: row.id,
    conversationId: row.conversationId,
    seq: row.seq,
    authorId: row.authorId,
    body: row.deletedAt ? "" : row.body,
    mentions: row.deletedAt ? [] : row.mentions,
    createdAt: row.createdAt.toISOString(),
  };
}

export function presentMessage(row: MessageRow, reactions: ReactionView[] = []): MessageView {
  return {
    ...summariseMessage(row),
    editedAt: row.editedAt?.toISOString() ?? null,
    deletedAt: row.deletedAt?.toISOString() ?? null,
    reactions: row.deletedAt ? [] : reactions,
  };
}
