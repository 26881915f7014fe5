import { messageBody, reactionBody, readBody } from "@codepark/protocol/api";
import { getConversation, listConversations, openDirect } from "../../../domain/chat/conversations.ts";
import {
  deleteMessage,
  editMessage,
  listMessages,
  markRead,
  messagesAfter,
  react,
} from "../../../domain/chat/messages.ts";
import { sendMessage } from "../../../domain/chat/send.ts";
import { actorIn } from "../context.ts";
import { pageArgs, parseInput } from "../input.ts";
import type { ResolverMap } from "./types.ts";

/** Conversations and messages: the commands of REST's chat routes. */
export const chatResolvers: ResolverMap = {
  Query: {
    conversations: (_, __, c) => listConversations(c.ctx, actorIn(c)),
    conversation: (_, { id }, c) => getConversation(c.ctx, actorIn(c), id),
    messages: async (_, { conversationId, after, ...args }, c) => {
      const page = pageArgs(args);
      if (after === null || after === undefined) {
        const listed = await listMessages(c.ctx, actorIn(c), conversationId, page);
        return { ...listed, hasMore: listed.nextCursor !== null };
      }
      const seq = parseInput(readBody, { seq: after }, "args").seq;
      const { items, hasMore } = await messagesAfter(c.ctx, actorIn(c), conversationId, seq, page.limit);
      return { items, hasMore, nextCursor: null };
    },
  },
  Mutation: {
    openDirectConversation: async (_, { userId }, c) =>
      (await openDirect(c.ctx, actorIn(c), userId)).conversation,
    sendMessage: (_, { conversationId, body }, c) =>
      sendMessage(c.ctx, actorIn(c), conversationId, parseInput(messageBody, { body })),
    editMessage: (_, { id, body }, c) =>
      editMessage(c.ctx, actorIn(c), id, parseInput(messageBody, { body })),
    deleteMessage: async (_, { id }, c) => {
      await deleteMessage(c.ctx, actorIn(c), id);
      return true;
    },
    react: (_, { messageId, emoji, on }, c) =>
      react(c.ctx, actorIn(c), messageId, parseInput(reactionBody, { emoji }).emoji, on !== false),
    markConversationRead: (_, { conversationId, seq }, c) =>
      markRead(c.ctx, actorIn(c), conversationId, parseInput(readBody, { seq }).seq),
  },
};
