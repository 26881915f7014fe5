import { eventType, eventTypeCatalogue } from "@codepark/protocol/event-schemas";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";

/** The public event catalogue: documentation for webhook receivers, so it needs no token. */
export const eventTypeRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    "/event-types",
    {
      schema: {
        tags: ["events"],
        summary: "Domain events webhooks can deliver, with the JSON Schema of each delivery body",
        response: { 200: z.object({ items: z.array(eventType) }) },
      },
    },
    async () => ({ items: eventTypeCatalogue() }),
  );
};
