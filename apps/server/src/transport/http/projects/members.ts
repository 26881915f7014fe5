import { id, member, memberAddBody, memberPatchBody, pageOf, pageQuery } from "@codepark/protocol/api";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { addMember, changeMemberRole, listMembers, removeMember } from "../../../domain/projects/members.ts";
import type { Services } from "../../../services.ts";
import { actorOf, metaOf } from "../authenticate.ts";

const projectParams = z.object({ id });
const memberParams = z.object({ id, userId: id });

export const memberRoutes: FastifyPluginAsyncZod<{ ctx: Services }> = async (app, { ctx }) => {
  app.get(
    "/projects/:id/members",
    {
      schema: {
        tags: ["members"],
        summary: "Members of a project",
        params: projectParams,
        querystring: pageQuery,
        response: { 200: pageOf(member) },
      },
    },
    async (request) => listMembers(ctx, actorOf(request), request.params.id, request.query),
  );

  app.post(
    "/projects/:id/members",
    {
      schema: {
        tags: ["members"],
        summary: "Add a member by email",
        params: projectParams,
        body: memberAddBody,
        response: { 201: member },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await addMember(ctx, actorOf(request), request.params.id, request.body, metaOf(request))),
  );

  app.patch(
    "/projects/:id/members/:userId",
    {
      schema: {
        tags: ["members"],
        summary: "Change a member's role",
        params: memberParams,
        body: memberPatchBody,
        response: { 200: member },
      },
    },
    async (request) =>
      changeMemberRole(
        ctx,
        actorOf(request),
        request.params.id,
        request.params.userId,
        request.body.role,
        metaOf(request),
      ),
  );

  app.delete(
    "/projects/:id/members/:userId",
    {
      schema: {
        tags: ["members"],
        summary: "Remove a member (or leave, with your own id)",
        params: memberParams,
      },
    },
    async (request, reply) => {
      await removeMember(ctx, actorOf(request), request.params.id, request.params.userId, metaOf(request));
      return reply.code(204).send();
    },
  );
};
