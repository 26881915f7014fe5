import { EventEmitter } from "node:events";
import websocket from "@fastify/websocket";
import type { FastifyInstance, FastifyReply } from "fastify";
import mercurius from "mercurius";
import { AppError } from "../../domain/errors.ts";
import type { Services } from "../../services.ts";
import type { DoorLimits } from "../door-limits.ts";
import { metaOf } from "../http/authenticate.ts";
import type { RequestLimiter } from "../http/rate-limit.ts";
import { authenticateHttp, authenticateInit } from "./auth.ts";
import { GraphqlConnection } from "./connections.ts";
import type { GraphqlContext } from "./context.ts";
import { codedGraphqlError, errorBody, errorFormatter } from "./errors.ts";
import { graphqlJs } from "./graphql-js.ts";
import { type OperationLimits, operationLimitsRule } from "./limits.ts";
import { loaders } from "./loaders.ts";
import { graphqlResolvers } from "./resolvers/index.ts";
import { graphqlSdl } from "./schema/index.ts";
import { unstorableTextRule } from "./text-rule.ts";

export const GRAPHQL_PATH = "/graphql";
export const GRAPHIQL_PATH = "/graphiql";

export interface GraphqlOptions {
  ctx: Services;
  limits: OperationLimits & { maxBatch: number };
  introspection: boolean;
  /** REST's limiter: GraphQL requests count against the same tiers. Null when limits are off. */
  limiter: RequestLimiter | null;
  /** The WebSocket connection caps of the other doors: subscriptions' sockets count too. */
  connections: DoorLimits;
}

/** GraphiQL loads its scripts from unpkg (Mercurius's page): its own CSP, only on its own paths. */
const GRAPHIQL_CSP =
  "default-src 'self'; script-src 'self' https://unpkg.com; style-src 'self' 'unsafe-inline' https://unpkg.com; " +
  "img-src 'self' data:; font-src 'self' data: https://unpkg.com; connect-src 'self'";

function refuse(reply: FastifyReply, error: AppError) {
  if (error.retryAfterSeconds !== undefined) reply.header("retry-after", String(error.retryAfterSeconds));
  return reply.code(error.status).send(errorBody(error));
}

const { buildSchema, NoSchemaIntrospectionCustomRule, specifiedRules, validate } = graphqlJs;

export const graphqlSchema = () => buildSchema(graphqlSdl);

/**
 * /graphql (queries, mutations, batches, automatic persisted queries; subscriptions over graphql-ws
 * on the same path) and /graphiql. Registered in its own scope: its hooks touch nothing else.
 */
