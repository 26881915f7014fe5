import { auditEntry, auditQuery, pageOf } from "@codepark/protocol/api";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { listAudit } from "../../../domain/audit/query.ts";
import type { Services } from "../../../services.ts";
import { actorOf } from "../authenticate.ts";

/** The audit log, read-only: there is deliberately no route that changes or removes an entry. */
export const auditRoutes: FastifyPluginAsyncZod<{ ctx: Services }> = async (app, { ctx }) => {
  app.get(
    "/audit",
    {
      schema: {
        tags: ["audit"],
        summary: "Security-relevant actions, newest first (admins: all; others: their own)",
        querystring: auditQuery,
        response: { 200: pageOf(auditEntry) },
      },
    },
    async (request) => {
      const { action, since, until, actorId, ...page } = request.query;
      return listAudit(
        ctx,
        actorOf(request),
        {
          actions: action?.split(","),
          since: since ? new Date(since) : undefined,
          until: until ? new Date(until) : undefined,
          actorId,
        },
        page,
      );
    },
  );
};
