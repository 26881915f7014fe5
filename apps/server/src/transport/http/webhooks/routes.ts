import {
  id,
  pageOf,
  pageQuery,
  webhook,
  webhookCreateBody,
  webhookDelivery,
  webhookUpdateBody,
  webhookWithSecret,
} from "@codepark/protocol/api";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listDeliveries,
  listWebhooks,
  retryDelivery,
  rotateWebhookSecret,
  sendTestEvent,
  updateWebhook,
} from "../../../domain/webhooks/commands.ts";
import type { Services } from "../../../services.ts";
import { actorOf, metaOf } from "../authenticate.ts";

const params = z.object({ id });
const tags = ["webhooks"];

/** Webhook endpoints of the caller: Standard Webhooks deliveries of the events they subscribe to. */
export const webhookRoutes: FastifyPluginAsyncZod<{ ctx: Services }> = async (app, { ctx }) => {
  app.post(
    "/webhooks",
    {
      schema: {
        tags,
        summary: "Create a webhook endpoint (its secret is shown once)",
        body: webhookCreateBody,
        response: { 201: webhookWithSecret },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createWebhook(ctx, actorOf(request), request.body, metaOf(request))),
  );

  app.get(
    "/webhooks",
    {
      schema: {
        tags,
        summary: "Your webhook endpoints",
        querystring: pageQuery,
        response: { 200: pageOf(webhook) },
      },
    },
    async (request) => listWebhooks(ctx, actorOf(request), request.query),
  );

  app.get(
    "/webhooks/:id",
    { schema: { tags, summary: "One webhook endpoint", params, response: { 200: webhook } } },
    async (request) => getWebhook(ctx, actorOf(request), request.params.id),
  );

  app.put(
    "/webhooks/:id",
    {
      schema: {
        tags,
        summary: "Change a webhook endpoint (setting active: true re-enables one the server switched off)",
        params,
        body: webhookUpdateBody,
        response: { 200: webhook },
      },
    },
    async (request) => updateWebhook(ctx, actorOf(request), request.params.id, request.body),
  );

  app.delete(
    "/webhooks/:id",
    { schema: { tags, summary: "Delete a webhook endpoint", params } },
    async (request, reply) => {
      await deleteWebhook(ctx, actorOf(request), request.params.id, metaOf(request));
      return reply.code(204).send();
    },
  );

  app.post(
    "/webhooks/:id/test",
    {
      schema: {
        tags,
        summary: "Send a webhook.test event to this endpoint",
        params,
        response: { 202: z.object({ queued: z.literal(true) }) },
      },
    },
    async (request, reply) => {
      await sendTestEvent(ctx, actorOf(request), request.params.id);
      return reply.code(202).send({ queued: true });
    },
  );

  app.post(
    "/webhooks/:id/rotate-secret",
    {
      schema: {
        tags,
        summary: "New secret (shown once); the old one also signs for 24 hours",
        params,
        response: { 200: webhookWithSecret },
      },
    },
    async (request) => rotateWebhookSecret(ctx, actorOf(request), request.params.id, metaOf(request)),
  );

  app.get(
    "/webhooks/:id/deliveries",
    {
      schema: {
        tags,
        summary: "Deliveries to this endpoint, newest first, each with its attempts",
        params,
        querystring: pageQuery,
        response: { 200: pageOf(webhookDelivery) },
      },
    },
    async (request) => listDeliveries(ctx, actorOf(request), request.params.id, request.query),
  );

  app.post(
    "/webhooks/:id/deliveries/:deliveryId/retry",
    {
      schema: {
        tags,
        summary: "Try a failed delivery again (same webhook-id)",
        params: z.object({ id, deliveryId: id }),
        response: { 202: z.object({ queued: z.literal(true) }) },
      },
    },
    async (request, reply) => {
      await retryDelivery(ctx, actorOf(request), request.params.id, request.params.deliveryId);
      return reply.code(202).send({ queued: true });
    },
  );
};
