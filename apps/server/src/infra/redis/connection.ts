import type { Redis } from "ioredis";
import { RedisChannels } from "./channels.ts";

export interface RedisConnections {
  /** Commands and publishes. Waits out a Redis restart (commands queue) rather than failing them. */
  commands: Redis;
  /**
   * For the read cache: gives up on a command after two reconnect attempts (well under a second),
   * so while Redis is away requests read from PostgreSQL instead of waiting for it.
   */
  cache: Redis;
  /**
   * For rate-limit counters: never queues and gives a command 250 ms, so while Redis is away or
   * stalls the limiters count in memory (their insurance) instead of holding requests.
   */
  limits: Redis;
  /** Pub/sub over one subscriber connection, resubscribed after every reconnect. */
  channels: RedisChannels;
  /** Keys and channels of this deployment start with it (REDIS_PREFIX). */
  prefix: string;
  close(): Promise<void>;
}

export interface RedisConnectionOptions {
  url: string;
  prefix: string;
  /** Shown in CLIENT LIST, so an operator (or a test) can find this node's connections. */
  name: string;
  /** Told about connection errors (ioredis reconnects by itself; this is for the log). */
  onError?: (error: Error) => void;
}

/**
 * Opens this node's connections to Redis. Commands are never dropped while Redis restarts: ioredis
 * queues them and sends them once it is back (maxRetriesPerRequest: null), so a publish made during
 * a blip arrives late rather than never. What a restart loses (messages in flight, pub/sub) the
 * users of these connections repair from PostgreSQL (see RedisChannels.onReconnect).
 */
export async function openRedis(options: RedisConnectionOptions): Promise<RedisConnections> {
  // Loaded here, not at start-up: a node without REDIS_URL never pays for it (~0.1–0.2 s).
  const { Redis } = await import("ioredis");
  const make = (role: string, maxRetriesPerRequest: number | null = null, failFast = false) => {
    const client = new Redis(options.url, {
      connectionName: `${options.name}:${role}`,
      maxRetriesPerRequest,
      ...(failFast ? { enableOfflineQueue: false, commandTimeout: 250 } : {}),
      lazyConnect: true,
      // Back off up to 1 s between attempts: a restarted Redis is found again quickly.
      retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 1_000),
    });
    client.on("error", (error: Error) => options.onError?.(error));
    return client;
  };
  const commands = make("commands");
  const subscriber = make("subscriber");
  const cache = make("cache", 2);
  const limits = make("limits", 0, true);
  const all = [commands, subscriber, cache, limits];
  try {
    await Promise.all(all.map((client) => client.connect()));
  } catch (error) {
    for (const client of all) client.disconnect();
    throw new Error(`Redis at ${redactUrl(options.url)} did not answer: ${(error as Error).message}`);
  }
  const channels = new RedisChannels(subscriber, (error) => options.onError?.(error as Error));
  return {
    commands,
    cache,
    limits,
    channels,
    prefix: options.prefix,
    close: async () => {
      channels.close();
      await Promise.allSettled(all.map((client) => client.quit()));
    },
  };
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}
