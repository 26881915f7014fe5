import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance } from "fastify";
import {
  createJsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import type { Config } from "../../config.ts";
import type { PushSender } from "../../domain/ports/push.ts";
import { loggerOptions } from "../../infra/telemetry/logger.ts";
import type { Metrics } from "../../infra/telemetry/metrics.ts";
import type { Services } from "../../services.ts";
import { apiKeyRoutes } from "./account/api-keys.ts";
import { accountRoutes } from "./account/routes.ts";
import { auditRoutes } from "./audit/routes.ts";
import { publicAuthRoutes } from "./auth/routes.ts";
import { requireAuthentication } from "./authenticate.ts";
import { chatRoutes } from "./chat/routes.ts";
import { eventTypeRoutes } from "./event-types/routes.ts";
import { fileRoutes } from "./files/routes.ts";
import { jobRoutes } from "./jobs/routes.ts";
import { notificationRoutes } from "./notifications/routes.ts";
import { operationsRoutes, type StorageProbe } from "./operations/routes.ts";
import { installProblemHandlers } from "./problems.ts";
import { memberRoutes } from "./projects/members.ts";
import { projectRoutes } from "./projects/routes.ts";
import { pushRoutes } from "./push/routes.ts";
import { refuseUnstorableText } from "./text-guard.ts";
import { userRoutes } from "./users/routes.ts";
import { versionRoutes } from "./versions/routes.ts";
import { serveWebApp } from "./web-app.ts";
import { webhookRoutes } from "./webhooks/routes.ts";

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
  logStream?: { write(line: string): void } | undefined;
}

/** Builds the HTTP transport: thin routes (validate → authorize → command → present) over the domain. */
export async function buildHttpServer({
  config,
  ctx,
  database,
  metrics,
  push,
  logStream,
}: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(config.LOG_LEVEL, logStream),
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
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest("actor", null);
  installProblemHandlers(app, (await serveWebApp(app, webDistDir)) ?? undefined);

  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
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

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        // Monaco runs language services in same-origin workers and ships its icon font as a file.
        workerSrc: ["'self'", "blob:"],
        fontSrc: ["'self'", "data:"],
      },
    },
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

  await app.register(operationsRoutes, { database, metrics });
  await app.register(
    async (api) => {
      api.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
      await api.register(publicAuthRoutes, { ctx });
      await api.register(eventTypeRoutes);
      await api.register(async (authed) => {
        requireAuthentication(authed, ctx);
        await authed.register(accountRoutes, { ctx });
        await authed.register(apiKeyRoutes, { ctx });
        await authed.register(userRoutes, { ctx });
        await authed.register(projectRoutes, { ctx });
        await authed.register(memberRoutes, { ctx });
        await authed.register(fileRoutes, { ctx });
        await authed.register(versionRoutes, { ctx });
        await authed.register(webhookRoutes, { ctx });
        await authed.register(jobRoutes, { ctx });
        await authed.register(chatRoutes, { ctx });
        await authed.register(auditRoutes, { ctx });
        await authed.register(notificationRoutes, { ctx });
        await authed.register(pushRoutes, { ctx, push });
      });
    },
    { prefix: "/api/v1" },
  );

  return app;
}
