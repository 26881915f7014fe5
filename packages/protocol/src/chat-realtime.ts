import { z } from "zod";
import type { AckResponse } from "./ack.ts";
import type { ChatMessage } from "./api/chat.ts";
import { MAX_MESSAGE_LENGTH } from "./api/chat.ts";
import { id } from "./api/common.ts";

/**
 * Chat over Socket.IO. A client joins `conversation:<id>` with `chat:join`, passing the last seq it
 * has: the answer holds what it missed, oldest first, so a reconnect has no gap and (de-duplicating
 * by message id) no duplicate. New messages reach sockets in the conversation room, in the
 * project room (project channels) and in the participants' user rooms (direct conversations).
 */
export const chatJoinPayload = z.strictObject({
  conversationId: id,
  /** The last seq this client has; omitted: send the latest page. */
  afterSeq: z.number().int().min(0).optional(),
});
export const chatLeavePayload = z.strictObject({ conversationId: id });
export const chatSendPayload = z.strictObject({
  conversationId: id,
  body: z.string().min(1).max(MAX_MESSAGE_LENGTH),
});
export const chatEditPayload = z.strictObject({
  messageId: id,
  body: z.string().min(1).max(MAX_MESSAGE_LENGTH),
});
export const chatDeletePayload = z.strictObject({ messageId: id });
export const chatReactPayload = z.strictObject({
  messageId: id,
  emoji: z.string().min(1).max(32),
  on: z.boolean(),
});
export const chatTypingPayload = z.strictObject({ conversationId: id });
export const chatReadPayload = z.strictObject({ conversationId: id, seq: z.number().int().min(0) });

export type ChatJoinAck = AckResponse<{
  missed: ChatMessage[];
  hasMore: boolean;
  lastReadSeq: number;
  unread: number;
}>;

export interface ChatTypingEvent {
  conversationId: string;
  userId: string;
  name: string;
}

export interface ChatServerEvents {
  "chat:message": (message: ChatMessage) => void;
  "chat:message-updated": (message: ChatMessage) => void;
  "chat:message-deleted": (event: { conversationId: string; messageId: string; seq: number }) => void;
  "chat:reaction": (event: {
    conversationId: string;
    messageId: string;
    userId: string;
    emoji: string;
    on: boolean;
  }) => void;
  "chat:typing": (event: ChatTypingEvent) => void;
  /** A read receipt; to the reader's own devices it also carries their unread count. */
  "chat:read": (event: { conversationId: string; userId: string; lastReadSeq: number }) => void;
}

export interface ChatClientEvents {
  "chat:join": (payload: z.infer<typeof chatJoinPayload>, ack: (response: ChatJoinAck) => void) => void;
  "chat:leave": (payload: z.infer<typeof chatLeavePayload>, ack?: (response: AckResponse) => void) => void;
  "chat:send": (
    payload: z.infer<typeof chatSendPayload>,
    ack: (response: AckResponse<{ message: ChatMessage }>) => void,
  ) => void;
  "chat:edit": (
    payload: z.infer<typeof chatEditPayload>,
    ack?: (response: AckResponse<{ message: ChatMessage }>) => void,
  ) => void;
  "chat:delete": (payload: z.infer<typeof chatDeletePayload>, ack?: (response: AckResponse) => void) => void;
  "chat:react": (
    payload: z.infer<typeof chatReactPayload>,
    ack?: (response: AckResponse<{ message: ChatMessage }>) => void,
  ) => void;
  "chat:typing": (payload: z.infer<typeof chatTypingPayload>, ack?: (response: AckResponse) => void) => void;
  "chat:read": (
    payload: z.infer<typeof chatReadPayload>,
    ack?: (response: AckResponse<{ lastReadSeq: number; unread: number }>) => void,
  ) => void;
}

export const chatClientEventNames = [
  "chat:join",
  "chat:leave",
  "chat:send",
  "chat:edit",
  "chat:delete",
  "chat:react",
  "chat:typing",
  "chat:read",
] as const satisfies readonly (keyof ChatClientEvents)[];
