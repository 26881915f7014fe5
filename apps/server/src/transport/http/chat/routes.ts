import {
  chatMessage,
  conversation,
  conversationCreateBody,
  id,
  messageBody,
  pageOf,
  pageQuery,
  reactionBody,
  readBody,
  readResult,
} from "@codepark/protocol/api";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  getConversation,
  listConversations,
  openDirect,
  projectChannel,
  projectChannelRow,
} from "../../../domain/chat/conversations.ts";
import {
  deleteMessage,
  editMessage,
  listMessages,
  markRead,
  react,
  sendMessage,
} from "../../../domain/chat/messages.ts";
import type { Services } from "../../../services.ts";
import { actorOf } from "../authenticate.ts";

const tags = ["chat"];

/** Project channels and direct conversations: messages, reactions, read receipts. */
export const chatRoutes: FastifyPluginAsyncZod<{ ctx: Services }> = async (app, { ctx }) => {
  app.get(
    "/projects/:id/conversation",
    {
      schema: {
        tags,
        summary: "The project's channel",
        params: z.object({ id }),
        response: { 200: conversation },
      },
    },
    async (request) => projectChannel(ctx, actorOf(request), request.params.id),
  );

  app.get(
    "/projects/:id/messages",
    {
      schema: {
        tags,
        summary: "The project channel's messages, newest first",
        params: z.object({ id }),
        querystring: pageQuery,
        response: { 200: pageOf(chatMessage) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const channel = await projectChannelRow(ctx, actor, request.params.id);
      return listMessages(ctx, actor, channel.id, request.query);
    },
  );

  app.post(
    "/projects/:id/messages",
    {
      schema: {
        tags,
        summary: "Post in the project channel (@name mentions a member)",
        params: z.object({ id }),
        body: messageBody,
        response: { 201: chatMessage },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const channel = await projectChannelRow(ctx, actor, request.params.id, "chat:post");
      return reply.code(201).send(await sendMessage(ctx, actor, channel.id, request.body));
    },
  );

  app.get(
    "/conversations",
    {
      schema: {
        tags,
        summary: "Your conversations with unread counts",
        response: { 200: z.object({ items: z.array(conversation), nextCursor: z.null() }) },
      },
    },
    async (request) => ({ items: await listConversations(ctx, actorOf(request)), nextCursor: null }),
  );

  app.post(
    "/conversations",
    {
      schema: {
        tags,
        summary: "Open a direct conversation with someone you share a project with",
        body: conversationCreateBody,
        response: { 200: conversation, 201: conversation },
      },
    },
    async (request, reply) => {
      const { conversation: view, created } = await openDirect(ctx, actorOf(request), request.body.userId);
      return reply.code(created ? 201 : 200).send(view);
    },
  );

  app.get(
    "/conversations/:id",
    {
      schema: {
        tags,
        summary: "One conversation",
        params: z.object({ id }),
        response: { 200: conversation },
      },
    },
    async (request) => getConversation(ctx, actorOf(request), request.params.id),
  );

  app.get(
    "/conversations/:id/messages",
    {
      schema: {
        tags,
        summary: "Messages, newest first (cursor: the last seq seen)",
        params: z.object({ id }),
        querystring: pageQuery,
        response: { 200: pageOf(chatMessage) },
      },
    },
    async (request) => listMessages(ctx, actorOf(request), request.params.id, request.query),
  );

  app.post(
    "/conversations/:id/messages",
    {
      schema: {
        tags,
        summary: "Post a message",
        params: z.object({ id }),
        body: messageBody,
        response: { 201: chatMessage },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await sendMessage(ctx, actorOf(request), request.params.id, request.body)),
  );

  app.post(
    "/conversations/:id/read",
    {
      schema: {
        tags,
        summary: "Mark read up to a seq (never moves back)",
        params: z.object({ id }),
        body: readBody,
        response: { 200: readResult },
      },
    },
    async (request) => markRead(ctx, actorOf(request), request.params.id, request.body.seq),
  );

  app.patch(
    "/messages/:id",
    {
      schema: {
        tags,
        summary: "Edit your message",
        params: z.object({ id }),
        body: messageBody,
        response: { 200: chatMessage },
      },
    },
    async (request) => editMessage(ctx, actorOf(request), request.params.id, request.body),
  );

  app.delete(
    "/messages/:id",
    { schema: { tags, summary: "Delete your message (it keeps its place)", params: z.object({ id }) } },
    async (request, reply) => {
      await deleteMessage(ctx, actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.post(
    "/messages/:id/reactions",
    {
      schema: {
        tags,
        summary: "React to a message",
        params: z.object({ id }),
        body: reactionBody,
        response: { 200: chatMessage },
      },
    },
    async (request) => react(ctx, actorOf(request), request.params.id, request.body.emoji, true),
  );

  app.delete(
    "/messages/:id/reactions/:emoji",
    {
      schema: {
        tags,
        summary: "Take your reaction back",
        params: z.object({ id, emoji: z.string().min(1).max(32) }),
        response: { 200: chatMessage },
      },
    },
    async (request) => react(ctx, actorOf(request), request.params.id, request.params.emoji, false),
  );
};
