import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Actor, RequestMeta } from "../../domain/actor.ts";
import { authenticate } from "../../domain/auth/authenticate.ts";
import { AppError } from "../../domain/errors.ts";
import type { Services } from "../../services.ts";
import type { RequestLimiter } from "./rate-limit.ts";

declare module "fastify" {
  interface FastifyRequest {
    actor: Actor | null;
  }
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new AppError("unauthorized", "Use 'Authorization: Bearer <token>'");
  return match[1];
}

/**
 * Makes every route registered on `app` (an encapsulated scope) require a bearer credential:
 * an access token or an API key, and counts the request against the caller's rate-limit tier. Runs before the body is parsed, so anonymous uploads are cheap to refuse.
 * (Each route's OpenAPI security requirement comes from its contract: see route.ts.)
 */
export function requireAuthentication(
  app: FastifyInstance,
  ctx: Services,
  limiter: RequestLimiter | null,
): void {
  app.addHook("onRequest", async (request, reply) => {
    try {
      const token = bearerToken(request);
      if (!token)
        throw new AppError("unauthorized", "Sign in, or send an API key, as 'Authorization: Bearer <token>'");
      request.actor = await authenticate(ctx, token);
    } catch (error) {
      // A request that fails authentication counts against its IP, like any anonymous one.
      await limiter?.check(request, reply, undefined);
      throw error;
    }
    await limiter?.check(request, reply, request.actor);
  });
}

export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new AppError("unauthorized");
  return request.actor;
}

export function metaOf(request: FastifyRequest): RequestMeta {
  return { ip: request.ip, userAgent: request.headers["user-agent"] };
}
