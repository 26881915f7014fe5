import { join } from "node:path";
import { REALTIME_PATH } from "@codepark/protocol";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { Redis } from "ioredis";
import type { Registry } from "prom-client";
import { type Background, startBackground } from "./background.ts";
import { type ClusterLinks, joinCluster } from "./cluster.ts";
import { type Config, tiersOf } from "./config.ts";
import { AccessTokens } from "./domain/auth/access-tokens.ts";
import { AttemptThrottle, LINK_POLICY, SIGN_IN_POLICY } from "./domain/auth/throttle.ts";
import type { CollabLogger } from "./domain/collab/manager.ts";
import type { CollabMetrics } from "./domain/collab/metrics.ts";
import { CollabService } from "./domain/collab/service.ts";
import type { UpdateLog } from "./domain/collab/update-log.ts";
import { checkpointWith } from "./domain/collab/versions.ts";
import { ConnectionGate } from "./domain/limits/connection-gate.ts";
import { NotificationHub } from "./domain/notifications/hub.ts";
import type { Cache } from "./domain/ports/cache.ts";
import type { Clock } from "./domain/ports/clock.ts";
import type { Database } from "./domain/ports/database.ts";
import type { Mailer } from "./domain/ports/mailer.ts";
import type { PushSender } from "./domain/ports/push.ts";
import { MemoryCache } from "./infra/cache/memory-cache.ts";
import { noCache } from "./infra/cache/no-cache.ts";
import { RedisCache } from "./infra/cache/redis-cache.ts";
import { systemClock } from "./infra/clock.ts";
import { JournaledLog } from "./infra/collab/journal.ts";
import { TableLog } from "./infra/collab/table-log.ts";
import { decodeKey, loadOrCreateSecret } from "./infra/crypto/instance-secrets.ts";
import { SecretBox } from "./infra/crypto/secret-box.ts";
import { type DatabaseOptions, openDatabase } from "./infra/db/database.ts";
import { LocalEventBus } from "./infra/events/local-bus.ts";
import { createOutboundHttp } from "./infra/http/outbound.ts";
import { MemoryConnectionLedger } from "./infra/limits/memory-ledger.ts";
import { memoryRateLimits, redisRateLimits } from "./infra/limits/rate-limits.ts";
import { createMailer } from "./infra/mail/mailer.ts";
import { relayUserChannel } from "./infra/notifications/redis-relay.ts";
import { createOidcProvider } from "./infra/oidc/openid-client.ts";
import { MemoryPresenceRegistry } from "./infra/presence/memory-registry.ts";
import { createPushSender, loadOrCreateVapidKeys } from "./infra/push/web-push.ts";
import { createJobMetrics } from "./infra/queue/metrics.ts";
import { createCacheMetrics } from "./infra/telemetry/cache-metrics.ts";
import { createCollabMetrics } from "./infra/telemetry/collab-metrics.ts";
import { limitRejections } from "./infra/telemetry/limit-metrics.ts";
import { createMetrics } from "./infra/telemetry/metrics.ts";
import type { Services } from "./services.ts";
import { attachCollabEndpoint, COLLAB_PATH_PREFIX } from "./transport/collab/endpoint.ts";
import type { DoorLimits } from "./transport/door-limits.ts";
import { GRAPHQL_PATH } from "./transport/graphql/plugin.ts";
import { buildHttpServer } from "./transport/http/server.ts";
import { createRealtimeGateway } from "./transport/realtime/gateway.ts";
import { refuseUnknownUpgrades } from "./transport/upgrade-fallback.ts";

export interface App {
  http: FastifyInstance;
  /** Set when REDIS_URL is: this node's links to the others. */
  cluster: ClusterLinks | null;
  ctx: Services;
  database: Database;
  jobs: Background;
  /** Outbound email: SMTP_URL, or .eml files under DATA_DIR/mail. Closed with the app. */
  mailer: Mailer;
  /** Web Push with this instance's VAPID keys. */
  push: PushSender;
  /** Stops accepting, lets in-flight requests finish, then closes storage. */
  close(): Promise<void>;
}

export interface AppOptions {
  clock?: Clock;
  /** Overrides the store chosen from config (tests use in-memory PGlite). */
  database?: DatabaseOptions;
  /** Where JSON log lines go (default stdout); tests capture them. */
  logStream?: { write(line: string): void };
}

export function databaseOptionsFrom(config: Config): DatabaseOptions {
  return config.DATABASE_URL
    ? { kind: "postgres", url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE }
    : {
        kind: "pglite",
        dataDir: join(config.dataDir, "pglite"),
        sharedBuffers: config.PGLITE_SHARED_BUFFERS,
      };
}

