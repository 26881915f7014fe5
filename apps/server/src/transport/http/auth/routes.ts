import { authResult, loginBody, refreshBody, registerBody } from "@codepark/protocol/api";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { login } from "../../../domain/auth/login.ts";
import { refreshSession } from "../../../domain/auth/sessions.ts";
import { registerUser } from "../../../domain/users/register.ts";
import type { Services } from "../../../services.ts";
import { metaOf } from "../authenticate.ts";

/** Routes that exchange credentials for tokens; they need no bearer token. */
export const publicAuthRoutes: FastifyPluginAsyncZod<{ ctx: Services }> = async (app, { ctx }) => {
  app.post(
    "/auth/register",
    {
      schema: {
        tags: ["auth"],
        summary: "Create an account",
        body: registerBody,
        response: { 201: authResult },
      },
    },
    async (request, reply) => reply.code(201).send(await registerUser(ctx, request.body, metaOf(request))),
  );

  app.post(
    "/auth/login",
    {
      schema: {
        tags: ["auth"],
        summary: "Sign in (with a TOTP or recovery code when 2FA is on)",
        body: loginBody,
        response: { 200: authResult },
      },
    },
    async (request) => login(ctx, request.body, metaOf(request)),
  );

  app.post(
    "/auth/refresh",
    {
      schema: {
        tags: ["auth"],
        summary: "Rotate a refresh token for a new token pair",
        body: refreshBody,
        response: { 200: authResult },
      },
    },
    async (request) => refreshSession(ctx, request.body.refreshToken, metaOf(request)),
  );
};
