import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { ServerOptions } from "socket.io";
import type { Config } from "./config.ts";
import { eventsSince } from "./domain/events/since.ts";
import type { Clock } from "./domain/ports/clock.ts";
import type { Db } from "./domain/ports/database.ts";
import { RedisCollabFanout } from "./infra/collab/redis-fanout.ts";
import { RedisEventBus } from "./infra/events/redis-bus.ts";
import { RedisConnectionLedger } from "./infra/limits/redis-ledger.ts";
import { RedisPresenceRegistry } from "./infra/presence/redis-registry.ts";
import { openRedis, type RedisConnections } from "./infra/redis/connection.ts";

export interface ClusterLog {
  error(details: object, message: string): void;
  warn(details: object, message: string): void;
}

/** What a node needs to be one of several: built only when REDIS_URL is set. */
export interface ClusterLinks {
  nodeId: string;
  redis: RedisConnections;
  events: RedisEventBus;
  fanout: RedisCollabFanout;
  /** Who is online where, across nodes; a dead node's devices expire. */
  presence: RedisPresenceRegistry;
  /** Open WebSocket connections per person and IP, across nodes; a dead node's expire. */
  connections: RedisConnectionLedger;
  /** Socket.IO's Redis streams adapter: room emits reach every node's sockets. */
  socketAdapter: ServerOptions["adapter"];
  close(): Promise<void>;
}

/** This node's name in the cluster: readable in logs, unique across restarts. */
export function newNodeId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
}

/**
 * Joins the cluster through Redis: the domain event bus, the collaboration fan-out and the Socket.IO
 * adapter all ride on this node's Redis connections, and all repair from PostgreSQL what Redis loses.
 */
export async function joinCluster(
  config: Config & { REDIS_URL: string },
  db: Db,
  clock: Clock,
  log: () => ClusterLog | undefined,
): Promise<ClusterLinks> {
  const nodeId = newNodeId();
  const prefix = config.REDIS_PREFIX;
  let lastErrorLogged = 0;
  const redis = await openRedis({
    url: config.REDIS_URL,
    prefix,
    name: `${prefix}${nodeId}`,
    onError: (error) => {
      // ioredis reports every failed reconnect attempt: one line a few seconds is enough.
      if (Date.now() - lastErrorLogged < 5_000) return;
      lastErrorLogged = Date.now();
      log()?.warn(
        { err: error },
        "Redis connection problem; reconnecting (nothing is lost: repaired from PostgreSQL)",
      );
    },
  });
  const events = new RedisEventBus({
    publisher: redis.commands,
    channels: redis.channels,
    channel: `${prefix}events`,
    nodeId,
    clock,
    eventsSince: (since) => eventsSince(db, since),
    onError: (error, context) => log()?.error({ err: error }, `event bus: ${context}`),
    onHandlerError: (error, event) =>
      log()?.error({ err: error, event: event.type }, "domain event handler failed"),
  });
  await events.start();
  const fanout = new RedisCollabFanout({
    publisher: redis.commands,
    channels: redis.channels,
    prefix,
    nodeId,
    onError: (error, context) => log()?.error({ err: error }, `collaboration fan-out: ${context}`),
  });
  const presence = new RedisPresenceRegistry({
    redis: redis.commands,
    prefix: `${prefix}presence:`,
    nodeId,
    clock,
    // A node that dies stops showing its users this long after its last heartbeat.
    ttlMs: config.PRESENCE_TTL_SECONDS * 1000,
    onError: (error) => log()?.warn({ err: error }, "presence heartbeat failed"),
  });
  presence.start();
  let lastLedgerErrorLogged = 0;
  const connections = new RedisConnectionLedger({
    // The fail-fast connection: a connection attempt during an outage is decided on this node's
    // counts rather than kept waiting for Redis.
    redis: redis.cache,
    prefix: `${prefix}connections:`,
    clock,
    // A node that dies stops counting against its users' caps this long after its last renewal.
    ttlMs: config.PRESENCE_TTL_SECONDS * 1000,
    onError: (error) => {
      // Every connection attempt of an outage reports it: one line a few seconds is enough.
      if (Date.now() - lastLedgerErrorLogged < 5_000) return;
      lastLedgerErrorLogged = Date.now();
      log()?.warn({ err: error }, "connection ledger: Redis unavailable; counting on this node meanwhile");
    },
  });
  connections.start();
  const { createAdapter } = await import("@socket.io/redis-streams-adapter");
  const socketAdapter = createAdapter(redis.commands, {
    streamName: `${prefix}socket.io`,
    channelPrefix: `${prefix}socket.io`,
    sessionKeyPrefix: `${prefix}sio:session:`,
    // The history a reconnecting client recovers from (about 10,000 room emits, a few MB in Redis);
    // a client away longer than that covers reconnects fresh and refetches, as the web app does.
    maxLen: 10_000,
  });
  return {
    nodeId,
    redis,
    events,
    fanout,
    presence,
    connections,
    socketAdapter,
    close: async () => {
      presence.stop();
      connections.stop();
      fanout.stop();
      await events.stop();
      await redis.close();
    },
  };
}
