import {
  isRedirectResponse,
  type RedirectResponse,
  type RedirectTarget,
  type RouteContract,
  type RouteGroup,
  successStatuses,
} from "@codepark/protocol/api";
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from "fastify";
import { z } from "zod";
import type { Actor, RequestMeta } from "../../domain/actor.ts";
import { requireSession } from "../../domain/policy.ts";
import { actorOf, metaOf } from "./authenticate.ts";

type Parsed<R, K extends "params" | "query" | "body"> = R extends {
  readonly [P in K]: infer S extends z.ZodType;
}
  ? z.output<S>
  : undefined;

type ActorFor<R> = R extends { readonly auth: "session" }
  ? Extract<Actor, { kind: "session" }>
  : R extends { readonly auth: "user" }
    ? Actor
    : undefined;

/** What a handler gets: validated input, the caller (routes that need one), and the raw request/reply. */
export interface RouteCall<R extends RouteContract> {
  params: Parsed<R, "params">;
  query: Parsed<R, "query">;
  body: Parsed<R, "body">;
  actor: ActorFor<R>;
  meta: RequestMeta;
  request: FastifyRequest;
  reply: FastifyReply;
}

/**
 * The body to send for a schema; where to for a redirect; for a 204 (null) whatever the command
 * resolves with is ignored.
 */
type ReplyOf<S> = S extends z.ZodType ? z.output<S> : S extends RedirectResponse ? RedirectTarget : unknown;
type RouteReply<R extends RouteContract> = ReplyOf<R["responses"][keyof R["responses"]]>;

/** One to three lines calling a domain command; what it returns is the success response. */
export type RouteHandler<R extends RouteContract> = (
  call: RouteCall<R>,
) => Promise<RouteReply<R>> | RouteReply<R>;

/** A contract with its handler, ready to mount. */
export interface BoundRoute {
  contract: RouteContract;
  // biome-ignore lint/suspicious/noExplicitAny: each handler is checked against its own contract in bind()
  handler: RouteHandler<any>;
}

/** Pairs every route of a group with its handler: a contract without one does not compile. */
export function bind<G extends RouteGroup>(
  group: G,
  handlers: { [K in keyof G]: RouteHandler<G[K]> },
): BoundRoute[] {
  return Object.keys(group).map((name) => ({ contract: group[name]!, handler: handlers[name]! }));
}

/** A 204's schema: documented as "No content", never serialized (the reply has no body). */
const noContent = z.null().describe("No content");

/** A redirect's schema: no body (never serialized), documented with its Location header. */
function redirectSchema(response: RedirectResponse): z.ZodType {
  return z.null().meta({
    description: response.description,
    headers: { location: { type: "string", description: "Where the browser goes next" } },
  });
}

function responseSchema(response: RouteContract["responses"][number] | undefined): z.ZodType {
  if (isRedirectResponse(response)) return redirectSchema(response);
  return response ?? noContent;
}

const CONTRACT = Symbol("contract");

/**
 * Registers a contract with Fastify: its schemas validate the request and describe the route in
 * OpenAPI; the handler gets the caller (authenticated by the scope's hook; a session required where
 * the contract says so) and its return value is sent with the contract's success status, or nothing
 * for a 204; a redirect route's handler returns `{ location }`, sent as the Location header. A handler
 * may pick another of the contract's statuses with `reply.code()`.
 */
export function mount<R extends RouteContract>(app: FastifyInstance, contract: R, handler: RouteHandler<R>) {
  const statuses = successStatuses(contract);
  const status = statuses[0]!;
  // Fastify's schema plus what @fastify/swagger reads (tags, summary, security, hide, x- extensions).
  const schema: FastifySchema & { [extension: `x-${string}`]: unknown } = {
    tags: [...contract.tags],
    summary: contract.summary,
    response: Object.fromEntries(statuses.map((code) => [code, responseSchema(contract.responses[code])])),
  };
  if (contract.description) schema.description = contract.description;
  if (contract.params) schema.params = contract.params;
  if (contract.query) schema.querystring = contract.query;
  if (contract.body) schema.body = contract.body;
  if (contract.auth !== "public") {
    schema.security = [{ bearerAuth: [] }];
    // OpenAPI extensions (the bearer scheme has no scopes): what an API key needs, or that none will do.
    if (contract.scope) schema["x-api-key-scope"] = contract.scope;
    if (contract.auth === "session") schema["x-session-only"] = true;
  }
  if (contract.hidden) schema.hide = true;
  app.route({
    method: contract.method,
    url: contract.path,
    schema,
    config: { [CONTRACT]: contract },
    handler: async (request, reply) => {
      const actor = contract.auth === "public" ? undefined : actorOf(request);
      if (contract.auth === "session") requireSession(actor!);
      reply.code(status);
      const result = await handler({
        params: request.params,
        query: request.query,
        body: request.body,
        actor,
        meta: metaOf(request),
        request,
        reply,
        // The schemas above validated (and coerced) these: they are what RouteCall<R> says.
      } as unknown as RouteCall<R>);
      const response = contract.responses[reply.statusCode];
      if (isRedirectResponse(response))
        return reply.redirect((result as RedirectTarget).location, reply.statusCode);
      return response === null ? reply.send() : result;
    },
  });
}

export function mountAll(app: FastifyInstance, routes: readonly BoundRoute[]): void {
  for (const { contract, handler } of routes) mount(app, contract, handler);
}

/** The contract a route was mounted from, if it was. */
export function contractOf(route: { config?: unknown }): RouteContract | undefined {
  return (route.config as { [CONTRACT]?: RouteContract } | undefined)?.[CONTRACT];
}

/**
 * Makes `app` (an encapsulated scope) refuse, at start-up, any route not mounted from a contract:
 * every API route is declared once, in @codepark/protocol.
 */
export function onlyContractRoutes(app: FastifyInstance): void {
  app.addHook("onRoute", (route) => {
    if (!contractOf(route)) {
      throw new Error(
        `${route.method} ${route.url} is not declared as a route contract in @codepark/protocol`,
      );
    }
  });
}
