import { id, pageOf, pageQuery, user, userPatchBody } from "@codepark/protocol/api";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { authorizeAccount } from "../../../domain/policy.ts";
import { listUsers, updateUser } from "../../../domain/users/admin.ts";
import type { Services } from "../../../services.ts";
import { actorOf, metaOf } from "../authenticate.ts";

/** Instance administration: admins list accounts and change roles. */
export const userRoutes: FastifyPluginAsyncZod<{ ctx: Services }> = async (app, { ctx }) => {
  app.get(
    "/users",
    {
      schema: {
        tags: ["users"],
        summary: "All accounts (admin)",
        querystring: pageQuery,
        response: { 200: pageOf(user) },
      },
    },
    async (request) => {
      authorizeAccount(actorOf(request), "users:list");
      return listUsers(ctx, request.query);
    },
  );

  app.patch(
    "/users/:id",
    {
      schema: {
        tags: ["users"],
        summary: "Change an account's role or name (admin)",
        params: z.object({ id }),
        body: userPatchBody,
        response: { 200: user },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      authorizeAccount(actor, "users:manage");
      return updateUser(ctx, actor, request.params.id, request.body, metaOf(request));
    },
  );
};
