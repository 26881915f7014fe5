import { z } from "zod";
import { id, isoDate } from "./common.ts";

export const MAX_MESSAGE_LENGTH = 4000;

export const messageBody = z.strictObject({
  body: z.string().min(1).max(MAX_MESSAGE_LENGTH).describe("Markdown text; rendered sanitized"),
});

export const reactionBody = z.strictObject({
  emoji: z.string().min(1).max(32).describe("An emoji (or a short name like :tada:)"),
});

export const readBody = z.strictObject({ seq: z.number().int().min(0).describe("Read up to this seq") });

export const conversationCreateBody = z.strictObject({ userId: id });

export const chatMessage = z.object({
  id,
  conversationId: id,
  seq: z.number().int(),
  authorId: z.string().nullable(),
  body: z.string(),
  mentions: z.array(z.string()),
  createdAt: isoDate,
  editedAt: isoDate.nullable(),
  deletedAt: isoDate.nullable(),
  reactions: z.array(z.object({ emoji: z.string(), userIds: z.array(z.string()) })),
});

export const conversation = z.object({
  id,
  kind: z.enum(["project", "direct"]),
  projectId: z.string().nullable(),
  participants: z.array(z.object({ id: z.string(), name: z.string() })),
  lastSeq: z.number().int(),
  lastReadSeq: z.number().int(),
  unread: z.number().int(),
  createdAt: isoDate,
});

export const readResult = z.object({ lastReadSeq: z.number().int(), unread: z.number().int() });

export type ChatMessage = z.infer<typeof chatMessage>;
export type Conversation = z.infer<typeof conversation>;
