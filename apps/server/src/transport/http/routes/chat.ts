import { apiRoutes } from "@codepark/protocol/api";
import {
  getConversation,
  listConversations,
  openDirect,
  projectChannel,
  projectChannelRow,
} from "../../../domain/chat/conversations.ts";
import { deleteMessage, editMessage, listMessages, markRead, react } from "../../../domain/chat/messages.ts";
import { sendMessage } from "../../../domain/chat/send.ts";
import type { Services } from "../../../services.ts";
import { bind } from "../route.ts";

/** Project channels and direct conversations: messages, reactions, read receipts. */
export const chatRoutes = (ctx: Services) =>
  bind(apiRoutes.chat, {
    projectChannel: ({ actor, params }) => projectChannel(ctx, actor, params.id),
    listProjectMessages: async ({ actor, params, query }) =>
      listMessages(ctx, actor, (await projectChannelRow(ctx, actor, params.id)).id, query),
    postProjectMessage: async ({ actor, params, body }) =>
      sendMessage(ctx, actor, (await projectChannelRow(ctx, actor, params.id, "chat:post")).id, body),
    listConversations: async ({ actor }) => ({
      items: await listConversations(ctx, actor),
      nextCursor: null,
    }),
    openDirect: async ({ actor, body, reply }) => {
      const { conversation, created } = await openDirect(ctx, actor, body.userId);
      reply.code(created ? 201 : 200);
      return conversation;
    },
    getConversation: ({ actor, params }) => getConversation(ctx, actor, params.id),
    listMessages: ({ actor, params, query }) => listMessages(ctx, actor, params.id, query),
    postMessage: ({ actor, params, body }) => sendMessage(ctx, actor, params.id, body),
    markRead: ({ actor, params, body }) => markRead(ctx, actor, params.id, body.seq),
    editMessage: ({ actor, params, body }) => editMessage(ctx, actor, params.id, body),
    deleteMessage: ({ actor, params }) => deleteMessage(ctx, actor, params.id),
    react: ({ actor, params, body }) => react(ctx, actor, params.id, body.emoji, true),
    unreact: ({ actor, params }) => react(ctx, actor, params.id, params.emoji, false),
  });
