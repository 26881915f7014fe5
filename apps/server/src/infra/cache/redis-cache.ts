import { createHash, randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Cache } from "../../domain/ports/cache.ts";
import { familyOf, type LookupCounter } from "./family.ts";

export interface RedisCacheOptions {
  /** Shared with the rest of the node, not owned: never closed here. */
  redis: Redis;
  /** Namespace of every key, e.g. `${REDIS_PREFIX}cache:`. */
  prefix: string;
  ttlMs: number;
  /** How long a miss's generation lives: a load slower than this is not stored (default 10 s). */
  fillWindowMs?: number;
  onLookup?: LookupCounter;
  /** Redis failed on a read: the value is loaded from the store instead (and not cached). */
  onError?: (error: unknown) => void;
}

/**
 * A miss creates the key's generation (a random token) if it has none and returns it, in the same
 * script that found the value missing. A token, not a counter: if it expires or is evicted the
 * store below simply fails, where a counter back at "absent" could match a reader from before.
 */
const LOOKUP = `
local value = redis.call('GET', KEYS[1])
if value then return {1, value} end
redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2])
return {0, redis.call('GET', KEYS[2])}
`;

/** Stores only while the generation read with the miss is still the key's (no invalidate since). */
const STORE = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`;

interface Script {
  source: string;
  sha: string;
}
const script = (source: string): Script => ({
  source,
  sha: createHash("sha1").update(source).digest("hex"),
});
const lookupScript = script(LOOKUP);
const storeScript = script(STORE);

/**
 * The cache every node shares. A key's value and generation share a hash tag (`{key}`), so the
 * scripts touch one slot on a Redis Cluster too. Invalidation deletes both: on every node the next
 * read misses, and a fill that straddled it finds its generation gone.
 */
export class RedisCache implements Cache {
  readonly enabled = true;
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #fillWindowMs: number;
  readonly #onLookup: LookupCounter;
  readonly #onError: (error: unknown) => void;

  constructor(options: RedisCacheOptions) {
    this.#redis = options.redis;
    this.#prefix = options.prefix;
    this.#ttlMs = options.ttlMs;
    this.#fillWindowMs = options.fillWindowMs ?? 10_000;
    this.#onLookup = options.onLookup ?? (() => {});
    this.#onError = options.onError ?? (() => {});
  }

  async get<T>(key: string): Promise<T | undefined> {
    let json: string | null;
    try {
      json = await this.#redis.get(this.#valueKey(key));
    } catch (error) {
      this.#onError(error);
      return undefined;
    }
    this.#onLookup(familyOf(key), json !== null);
    return json === null ? undefined : (JSON.parse(json) as T);
  }

  async fill<T>(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    const keys = [this.#valueKey(key), this.#generationKey(key)];
    let found: [number, string];
    try {
      found = (await this.#eval(lookupScript, keys, [randomUUID(), this.#fillWindowMs])) as [number, string];
    } catch (error) {
      this.#onError(error);
      return load();
    }
    this.#onLookup(familyOf(key), found[0] === 1);
    if (found[0] === 1) return JSON.parse(found[1]) as T;
    const value = await load();
    if (value === undefined) return undefined;
    const json = JSON.stringify(value);
    try {
      await this.#eval(storeScript, keys, [found[1], json, this.#ttlMs]);
    } catch (error) {
      this.#onError(error);
    }
    // A copy through JSON, so a miss hands back exactly what a hit would.
    return JSON.parse(json) as T;
  }

  async invalidate(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const pipeline = this.#redis.pipeline();
    for (const key of keys) pipeline.del(this.#valueKey(key), this.#generationKey(key));
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0];
  }

  #valueKey(key: string): string {
    return `${this.#prefix}{${key}}`;
  }

  #generationKey(key: string): string {
    return `${this.#prefix}{${key}}:gen`;
  }

  /** EVALSHA, and EVAL once when Redis does not have the script yet (a restart, SCRIPT FLUSH). */
  async #eval(code: Script, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await this.#redis.evalsha(code.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return this.#redis.eval(code.source, keys.length, ...keys, ...args);
    }
  }
}