/** Composition root: infrastructure, then domain context, then transports. */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const clock = options.clock ?? systemClock;
  const database = await openDatabase(options.database ?? databaseOptionsFrom(config));
  let eventLog: FastifyBaseLogger | undefined;
  let cluster: ClusterLinks | null = null;
  try {
    const redisUrl = config.REDIS_URL;
    if (redisUrl) {
      if (database.kind === "pglite") {
        throw new Error(
          "REDIS_URL joins a cluster, which needs a shared PostgreSQL (DATABASE_URL), not PGlite",
        );
      }
      cluster = await joinCluster({ ...config, REDIS_URL: redisUrl }, database.db, clock, () => eventLog);
    }
    const now = clock.now();
    const signingKey = config.JWT_SECRET
      ? new TextEncoder().encode(config.JWT_SECRET)
      : await loadOrCreateSecret(database.db, "jwt_signing_key", now);
    const encryptionKey = config.ENCRYPTION_KEY
      ? decodeKey(config.ENCRYPTION_KEY)
      : await loadOrCreateSecret(database.db, "encryption_key", now);
    // Account deletion's pseudonyms (docs/privacy.md): shared by every node, never configured.
    const pseudonymKey = await loadOrCreateSecret(database.db, "pseudonym_key", now);
    const vapidKeys =
      config.VAPID_PUBLIC_KEY && config.VAPID_PRIVATE_KEY
        ? { publicKey: config.VAPID_PUBLIC_KEY, privateKey: config.VAPID_PRIVATE_KEY }
        : await loadOrCreateVapidKeys(database.db, now);
    const push = createPushSender({
      ...vapidKeys,
      subject: config.VAPID_SUBJECT,
      // Push endpoints are URLs users hand us, like webhook URLs: the same destination rule.
      allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
    });
    const mailer = createMailer({
      smtpUrl: config.SMTP_URL,
      from: config.MAIL_FROM,
      dataDir: config.dataDir,
    });

    const metrics = createMetrics();
    const collabLog: CollabLogger = {
      error: (details, message) => eventLog?.error(details, message),
      warn: (details, message) => eventLog?.warn(details, message),
    };
    const events =
      cluster?.events ??
      new LocalEventBus((error, event) =>
        eventLog?.error({ err: error, event: event.type }, "domain event handler failed"),
      );
    const cache = createCache(config, {
      clock,
      registry: metrics.registry,
      // Clustered: one cache in Redis that every node reads and invalidates.
      ...(cluster ? { redis: cluster.redis.cache } : {}),
      onError: (error) => eventLog?.warn({ err: error }, "cache unavailable; read from the store"),
    });
    // Request counts and failed-attempt counters: shared through Redis in a cluster (with each
    // node's memory as the insurance while Redis is away), in this process otherwise.
    const rateLimits = cluster
      ? redisRateLimits(cluster.redis.limits, config.REDIS_PREFIX)
      : memoryRateLimits();
    const rejections = limitRejections(metrics.registry);
    const attempts = {
      signIn: new AttemptThrottle(rateLimits, "sign-in", SIGN_IN_POLICY, () =>
        rejections.inc({ limit: "sign_in" }),
      ),
      secondFactor: new AttemptThrottle(rateLimits, "second-factor", SIGN_IN_POLICY, () =>
        rejections.inc({ limit: "second_factor" }),
      ),
      links: new AttemptThrottle(rateLimits, "links", LINK_POLICY, () => rejections.inc({ limit: "links" })),
    };
    const collabMetrics = createCollabMetrics(metrics.registry);
    const collab = new CollabService({
      db: database.db,
      updateLog: await openUpdateLog(config, database, clock, collabMetrics, collabLog),
      clock,
      events,
      limits: {
        maxDocumentBytes: config.COLLAB_MAX_DOCUMENT_BYTES,
        maxFileBytes: config.MAX_FILE_BYTES,
        unloadGraceMs: config.COLLAB_UNLOAD_GRACE_MS,
        compactEvery: config.COLLAB_COMPACT_EVERY,
        checkpointIntervalMs: config.COLLAB_CHECKPOINT_INTERVAL_MS,
        commitWindowMs: config.COLLAB_COMMIT_WINDOW_MS,
        userLoadedBytes: config.COLLAB_USER_LOADED_BYTES,
      },
      metrics: collabMetrics,
      log: collabLog,
      checkpoint: checkpointWith({ db: database.db, clock, events, cache }),
      ...(cluster ? { fanout: cluster.fanout } : {}),
    });
    const outbound = createOutboundHttp({ allowPrivate: config.WEBHOOK_ALLOW_PRIVATE });
    const ctx: Services = {
      db: database.db,
      statements: database,
      clock,
      cache,
      box: new SecretBox(encryptionKey),
      attempts,
      accessTokens: new AccessTokens(signingKey, config.ACCESS_TOKEN_TTL_SECONDS, clock),
      events,
      collab,
      http: outbound,
      webhooks: {
        retryScheduleMs: config.WEBHOOK_RETRY_SCHEDULE,
        timeoutMs: config.WEBHOOK_TIMEOUT_MS,
        disableAfterMs: config.WEBHOOK_DISABLE_AFTER,
        rotationOverlapMs: 24 * 60 * 60 * 1000,
      },
      // Its live channel is attached by the realtime gateway below.
      // Several nodes change a person's unread count: no node may answer from its own memory then.
      notifications: new NotificationHub(
        clock,
        { publicUrl: config.PUBLIC_URL },
        { shared: cluster !== null },
      ),
      limits: { refreshTokenTtlDays: config.REFRESH_TOKEN_TTL_DAYS, maxFileBytes: config.MAX_FILE_BYTES },
      // Emailed links (password reset, verification) are absolute: this base, or the request's origin.
      links: { publicUrl: config.PUBLIC_URL },
      // Discovered on first use: start-up never waits for (or fails on) the identity provider.
      oidc:
        config.OIDC_ISSUER && config.OIDC_CLIENT_ID
          ? createOidcProvider({
              issuer: config.OIDC_ISSUER,
              clientId: config.OIDC_CLIENT_ID,
              clientSecret: config.OIDC_CLIENT_SECRET,
              displayName: config.OIDC_DISPLAY_NAME,
            })
          : null,
      privacy: { pseudonymKey, exportLinkTtlMs: EXPORT_LINK_TTL_MS, exportRetentionMs: EXPORT_RETENTION_MS },
    };
    const refused: DoorLimits["refused"] = (limit) => rejections.inc({ limit });
    const doorLimits: DoorLimits = {
      // WebSocket connection caps per tier, both doors together; across nodes through Redis.
      gate: new ConnectionGate({
        ledger: cluster?.connections ?? new MemoryConnectionLedger(),
        tiers: tiersOf(config),
        enabled: config.RATE_LIMIT_ENABLED,
        onRefused: refused,
      }),
      trustProxy: config.TRUST_PROXY,
      refused,
    };
    // In a cluster a person's inbox events reach every node's GraphQL subscribers, wherever created.
    const stopInboxRelay = cluster
      ? await relayUserChannel({
          port: ctx.notifications.channel,
          publisher: cluster.redis.commands,
          channels: cluster.redis.channels,
          channel: `${config.REDIS_PREFIX}inbox`,
          nodeId: cluster.nodeId,
          onError: (error) => eventLog?.warn({ err: error }, "inbox relay: publish failed"),
        })
      : undefined;
    const http = await buildHttpServer({
      config,
      ctx,
      database,
      metrics,
      push,
      rateLimits,
      doorLimits,
      logStream: options.logStream,
    });
    eventLog = http.log;
    if (!config.PUBLIC_URL) {
      http.log.warn(
        "PUBLIC_URL is not set: emailed links (password reset, verification) follow each request's Host header; set PUBLIC_URL wherever others can reach this server (docs/accounts.md)",
      );
    }
    if (ctx.oidc)
      http.log.info({ issuer: ctx.oidc.issuer }, "OIDC sign-in on; the provider is discovered on first use");
    const realtime = createRealtimeGateway({
      httpServer: http.server,
      ctx,
      registry: metrics.registry,
      log: http.log,
      // This node's presence; a cluster's lives in Redis (infra/presence/redis-registry.ts).
      presence: cluster?.presence ?? new MemoryPresenceRegistry(),
      corsOrigins: config.CORS_ORIGINS,
      ...(cluster ? { adapter: cluster.socketAdapter } : {}),
      limits: doorLimits,
    });
    const collabEndpoint = attachCollabEndpoint({
      httpServer: http.server,
      ctx,
      collab,
      // Room above the document limit, so an oversized edit gets the clear 4413 rather than ws's 1009.
      maxMessageBytes: config.COLLAB_MAX_DOCUMENT_BYTES + 1024 * 1024,
      log: http.log,
      limits: doorLimits,
    });
    refuseUnknownUpgrades(http.server, [COLLAB_PATH_PREFIX, `${REALTIME_PATH}/`, GRAPHQL_PATH]);
    const jobs = await startBackground({
      config,
      db: database.db,
      store: database.kind,
      ctx,
      metrics: createJobMetrics(metrics.registry, database.db),
      mailer,
      push,
      log: http.log,
      watchPendingJobs: database.watchPendingJobs,
    });
    // Close order: live connections first (pending updates written), then HTTP (in-flight requests
    // finish), then storage.
    /** Each shutdown step says how long it took: a slow shutdown names its culprit. */
    const step = async (name: string, work: Promise<unknown> | undefined) => {
      const started = performance.now();
      await work;
      http.log.info({ step: name, ms: Math.round(performance.now() - started) }, "shutdown step done");
    };
    http.addHook("preClose", async () => {
      await Promise.all([
        step("realtime connections closed", realtime.close()),
        step("collaboration documents written", collabEndpoint.close()),
        // Running jobs get the drain window; what is still running then is handed back.
        step("jobs and event dispatch stopped", jobs.stop(drainDeadlineMs(config))),
      ]);
    });
    http.addHook("onClose", async () => {
      // Jobs have stopped: no webhook is sent any more; its idle connections go.
      outbound.close();
      // Off the cluster first (nothing more arrives), then storage.
      await stopInboxRelay?.();
      await step("left the cluster", cluster?.close());
      await step("storage closed", Promise.all([database.close(), mailer.close()]));
      metrics.stop();
    });
    return {
      http,
      cluster,
      ctx,
      database,
      jobs,
      mailer,
      push,
      close: () => closeWithDeadline(http, drainDeadlineMs(config)),
    };
  } catch (error) {
    await cluster?.close();
    await database.close();
    throw error;
  }
}

