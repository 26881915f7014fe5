import { api, request } from "../api/client.ts";
import type { ChatMessage, Page } from "../api/types.ts";
import { type AppSocket, ackError, withTimeout } from "../realtime/socket.ts";

/**
 * A conversation's requests: over the socket when it is connected (`live`), else over REST. Each
 * answers what the server made of it, for the conversation model to fold in.
 */

export const PAGE = 50;

export function fetchNewestPage(conversationId: string, signal: AbortSignal) {
  return api.get<Page<ChatMessage>>(`/conversations/${conversationId}/messages?limit=${PAGE}`, signal);
}

export function fetchPageBefore(conversationId: string, seq: number) {
  return api.get<Page<ChatMessage>>(`/conversations/${conversationId}/messages?limit=${PAGE}&cursor=${seq}`);
}

export async function sendMessage(live: AppSocket | null, conversationId: string, body: string) {
  if (!live) return api.post<ChatMessage>(`/conversations/${conversationId}/messages`, { body });
  const ack = await withTimeout(live.emitWithAck("chat:send", { conversationId, body }));
  if (!ack.ok) throw ackError(ack.error);
  return ack.message;
}

export async function editMessage(live: AppSocket | null, messageId: string, body: string) {
  if (!live) return api.patch<ChatMessage>(`/messages/${messageId}`, { body });
  const ack = await withTimeout(live.emitWithAck("chat:edit", { messageId, body }));
  if (!ack.ok) throw ackError(ack.error);
  return ack.message;
}

export async function deleteMessage(live: AppSocket | null, messageId: string): Promise<void> {
  if (!live) {
    await api.delete(`/messages/${messageId}`);
    return;
  }
  const ack = await withTimeout(live.emitWithAck("chat:delete", { messageId }));
  if (!ack.ok) throw ackError(ack.error);
}

export async function reactTo(live: AppSocket | null, messageId: string, emoji: string, on: boolean) {
  if (live) {
    const ack = await withTimeout(live.emitWithAck("chat:react", { messageId, emoji, on }));
    if (!ack.ok) throw ackError(ack.error);
    return ack.message;
  }
  const path = `/messages/${messageId}/reactions`;
  return on
    ? api.post<ChatMessage>(path, { emoji })
    : request<ChatMessage>("DELETE", `${path}/${encodeURIComponent(emoji)}`);
}

/** Moves the read pointer to `seq`; answers the server's pointer and unread count. */
export async function markConversationRead(
  live: AppSocket | null,
  conversationId: string,
  seq: number,
): Promise<{ lastReadSeq: number; unread: number }> {
  if (!live) return api.post(`/conversations/${conversationId}/read`, { seq });
  const ack = await withTimeout(live.emitWithAck("chat:read", { conversationId, seq }));
  if (!ack.ok) throw ackError(ack.error);
  return { lastReadSeq: ack.lastReadSeq, unread: ack.unread };
}
