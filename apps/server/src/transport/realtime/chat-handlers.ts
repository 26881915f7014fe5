import {
  type AckResponse,
  type ClientToServerEventName,
  chatDeletePayload,
  chatEditPayload,
  chatJoinPayload,
  chatLeavePayload,
  chatReactPayload,
  chatReadPayload,
  chatSendPayload,
  chatTypingPayload,
} from "@codepark/protocol";
import type { z } from "zod";
import { readConversationFor } from "../../domain/chat/access.ts";
import { readStateOf } from "../../domain/chat/conversations.ts";
import {
  deleteMessage,
  editMessage,
  listMessages,
  markRead,
  messagesAfter,
  react,
} from "../../domain/chat/messages.ts";
import { sendMessage } from "../../domain/chat/send.ts";
import type { Services } from "../../services.ts";
import { conversationRoom } from "./chat-relay.ts";
import type { ProjectRooms } from "./project-rooms.ts";
import type { RealtimeSocket } from "./types.ts";

export type Handle = <S extends z.ZodType>(
  event: ClientToServerEventName,
  schema: S,
  run: (payload: z.infer<S>) => Promise<AckResponse<object>>,
) => void;

/** How many missed messages one chat:join answers; a client with more pages back over REST. */
const CATCH_UP_LIMIT = 500;

/** The chat client events of one socket: same validation, rate limit and acks as the rest. */
export function registerChatHandlers(
  socket: RealtimeSocket,
  handle: Handle,
  { ctx, rooms }: { ctx: Services; rooms: ProjectRooms },
): void {
  const actor = () => socket.data.actor;

  handle("chat:join", chatJoinPayload, async ({ conversationId, afterSeq }) => {
    const { conversation } = await readConversationFor(ctx, actor(), conversationId, "read");
    // A project channel rides on the project room (access changes already evict from it).
    if (conversation.projectId) {
      if (!rooms.isIn(socket, conversation.projectId)) await rooms.join(socket, conversation.projectId);
    } else {
      await socket.join(conversationRoom(conversationId));
    }
    const { items, hasMore } =
      afterSeq === undefined
        ? await latest(ctx, socket, conversationId)
        : await messagesAfter(ctx, actor(), conversationId, afterSeq, CATCH_UP_LIMIT);
    const { lastReadSeq, unread } = await readStateOf(ctx.db, conversationId, actor().userId);
    return { ok: true, missed: items, hasMore, lastReadSeq, unread };
  });

  handle("chat:leave", chatLeavePayload, async ({ conversationId }) => {
    await socket.leave(conversationRoom(conversationId));
    return { ok: true };
  });

  handle("chat:send", chatSendPayload, async ({ conversationId, body }) => ({
    ok: true,
    message: await sendMessage(ctx, actor(), conversationId, { body }),
  }));

  handle("chat:edit", chatEditPayload, async ({ messageId, body }) => ({
    ok: true,
    message: await editMessage(ctx, actor(), messageId, { body }),
  }));

  handle("chat:delete", chatDeletePayload, async ({ messageId }) => {
    await deleteMessage(ctx, actor(), messageId);
    return { ok: true };
  });

  handle("chat:react", chatReactPayload, async ({ messageId, emoji, on }) => ({
    ok: true,
    message: await react(ctx, actor(), messageId, emoji, on),
  }));

  handle("chat:typing", chatTypingPayload, async ({ conversationId }) => {
    const { conversation } = await readConversationFor(ctx, actor(), conversationId, "post");
    const event = { conversationId, userId: actor().userId, name: socket.data.name };
    if (conversation.projectId) {
      rooms.emit(conversation.projectId, "chat:typing", event, { except: socket });
    } else {
      socket.to(conversationRoom(conversationId)).emit("chat:typing", event);
    }
    return { ok: true };
  });

  handle("chat:read", chatReadPayload, async ({ conversationId, seq }) => ({
    ok: true,
    ...(await markRead(ctx, actor(), conversationId, seq)),
  }));
}

/** The newest page, oldest first (what a client opening a conversation shows). */
async function latest(ctx: Services, socket: RealtimeSocket, conversationId: string) {
  const page = await listMessages(ctx, socket.data.actor, conversationId, { limit: 50 });
  return { items: page.items.reverse(), hasMore: page.nextCursor !== null };
}