export async function graphqlTransport(app: FastifyInstance, options: GraphqlOptions): Promise<void> {
  const { ctx, limits, introspection, limiter, connections } = options;
  // @fastify/websocket hears only upgrades to /graphql: collaboration and Socket.IO keep theirs.
  const upgrades = new EventEmitter();
  app.server.on("upgrade", (request, socket, head) => {
    const path = (request.url ?? "").split("?")[0] ?? "";
    if (path === GRAPHQL_PATH) upgrades.emit("upgrade", request, socket, head);
    // The rest of what refuseUnknownUpgrades leaves to this door (its prefix): refused, not left hanging.
    else if (path.startsWith(GRAPHQL_PATH)) {
      socket.on("error", () => socket.destroy());
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    }
  });
  await app.register(websocket, { options: { server: upgrades as never, maxPayload: 1024 * 1024 } });

  // Not REST contracts: the OpenAPI document (whose transform reads zod schemas) leaves these routes
  // out; GraphQL describes itself (introspection, packages/protocol/schema.graphql).
  app.addHook("onRoute", (route) => {
    route.schema = { ...route.schema, hide: true };
  });
  // The server's compilers are zod's (route contracts); Mercurius's routes carry JSON schemas and
  // check the GraphQL request themselves.
  app.setValidatorCompiler(() => (value) => ({ value }));
  app.setSerializerCompiler(() => (value) => JSON.stringify(value));
  app.decorateRequest("graphqlAuthError", null);
  app.addHook("onRequest", async (request, reply) => {
    const path = request.url.split("?")[0] ?? "";
    if (path.startsWith(GRAPHIQL_PATH)) reply.header("content-security-policy", GRAPHIQL_CSP);
    // A real WebSocket upgrade (@fastify/websocket's flag, not a client's Upgrade header) is
    // authenticated by its connection_init message (subscription.onConnect below); the upgrade
    // request itself counts against its address.
    if (!request.ws) await authenticateHttp(ctx, request);
    try {
      await limiter?.check(request, reply, request.actor ?? undefined);
    } catch (error) {
      if (error instanceof AppError) return refuse(reply, error);
      throw error;
    }
  });
  app.addHook("preHandler", async (request, reply) => {
    if (!Array.isArray(request.body)) return;
    if (request.body.length > limits.maxBatch) {
      return refuse(
        reply,
        new AppError("batch_too_large", `A batch may hold at most ${limits.maxBatch} operations`),
      );
    }
    // Each operation of a batch counts as a request, as it would over REST.
    try {
      for (let i = 1; i < request.body.length; i++)
        await limiter?.check(request, reply, request.actor ?? undefined);
    } catch (error) {
      if (error instanceof AppError) return refuse(reply, error);
      throw error;
    }
  });

  const ownRules = [
    operationLimitsRule(limits),
    unstorableTextRule,
    ...(introspection ? [] : [NoSchemaIntrospectionCustomRule]),
  ];
  await app.register(mercurius, {
    schema: graphqlSchema(),
    resolvers: graphqlResolvers as never,
    loaders: loaders as never,
    path: GRAPHQL_PATH,
    graphiql: introspection,
    allowBatchedQueries: true,
    persistedQueryProvider: mercurius.persistedQueryDefaults.automatic(5_000),
    validationRules: ownRules,
    errorFormatter: errorFormatter as never,
    context: (request): Omit<GraphqlContext, never> => ({
      ctx,
      actor: request.actor,
      authError: request.graphqlAuthError,
      meta: metaOf(request),
      request,
    }),
    subscription: {
      fullWsTransport: true,
      keepAlive: 30_000,
      context: async (socket, request) => {
        const connection = await GraphqlConnection.open(connections, request.ip, socket);
        // Over the cap: closed with 4429 and why (graphql-ws does not retry a 4xxx close).
        if (connection instanceof AppError) socket.close(4429, connection.message.slice(0, 120));
        const admitted = connection instanceof AppError ? null : connection;
        return { ctx, actor: null, authError: null, meta: metaOf(request), request, connection: admitted };
      },
      // Always accepted: a missing or refused credential fails each operation with its coded error.
      onConnect: async ({ payload }) => authenticateInit(ctx, payload),
    },
  });
  /**
   * An operation sent over the socket (a subscription, or a query with fullWsTransport) counts
   * against the caller's tier as an HTTP request does, and moves the connection onto its person.
   */
  const admitSocketOperation = async (context: SocketContext) => {
    try {
      await context.connection?.admit(context.actor);
      await limiter?.check(context.request, noHeaders, context.actor ?? undefined);
    } catch (error) {
      throw codedGraphqlError(error);
    }
  };
  // Queries over the socket run through Mercurius's hooks with the socket's context (HTTP's has none).
  app.graphql.addHook("preExecution", async (_schema, _document, context) => {
    const socket = context as unknown as SocketContext;
    if (socket.connection) await admitSocketOperation(socket);
  });
  // Subscriptions skip Mercurius's validation: the same rules (and the limits) run here.
  app.graphql.addHook("preSubscriptionExecution", async (schema, document, context) => {
    await admitSocketOperation(context as unknown as SocketContext);
    const errors = validate(schema, document, [...specifiedRules, ...ownRules]);
    if (errors.length > 0) throw codedGraphqlError(errors[0]);
  });
}

/** What a socket's operations carry besides GraphqlContext. */
type SocketContext = GraphqlContext & { connection?: GraphqlConnection | null };

/** A socket has no reply to carry RateLimit headers: the limiter's verdict is all it gets. */
const noHeaders = { header: () => noHeaders } as unknown as FastifyReply;
