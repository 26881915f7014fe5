import {
  codeBody,
  id,
  pageOf,
  pageQuery,
  recoveryCodesResult,
  session,
  twoFactorSetup,
  user,
} from "@codepark/protocol/api";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { listSessions, revokeSession } from "../../../domain/auth/sessions.ts";
import { beginTwoFactorSetup, disableTwoFactor, enableTwoFactor } from "../../../domain/auth/two-factor.ts";
import { requireSession } from "../../../domain/policy.ts";
import { getUser } from "../../../domain/users/admin.ts";
import type { Services } from "../../../services.ts";
import { actorOf, metaOf } from "../authenticate.ts";

/** The signed-in person's own account: profile, sessions (devices), two-factor authentication. */
export const accountRoutes: FastifyPluginAsyncZod<{ ctx: Services }> = async (app, { ctx }) => {
  app.get(
    "/me",
    { schema: { tags: ["account"], summary: "Who am I", response: { 200: user } } },
    async (request) => getUser(ctx, actorOf(request).userId),
  );

  app.post(
    "/auth/logout",
    { schema: { tags: ["auth"], summary: "Sign out this session (its refresh tokens stop working)" } },
    async (request, reply) => {
      const actor = actorOf(request);
      requireSession(actor);
      await revokeSession(ctx, actor.userId, actor.sessionId, "logout", metaOf(request));
      return reply.code(204).send();
    },
  );

  app.get(
    "/sessions",
    {
      schema: {
        tags: ["account"],
        summary: "Active sessions (devices)",
        querystring: pageQuery,
        response: { 200: pageOf(session) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      requireSession(actor);
      return listSessions(ctx, actor.userId, actor.sessionId, request.query);
    },
  );

  app.delete(
    "/sessions/:id",
    {
      schema: {
        tags: ["account"],
        summary: "Revoke a session (sign a device out)",
        params: z.object({ id }),
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      requireSession(actor);
      await revokeSession(ctx, actor.userId, request.params.id, "revoked", metaOf(request));
      return reply.code(204).send();
    },
  );

  app.post(
    "/auth/2fa/setup",
    {
      schema: {
        tags: ["auth"],
        summary: "Start TOTP setup: secret, otpauth URL and QR code",
        response: { 200: twoFactorSetup },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      requireSession(actor);
      return beginTwoFactorSetup(ctx, actor.userId);
    },
  );

  app.post(
    "/auth/2fa/enable",
    {
      schema: {
        tags: ["auth"],
        summary: "Confirm TOTP setup with a code; returns 10 single-use recovery codes (shown once)",
        body: codeBody,
        response: { 200: recoveryCodesResult },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      requireSession(actor);
      return enableTwoFactor(ctx, actor.userId, request.body.code, metaOf(request));
    },
  );

  app.post(
    "/auth/2fa/disable",
    {
      schema: { tags: ["auth"], summary: "Turn 2FA off with a TOTP code or a recovery code", body: codeBody },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      requireSession(actor);
      const { code } = request.body;
      const factor = /^\d{6}$/.test(code) ? { otp: code } : { recoveryCode: code };
      await disableTwoFactor(ctx, actor.userId, factor, metaOf(request));
      return reply.code(204).send();
    },
  );
};
