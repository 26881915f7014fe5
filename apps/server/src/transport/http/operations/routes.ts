import { timingSafeEqual } from "node:crypto";
import type { FastifyPluginAsync } from "fastify";
import { AppError } from "../../../domain/errors.ts";
import type { Metrics } from "../../../infra/telemetry/metrics.ts";
import { sendProblem } from "../problems.ts";

const READY_TIMEOUT_MS = 2_000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Compares in constant time, so the token cannot be guessed byte by byte from response times. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith("Bearer ") ? header.slice(7) : "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** What readiness asks of the primary store: one cheap round trip, and which kind it is. */
export interface StorageProbe {
  readonly kind: string;
  ping(): Promise<void>;
}

/** Liveness, readiness and Prometheus metrics: outside /api/v1, unauthenticated, for orchestrators. */
export const operationsRoutes: FastifyPluginAsync<{
  database: StorageProbe;
  metrics: Metrics;
  /** METRICS_TOKEN: when set, /metrics answers only `Authorization: Bearer <token>`. */
  metricsToken?: string | undefined;
}> = async (app, { database, metrics, metricsToken }) => {
  app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));

  app.get("/readyz", { schema: { hide: true } }, async (request, reply) => {
    try {
      await withTimeout(database.ping(), READY_TIMEOUT_MS);
      return { status: "ready", storage: database.kind };
    } catch (error) {
      request.log.warn({ err: error }, "readiness check failed");
      return sendProblem(reply, new AppError("service_unavailable", "Storage is unreachable"));
    }
  });

  app.get("/metrics", { schema: { hide: true } }, async (request, reply) => {
    if (metricsToken && !bearerMatches(request.headers.authorization, metricsToken)) {
      reply.header("www-authenticate", 'Bearer realm="metrics"');
      return sendProblem(
        reply,
        new AppError("unauthorized", "/metrics needs the METRICS_TOKEN bearer token"),
      );
    }
    reply.header("content-type", metrics.registry.contentType);
    return metrics.registry.metrics();
  });
};
