import type { FastifyRequest } from "fastify";
import type { Actor, RequestMeta } from "../../domain/actor.ts";
import { AppError } from "../../domain/errors.ts";
import type { Services } from "../../services.ts";

/** What every resolver gets: the domain services and the caller, as REST handlers do. */
export interface GraphqlContext {
  ctx: Services;
  /** Null when the request carried no credential, or a refused one (then `authError` says why). */
  actor: Actor | null;
  authError: AppError | null;
  meta: RequestMeta;
  /** The HTTP request (the upgrade request for a subscription). */
  request: FastifyRequest;
}

declare module "fastify" {
  interface FastifyRequest {
    /** Why /graphql's credential was refused; resolvers that need a caller throw it. */
    graphqlAuthError: AppError | null;
  }
}

/** The caller, for every field that needs one; an anonymous or refused request gets its coded error. */
export function actorIn(context: GraphqlContext): Actor {
  if (context.actor) return context.actor;
  throw (
    context.authError ??
    new AppError("unauthorized", "Sign in, or send an API key, as 'Authorization: Bearer <token>'")
  );
}
