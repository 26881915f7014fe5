import { apiKey, apiKeyCreateBody, apiKeyCreated, id, pageOf, pageQuery } from "@codepark/protocol/api";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { createApiKey, deleteApiKey, listApiKeys } from "../../../domain/auth/api-keys.ts";
import { requireSession } from "../../../domain/policy.ts";
import type { Services } from "../../../services.ts";
import { actorOf, metaOf } from "../authenticate.ts";

export const apiKeyRoutes: FastifyPluginAsyncZod<{ ctx: Services }> = async (app, { ctx }) => {
  app.post(
    "/api-keys",
    {
      schema: {
        tags: ["api-keys"],
        summary: "Create an API key (the key is shown once)",
        body: apiKeyCreateBody,
        response: { 201: apiKeyCreated },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      requireSession(actor);
      return reply.code(201).send(await createApiKey(ctx, actor.userId, request.body, metaOf(request)));
    },
  );

  app.get(
    "/api-keys",
    {
      schema: {
        tags: ["api-keys"],
        summary: "Your API keys",
        querystring: pageQuery,
        response: { 200: pageOf(apiKey) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      requireSession(actor);
      return listApiKeys(ctx, actor.userId, request.query);
    },
  );

  app.delete(
    "/api-keys/:id",
    { schema: { tags: ["api-keys"], summary: "Revoke an API key", params: z.object({ id }) } },
    async (request, reply) => {
      const actor = actorOf(request);
      requireSession(actor);
      await deleteApiKey(ctx, actor.userId, request.params.id, metaOf(request));
      return reply.code(204).send();
    },
  );
};
