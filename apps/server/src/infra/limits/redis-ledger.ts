import type { Redis } from "ioredis";
import type { ConnectionLedger } from "../../domain/limits/connection-ledger.ts";
import type { Clock } from "../../domain/ports/clock.ts";
import { systemClock } from "../clock.ts";
import { MemoryConnectionLedger } from "./memory-ledger.ts";

export interface RedisLedgerOptions {
  /**
   * A shared connection (used, never closed) that fails commands quickly while Redis is away rather
   * than queueing them: a connection attempt must not wait for Redis to come back.
   */
  redis: Redis;
  /** Key prefix (e.g. `${REDIS_PREFIX}connections:`). */
  prefix: string;
  /** A connection not renewed for this long stops counting: the bound for a dead node (default 30 s). */
  ttlMs?: number;
  /** How often start()'s timer renews this node's connections (default a third of the TTL). */
  renewEveryMs?: number;
  /** Expiry is decided in epoch ms of the nodes' clocks (NTP keeps them within far less than the TTL). */
  clock?: Clock;
  /** Redis failed (an acquire decided on this node's own counts, or a renewal to be retried). */
  onError?: (error: unknown) => void;
  /** How long an acquire waits for Redis before deciding on this node's counts (default 1 s). */
  timeoutMs?: number;
}

/**
 * KEYS[1] the subject's ZSET (connectionId → expiry, epoch ms); ARGV now, expiresAt, limit, id, ttl.
 * Expired members (a dead node's) are dropped first, so they never count.
 */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if not redis.call('ZSCORE', KEYS[1], ARGV[4]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`;

interface LedgerCommands {
  codeparkLedgerAcquire(
    key: string,
    now: number,
    expiresAt: number,
    limit: number,
    connectionId: string,
    ttlMs: number,
  ): Promise<number>;
}

/** Entries per renewal pipeline. */
const RENEW_CHUNK = 500;

/**
 * The connection ledger of a cluster: one sorted set per subject in Redis, members scored by their
 * expiry. The node holding a connection renews it every `renewEveryMs`; a node killed outright stops
 * renewing, and its connections stop counting at most `ttlMs` after its last renewal (acquire drops
 * expired members before counting). A renewal also puts back what a restarted Redis lost.
 *
 * While Redis does not answer, acquire decides on this node's own connections against the same
 * limit (kept here as a mirror): a person can then hold the limit on each node, never an unlimited
 * number, and nobody is refused for the outage itself.
 */
export class RedisConnectionLedger implements ConnectionLedger {
  readonly #redis: Redis;
  readonly #commands: LedgerCommands;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #renewEveryMs: number;
  readonly #clock: Clock;
  readonly #onError: (error: unknown) => void;
  readonly #timeoutMs: number;
  /** This node's counted connections: what it renews, and what it decides on in an outage. */
  readonly #own = new MemoryConnectionLedger();
  /** Acquires in flight; a release meanwhile removes its entry, so the acquire does not keep it. */
  readonly #inFlight = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #renewing: Promise<void> | undefined;

  constructor(options: RedisLedgerOptions) {
    this.#redis = options.redis;
    this.#prefix = options.prefix;
    this.#ttlMs = options.ttlMs ?? 30_000;
    this.#renewEveryMs = options.renewEveryMs ?? Math.max(1, Math.floor(this.#ttlMs / 3));
    this.#clock = options.clock ?? systemClock;
    this.#onError = options.onError ?? (() => {});
    this.#timeoutMs = options.timeoutMs ?? 1_000;
    if (typeof (options.redis as unknown as Record<string, unknown>).codeparkLedgerAcquire !== "function")
      options.redis.defineCommand("codeparkLedgerAcquire", { numberOfKeys: 1, lua: ACQUIRE });
    this.#commands = options.redis as unknown as LedgerCommands;
  }

  /** Starts renewing this node's connections (the timer does not hold the process open). */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      if (this.#renewing) return; // Redis is slow: the renewal in flight will do
      this.#renewing = this.renew()
        .catch(this.#onError)
        .finally(() => {
          this.#renewing = undefined;
        });
    }, this.#renewEveryMs);
    this.#timer.unref();
  }

  /** Stops renewing: whatever is still counted expires within the TTL. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Extends every connection of this node by a TTL from now (and re-adds any Redis lost). */
  async renew(): Promise<void> {
    const expiresAt = this.#clock.now().getTime() + this.#ttlMs;
    const entries = [...this.#own.entries()];
    for (let i = 0; i < entries.length; i += RENEW_CHUNK) {
      const pipeline = this.#redis.pipeline();
      for (const [subject, id] of entries.slice(i, i + RENEW_CHUNK)) {
        pipeline.zadd(this.#key(subject), expiresAt, id);
        pipeline.pexpire(this.#key(subject), this.#ttlMs);
      }
      const results = await pipeline.exec();
      const failed = results?.find(([error]) => error)?.[0];
      if (failed) throw failed;
    }
  }

  async acquire(subject: string, limit: number, connectionId: string): Promise<boolean> {
    const entry = `${subject}\n${connectionId}`;
    this.#inFlight.add(entry);
    const now = this.#clock.now().getTime();
    let held: boolean;
    try {
      const reply = await withTimeout(
        this.#commands.codeparkLedgerAcquire(
          this.#key(subject),
          now,
          now + this.#ttlMs,
          limit,
          connectionId,
          this.#ttlMs,
        ),
        this.#timeoutMs,
      );
      held = reply === 1;
      if (held) this.#own.acquireNow(subject, Number.POSITIVE_INFINITY, connectionId);
    } catch (error) {
      this.#onError(error);
      held = this.#own.acquireNow(subject, limit, connectionId);
      // The command may still run once Redis answers: a refusal must not leave its entry there.
      if (!held) this.#remove(subject, connectionId);
    }
    if (!this.#inFlight.delete(entry)) {
      // Released while in flight: the release went to Redis after the acquire, only memory is left.
      await this.#own.release(subject, connectionId);
      return false;
    }
    return held;
  }

  async release(subject: string, connectionId: string): Promise<void> {
    this.#inFlight.delete(`${subject}\n${connectionId}`);
    await this.#own.release(subject, connectionId);
    // Not renewed from now on: if this does not reach Redis, the entry expires within the TTL.
    this.#remove(subject, connectionId);
  }

  async count(subject: string): Promise<number> {
    return this.#redis.zcount(this.#key(subject), `(${this.#clock.now().getTime()}`, "+inf");
  }

  /** This node's connections counted (its mirror): for tests and shutdown checks. */
  get ownCount(): number {
    let total = 0;
    for (const _ of this.#own.entries()) total++;
    return total;
  }

  #remove(subject: string, connectionId: string): void {
    this.#redis.zrem(this.#key(subject), connectionId).catch(this.#onError);
  }

  #key(subject: string): string {
    return `${this.#prefix}${subject}`;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
