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

/** What readiness asks of the primary store: one cheap round trip, and which kind it is. */
export interface StorageProbe {
  readonly kind: string;
  ping(): Promise<void>;
}

/** Liveness, readiness and Prometheus metrics: outside /api/v1, unauthenticated, for orchestrators. */
export const operationsRoutes: FastifyPluginAsync<{ database: StorageProbe; metrics: Metrics }> = async (
  app,
  { database, metrics },
) => {
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

  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
    reply.header("content-type", metrics.registry.contentType);
    return metrics.registry.metrics();
  });
};
