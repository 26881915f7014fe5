import { job, pageOf, pageQuery } from "@codepark/protocol/api";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { listJobs, retryJob } from "../../../domain/jobs/admin.ts";
import { jobStates } from "../../../domain/jobs/schema.ts";
import type { Services } from "../../../services.ts";
import { actorOf } from "../authenticate.ts";

/** The durable job queue, for admins: inspect by state (dead = the dead-letter list) and retry. */
export const jobRoutes: FastifyPluginAsyncZod<{ ctx: Services }> = async (app, { ctx }) => {
  app.get(
    "/jobs",
    {
      schema: {
        tags: ["jobs"],
        summary: "Jobs by state and queue (admin)",
        querystring: pageQuery.extend({
          state: z.enum(jobStates).optional(),
          queue: z.string().max(64).optional(),
        }),
        response: { 200: pageOf(job) },
      },
    },
    async (request) => {
      const { state, queue, ...page } = request.query;
      return listJobs(ctx, actorOf(request), { state, queue }, page);
    },
  );

  app.post(
    "/jobs/:id/retry",
    {
      schema: {
        tags: ["jobs"],
        summary: "Retry a dead job (admin)",
        params: z.object({ id: z.coerce.number().int().positive() }),
        response: { 200: job },
      },
    },
    async (request, reply) => {
      return reply.send(await retryJob(ctx, actorOf(request), request.params.id));
    },
  );
};
