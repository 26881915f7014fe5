import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { API_BASE_PATH, apiRoutes } from "@codepark/protocol/api";
import cors from "@fastify/cors";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance } from "fastify";
import {
  createJsonSchemaTransform,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import { type Config, connectionsPerIp, graphqlIntrospection, tiersOf } from "../../config.ts";
import type { PushSender } from "../../domain/ports/push.ts";
import type { RateLimits } from "../../domain/ports/rate-limits.ts";
import { limitRejections } from "../../infra/telemetry/limit-metrics.ts";
import { loggerOptions, RequestLogController } from "../../infra/telemetry/logger.ts";
import type { Metrics } from "../../infra/telemetry/metrics.ts";
import type { Services } from "../../services.ts";
import type { DoorLimits } from "../door-limits.ts";
import { graphqlTransport } from "../graphql/plugin.ts";
import { requireAuthentication } from "./authenticate.ts";
import { capConnectionsPerIp, wasRefused } from "./connection-cap.ts";
import { clientErrorHandler, frameworkErrors, hstsOverHttps, methodNotAllowed } from "./edges.ts";
import { operationsRoutes, type StorageProbe } from "./operations/routes.ts";
import { installProblemHandlers } from "./problems.ts";
import { createRequestLimiter } from "./rate-limit.ts";
import { bind, mountAll, onlyContractRoutes } from "./route.ts";
import { accountRoutes } from "./routes/account.ts";
import { adminRoutes } from "./routes/admin.ts";
import { authRoutes } from "./routes/auth.ts";
import { chatRoutes } from "./routes/chat.ts";
import { notificationRoutes } from "./routes/notifications.ts";
import { oidcRoutes } from "./routes/oidc.ts";
import { privacyRoutes } from "./routes/privacy.ts";
import { projectRoutes } from "./routes/projects.ts";
import { webhookRoutes } from "./routes/webhooks.ts";
import { securityHeaders } from "./security-headers.ts";
import { contractSerializerCompiler } from "./serialize.ts";
import { refuseUnstorableText } from "./text-guard.ts";
import { serveWebApp } from "./web-app.ts";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** The web app's production build (apps/web/dist). */
const webDistDir = fileURLToPath(new URL("../../../../web/dist", import.meta.url));

export interface HttpDeps {
  config: Config;
  ctx: Services;
  database: StorageProbe;
  metrics: Metrics;
  /** Web Push: the routes hand out its public key. */
  push: Pick<PushSender, "publicKey">;
  /** Where request counts live (memory, or Redis in a cluster); unused when RATE_LIMIT_ENABLED is false. */
  rateLimits: RateLimits;
  /** WebSocket connection caps, shared with the other doors: GraphQL's subscriptions count too. */
  doorLimits: DoorLimits;
  logStream?: { write(line: string): void } | undefined;
}

/** Builds the HTTP transport: thin routes (validate → authorize → command → present) over the domain. */
export async function buildHttpServer({
  config,
  ctx,
  database,
  metrics,
  push,
  rateLimits,
  doorLimits,
  logStream,
}: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(config.LOG_LEVEL, logStream),
    logController: new RequestLogController(),
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    // A caller's x-request-id is kept when it is a sane token (no log injection), otherwise a new one.
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
    forceCloseConnections: "idle",
    // Slowloris: a connection that does not finish its headers in time (or never speaks) gets a
    // 408 and is closed. Node looks every quarter of the limit (so it goes within 25 % of it),
    // connections or not: each look wakes an idle server, hence not every second.
    http: {
      headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS,
      connectionsCheckingInterval: Math.ceil(config.HTTP_HEADERS_TIMEOUT_MS / 4),
    },
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    // A socket silent that long in the middle of a request is closed; between requests, a
    // keep-alive connection is closed after its own idle time. (WebSocket sockets opt out: ws clears it.)
    connectionTimeout: config.HTTP_IDLE_TIMEOUT_MS,
    keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    // Errors raised before routing (a URL that does not decode, oversized headers) leave as
    // problem+json too.
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(contractSerializerCompiler);
  app.decorateRequest("actor", null);
  const webApp = await serveWebApp(app, webDistDir);
  installProblemHandlers(
    app,
    (request, reply) => methodNotAllowed(request, reply) ?? webApp?.(request, reply) ?? null,
  );
  const rejections = limitRejections(metrics.registry);
  const perIp = connectionsPerIp(config);
  if (perIp > 0) {
    capConnectionsPerIp(app.server, perIp, () => rejections.inc({ limit: "connections_per_ip" }));
    // A request already on its way over a refused connection is dropped, never run.
    app.addHook("onRequest", async (request, reply) => {
      if (!wasRefused(request.raw.socket)) return;
      reply.hijack();
      request.raw.socket.destroy();
    });
  }
  // The headers every response carries, in one synchronous hook.
  const security = securityHeaders();
  app.addHook("onRequest", (request, reply, done) => {
    reply.headers(security);
    reply.header("x-request-id", request.id);
    hstsOverHttps(request, reply);
    done();
  });
  app.addHook("preValidation", refuseUnstorableText);
  app.addHook("onResponse", async (request, reply) => {
    metrics.httpDuration.observe(
      {
        method: request.method,
        // The route pattern, never the raw URL: bounded label cardinality.
        route: request.routeOptions.url ?? "unmatched",
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });

  await app.register(cors, {
    origin: config.CORS_ORIGINS.includes("*") ? true : config.CORS_ORIGINS,
    credentials: !config.CORS_ORIGINS.includes("*"),
    exposedHeaders: ["x-request-id"],
  });
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "CodePark API",
        version: "1",
        description:
          "Errors are application/problem+json with a stable `code`. Lists are `{items, nextCursor}`.",
      },
      components: {
        securitySchemes: {
          bearerAuth: {
            type: "http",
            scheme: "bearer",
            description: "An access token or an API key (cpk_…)",
          },
        },
      },
    },
    transform: createJsonSchemaTransform({ zodToJsonConfig: { target: "draft-2020-12" } }),
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  // Outside the API, and not contracts: liveness, readiness, metrics (operationsRoutes), the docs UI
  // (swaggerUi) and the web app's files (serveWebApp).
  await app.register(operationsRoutes, { database, metrics, metricsToken: config.METRICS_TOKEN });

  // The API: every route is a contract of @codepark/protocol (apiRoutes) with a handler here. Its
  // `auth` decides where it is mounted: public routes as they are, the others behind the bearer check.
  const routes = [
    ...bind(apiRoutes.meta, { openapi: () => ({ ...app.swagger() }) }),
    ...authRoutes(ctx),
    ...accountRoutes(ctx),
    ...adminRoutes(ctx),
    ...projectRoutes(ctx),
    ...chatRoutes(ctx),
    ...webhookRoutes(ctx),
    ...notificationRoutes(ctx, push),
    ...oidcRoutes(ctx, config.PUBLIC_URL),
    ...privacyRoutes(ctx),
  ];
  const publicRoutes = routes.filter((route) => route.contract.auth === "public");
  const authenticatedRoutes = routes.filter((route) => route.contract.auth !== "public");
  const limiter = config.RATE_LIMIT_ENABLED
    ? createRequestLimiter(rateLimits, tiersOf(config), () => rejections.inc({ limit: "http" }))
    : null;
  await app.register(
    async (api) => {
      onlyContractRoutes(api);
      await api.register(async (open) => {
        if (limiter) open.addHook("onRequest", (request, reply) => limiter.check(request, reply, undefined));
        mountAll(open, publicRoutes);
      });
      await api.register(async (authed) => {
        requireAuthentication(authed, ctx, limiter);
        mountAll(authed, authenticatedRoutes);
      });
    },
    { prefix: API_BASE_PATH },
  );
  // GraphQL beside REST: the same commands, credentials and rate-limit tiers (docs/graphql.md).
  await app.register(graphqlTransport, {
    ctx,
    limiter,
    connections: doorLimits,
    introspection: graphqlIntrospection(config),
    limits: {
      maxDepth: config.GRAPHQL_MAX_DEPTH,
      maxCost: config.GRAPHQL_MAX_COST,
      maxAliases: config.GRAPHQL_MAX_ALIASES,
      maxBatch: config.GRAPHQL_MAX_BATCH,
    },
  });

  return app;
}
