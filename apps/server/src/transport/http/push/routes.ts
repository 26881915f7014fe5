import {
  id,
  pageOf,
  pageQuery,
  pushSubscription,
  pushSubscriptionCreateBody,
  vapidPublicKey,
} from "@codepark/protocol/api";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  listPushSubscriptions,
  subscribePush,
  unsubscribePush,
} from "../../../domain/notifications/push-subscriptions.ts";
import type { PushSender } from "../../../domain/ports/push.ts";
import type { Services } from "../../../services.ts";
import { actorOf, metaOf } from "../authenticate.ts";

const tags = ["push"];

/** Web Push: the key browsers subscribe with, and the caller's subscriptions (one per browser/device). */
export const pushRoutes: FastifyPluginAsyncZod<{
  ctx: Services;
  push: Pick<PushSender, "publicKey">;
}> = async (app, { ctx, push }) => {
  app.get(
    "/push/vapid-public-key",
    {
      schema: {
        tags,
        summary: "The VAPID public key to pass to pushManager.subscribe() as applicationServerKey",
        response: { 200: vapidPublicKey },
      },
    },
    async () => ({ publicKey: push.publicKey }),
  );

  app.post(
    "/push-subscriptions",
    {
      schema: {
        tags,
        summary: "Save this browser's push subscription (the same endpoint again replaces it)",
        body: pushSubscriptionCreateBody,
        response: { 201: pushSubscription },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await subscribePush(ctx, actorOf(request), request.body, metaOf(request))),
  );

  app.get(
    "/push-subscriptions",
    {
      schema: {
        tags,
        summary: "Your push subscriptions, newest first",
        querystring: pageQuery,
        response: { 200: pageOf(pushSubscription) },
      },
    },
    async (request) => listPushSubscriptions(ctx, actorOf(request), request.query),
  );

  app.delete(
    "/push-subscriptions/:id",
    { schema: { tags, summary: "Remove a push subscription", params: z.object({ id }) } },
    async (request, reply) => {
      await unsubscribePush(ctx, actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
};