/** A data export's download link works for an hour; the archive is kept two days (docs/privacy.md). */
const EXPORT_LINK_TTL_MS = 60 * 60_000;
const EXPORT_RETENTION_MS = 48 * 60 * 60_000;

/** Most entries a node's in-process cache keeps (a few hundred bytes each). */
const MEMORY_CACHE_ENTRIES = 10_000;

/**
 * The cache in front of the per-request reads (sessions, users, API keys, project access): off with
 * CACHE_TTL_SECONDS=0; in this process by default (right for one node only); given the node's Redis
 * connection (shared, not owned), in Redis under REDIS_PREFIX, shared by every node.
 */
export function createCache(
  config: Config,
  deps: { clock: Clock; registry: Registry; redis?: Redis; onError?: (error: unknown) => void },
): Cache {
  // Registered even when off: the metric stays declared on /metrics, with no samples.
  const { count } = createCacheMetrics(deps.registry);
  if (config.CACHE_TTL_SECONDS === 0) return noCache;
  const options = { ttlMs: config.CACHE_TTL_SECONDS * 1000, onLookup: count };
  if (deps.redis)
    return new RedisCache({
      redis: deps.redis,
      prefix: `${config.REDIS_PREFIX}cache:`,
      onError: deps.onError,
      ...options,
    });
  return new MemoryCache({ clock: deps.clock, maxEntries: MEMORY_CACHE_ENTRIES, ...options });
}

