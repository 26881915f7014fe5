import { apiRoutes, call } from "../api/client.ts";
import { type AppSocket, ackError, withTimeout } from "../realtime/socket.ts";

/**
 * A conversation's requests: over the socket when it is connected (`live`), else over REST. Each
 * answers what the server made of it, for the conversation model to fold in.
 */

export const PAGE = 50;

export function fetchNewestPage(conversationId: string, signal: AbortSignal) {
  return call(
    apiRoutes.chat.listMessages,
    { params: { id: conversationId }, query: { limit: PAGE } },
    { signal },
  );
}

export function fetchPageBefore(conversationId: string, seq: number) {
  return call(apiRoutes.chat.listMessages, {
    params: { id: conversationId },
    query: { limit: PAGE, cursor: String(seq) },
  });
}

export async function sendMessage(live: AppSocket | null, conversationId: string, body: string) {
  if (!live) return call(apiRoutes.chat.postMessage, { params: { id: conversationId }, body: { body } });
  const ack = await withTimeout(live.emitWithAck("chat:send", { conversationId, body }));
  if (!ack.ok) throw ackError(ack.error);
  return ack.message;
}

export async function editMessage(live: AppSocket | null, messageId: string, body: string) {
  if (!live) return call(apiRoutes.chat.editMessage, { params: { id: messageId }, body: { body } });
  const ack = await withTimeout(live.emitWithAck("chat:edit", { messageId, body }));
  if (!ack.ok) throw ackError(ack.error);
  return ack.message;
}

export async function deleteMessage(live: AppSocket | null, messageId: string): Promise<void> {
  if (!live) {
    await call(apiRoutes.chat.deleteMessage, { params: { id: messageId } });
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
  return on
    ? call(apiRoutes.chat.react, { params: { id: messageId }, body: { emoji } })
    : call(apiRoutes.chat.unreact, { params: { id: messageId, emoji } });
}

/** Moves the read pointer to `seq`; answers the server's pointer and unread count. */
export async function markConversationRead(
  live: AppSocket | null,
  conversationId: string,
  seq: number,
): Promise<{ lastReadSeq: number; unread: number }> {
  if (!live) return call(apiRoutes.chat.markRead, { params: { id: conversationId }, body: { seq } });
  const ack = await withTimeout(live.emitWithAck("chat:read", { conversationId, seq }));
  if (!ack.ok) throw ackError(ack.error);
  return { lastReadSeq: ack.lastReadSeq, unread: ack.unread };
}