/**
 * Embedded storage journals live edits in DATA_DIR and moves them into PGlite in batches (PGlite
 * commits on the event loop); PostgreSQL takes every group commit directly.
 */
async function openUpdateLog(
  config: Config,
  database: Database,
  clock: Clock,
  metrics: CollabMetrics,
  log: CollabLogger,
): Promise<UpdateLog> {
  if (database.kind !== "pglite" || config.COLLAB_JOURNAL_FLUSH_MS === 0)
    return new TableLog(database, clock);
  return JournaledLog.open(database, clock, {
    dir: join(config.dataDir, "collab-journal"),
    flushAfterMs: config.COLLAB_JOURNAL_FLUSH_MS,
    onFlush: (updates, seconds) => {
      metrics.journalFlushes.observe(seconds);
      metrics.journalFlushSize.observe(updates);
    },
    onError: (error) => log.error({ err: error }, "moving journaled updates into the store failed; retrying"),
  });
}

/** In-flight requests get most of the shutdown budget; what is left is for closing storage cleanly. */
function drainDeadlineMs(config: Config): number {
  return Math.floor(config.SHUTDOWN_TIMEOUT_MS * 0.75);
}

/**
 * Closes the server, but a client that stops reading a response (or never ends a request) cannot
 * hold shutdown hostage: at the deadline its connection is cut, so storage still closes cleanly.
 */
async function closeWithDeadline(http: FastifyInstance, deadlineMs: number): Promise<void> {
  const cut = setTimeout(() => http.server.closeAllConnections(), deadlineMs);
  cut.unref();
  try {
    await http.close();
  } finally {
    clearTimeout(cut);
  }
}
