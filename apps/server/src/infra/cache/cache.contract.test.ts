import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Cache } from "../../domain/ports/cache.ts";
import type { LookupCounter } from "./family.ts";
import { MemoryCache } from "./memory-cache.ts";
import { RedisCache } from "./redis-cache.ts";

/** A cache under test, its lookups as counted, and a way to let `ms` of its time pass. */
interface CacheUnderTest {
  cache: Cache;
  lookups: [family: string, hit: boolean][];
  elapse(ms: number): Promise<void>;
}
type Make = (options: { ttlMs: number }) => Promise<CacheUnderTest>;

function counter(): { lookups: [string, boolean][]; onLookup: LookupCounter } {
  const lookups: [string, boolean][] = [];
  return { lookups, onLookup: (family, hit) => void lookups.push([family, hit]) };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The contract every cache (memory, Redis) must meet. */
function contract(make: Make) {
  it("misses, loads once, then hits with a JSON copy of the value (Dates come back as ISO strings)", async () => {
    const { cache, lookups } = await make({ ttlMs: 60_000 });
    let loads = 0;
    const load = async () => {
      loads += 1;
      return { role: "owner", at: new Date(Date.UTC(2026, 0, 1)), n: null };
    };
    const first = await cache.fill("member:prj_1:usr_1", load);
    const second = await cache.fill("member:prj_1:usr_1", load);
    expect(loads).toBe(1);
    expect(first).toEqual({ role: "owner", at: "2026-01-01T00:00:00.000Z", n: null });
    expect(second).toEqual(first);
    expect(await cache.get("member:prj_1:usr_1")).toEqual(first);
    expect(await cache.get("member:prj_1:usr_2")).toBeUndefined();
    expect(lookups).toEqual([
      ["member", false],
      ["member", true],
      ["member", true],
      ["member", false],
    ]);
  });

  it("hands back values whose change cannot reach what the cache holds", async () => {
    const { cache } = await make({ ttlMs: 60_000 });
    const load = async () => ({ role: "owner", tags: ["a"] });
    for (const value of [
      await cache.fill("member:prj_2:usr_1", load),
      await cache.get("member:prj_2:usr_1"),
    ]) {
      const held = value as { role: string; tags: string[] };
      // A copy (Redis) takes the change; a frozen value (in process) refuses it.
      try {
        held.role = "viewer";
      } catch {}
      try {
        held.tags.push("b");
      } catch {}
    }
    expect(await cache.get("member:prj_2:usr_1")).toEqual({ role: "owner", tags: ["a"] });
  });

  it("caches null, but never undefined (nothing to remember)", async () => {
    const { cache } = await make({ ttlMs: 60_000 });
    let loads = 0;
    const counted =
      <T>(value: T) =>
      async () => {
        loads += 1;
        return value;
      };
    expect(await cache.fill("session:ses_1", counted(null))).toBeNull();
    expect(await cache.fill("session:ses_1", counted(null))).toBeNull();
    expect(await cache.fill("user:usr_1", counted(undefined))).toBeUndefined();
    expect(await cache.fill("user:usr_1", counted(undefined))).toBeUndefined();
    expect(loads).toBe(3);
  });

  it("does not store a value whose load straddled an invalidation (the reader read before the writer committed)", async () => {
    const { cache } = await make({ ttlMs: 60_000 });
    const slow = deferred<string>();
    const filling = cache.fill("session:ses_race", () => slow.promise);
    await sleep(20); // the miss (and its generation) is registered before the writer invalidates
    await cache.invalidate(["session:ses_race"]);
    slow.resolve("live (read before the revocation committed)");
    expect(await filling).toBe("live (read before the revocation committed)");
    expect(await cache.get("session:ses_race")).toBeUndefined();
    expect(await cache.fill("session:ses_race", async () => "revoked")).toBe("revoked");
    expect(await cache.get("session:ses_race")).toBe("revoked");
  });

  it("lets a fill that began after the invalidation store, and the straddling one not overwrite it", async () => {
    const { cache } = await make({ ttlMs: 60_000 });
    const old = deferred<string>();
    const straddling = cache.fill("project:prj_1", () => old.promise);
    await sleep(20);
    await cache.invalidate(["project:prj_1"]);
    expect(await cache.fill("project:prj_1", async () => "public")).toBe("public");
    old.resolve("private");
    await straddling;
    expect(await cache.get("project:prj_1")).toBe("public");
  });

  it("stores when concurrent fills of one key finish with no invalidation between", async () => {
    const { cache } = await make({ ttlMs: 60_000 });
    const a = deferred<string>();
    const b = deferred<string>();
    const first = cache.fill("user:usr_1", () => a.promise);
    const second = cache.fill("user:usr_1", () => b.promise);
    await sleep(20);
    a.resolve("ada");
    b.resolve("ada");
    expect(await Promise.all([first, second])).toEqual(["ada", "ada"]);
    expect(await cache.get("user:usr_1")).toBe("ada");
  });

  it("passes a failed load through, stores nothing, and fills normally afterwards", async () => {
    const { cache } = await make({ ttlMs: 60_000 });
    await expect(
      cache.fill("project:prj_x", async () => {
        throw new Error("store down");
      }),
    ).rejects.toThrow("store down");
    expect(await cache.get("project:prj_x")).toBeUndefined();
    expect(await cache.fill("project:prj_x", async () => "loaded")).toBe("loaded");
    expect(await cache.get("project:prj_x")).toBe("loaded");
  });

  it("invalidates several keys at once and leaves the others", async () => {
    const { cache } = await make({ ttlMs: 60_000 });
    for (const key of ["member:p:a", "member:p:b", "member:p:c", "project:p"])
      await cache.fill(key, async () => key);
    await cache.invalidate(["member:p:a", "project:p", "member:p:never-cached"]);
    await cache.invalidate([]);
    expect(await cache.get("member:p:a")).toBeUndefined();
    expect(await cache.get("project:p")).toBeUndefined();
    expect(await cache.get("member:p:b")).toBe("member:p:b");
    expect(await cache.get("member:p:c")).toBe("member:p:c");
  });

  it("expires entries after the TTL", async () => {
    const { cache, elapse } = await make({ ttlMs: 150 });
    let loads = 0;
    await cache.fill("user:usr_ttl", async () => ++loads);
    await elapse(50);
    expect(await cache.fill("user:usr_ttl", async () => ++loads)).toBe(1);
    await elapse(200);
    expect(await cache.get("user:usr_ttl")).toBeUndefined();
    expect(await cache.fill("user:usr_ttl", async () => ++loads)).toBe(2);
  });
}

describe("MemoryCache", () => {
  const makeMemory = (options: { ttlMs: number; maxEntries?: number }) => {
    let offset = 0;
    const clock = { now: () => new Date(Date.UTC(2026, 0, 1) + offset) };
    const { lookups, onLookup } = counter();
    const cache = new MemoryCache({ clock, onLookup, ...options });
    return {
      cache,
      lookups,
      elapse: async (ms: number) => {
        offset += ms;
      },
    };
  };
  contract(async (options) => makeMemory(options));

  it("keeps at most maxEntries, dropping the least recently used", async () => {
    const { cache } = makeMemory({ ttlMs: 60_000, maxEntries: 3 });
    for (const key of ["user:a", "user:b", "user:c"]) await cache.fill(key, async () => key);
    await cache.get("user:a"); // a is now the most recent; b the least
    await cache.fill("user:d", async () => "user:d");
    expect(cache.size).toBe(3);
    expect(await cache.get("user:b")).toBeUndefined();
    for (const key of ["user:a", "user:c", "user:d"]) expect(await cache.get(key)).toBe(key);
  });

  it("forgets the generations of finished fills (only fills in flight hold one)", async () => {
    const { cache } = makeMemory({ ttlMs: 60_000 });
    for (let i = 0; i < 100; i++) await cache.fill(`user:${i}`, async () => (i % 2 ? i : undefined));
    await cache.fill("user:err", async () => Promise.reject(new Error("x"))).catch(() => {});
    const slow = deferred<number>();
    const filling = cache.fill("user:0", () => slow.promise);
    expect({ size: cache.size, fillsInFlight: cache.fillsInFlight }).toEqual({ size: 50, fillsInFlight: 1 });
    slow.resolve(0);
    await filling;
    expect(cache.fillsInFlight).toBe(0);
  });
});

const redisUrl = process.env.TEST_REDIS_URL;
if (!redisUrl && process.env.CI === "true") {
  throw new Error("CI=true but TEST_REDIS_URL is not set: the Redis cache tests may not be skipped in CI");
}

describe.runIf(redisUrl)("RedisCache", () => {
  const basePrefix = process.env.TEST_REDIS_PREFIX ?? "cp_test:";
  // No reconnecting: an unreachable Redis fails the suite at once rather than hanging it.
  const redis = new Redis(redisUrl!, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2_000,
  });
  redis.on("error", () => {}); // reported by the failing commands and beforeAll instead

  beforeAll(async () => {
    try {
      await redis.connect();
    } catch (error) {
      throw new Error(`Redis at TEST_REDIS_URL is unreachable: ${(error as Error).message}`);
    }
  });
  const prefixes: string[] = [];
  const newPrefix = () => {
    const prefix = `${basePrefix}cache_${randomBytes(6).toString("hex")}:`;
    prefixes.push(prefix);
    return prefix;
  };
  const makeRedis = async (options: { ttlMs: number; fillWindowMs?: number }, prefix = newPrefix()) => {
    const { lookups, onLookup } = counter();
    const elapse = async (ms: number) => void (await sleep(ms));
    return { cache: new RedisCache({ redis, prefix, onLookup, ...options }), lookups, elapse };
  };

  afterEach(async () => {
    for (const prefix of prefixes.splice(0)) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    }
  });
  afterAll(async () => {
    if (redis.status === "ready") await redis.quit();
    else redis.disconnect();
  });

  contract((options) => makeRedis(options));

  it("shares entries and invalidations between two nodes on one prefix", async () => {
    const prefix = newPrefix();
    const nodeA = (await makeRedis({ ttlMs: 60_000 }, prefix)).cache;
    const nodeB = (await makeRedis({ ttlMs: 60_000 }, prefix)).cache;
    await nodeA.fill("session:ses_1", async () => ({ revoked: false }));
    expect(await nodeB.get("session:ses_1")).toEqual({ revoked: false });
    await nodeB.invalidate(["session:ses_1"]);
    expect(await nodeA.get("session:ses_1")).toBeUndefined();

    // A fill on node A straddling node B's invalidation does not store either.
    const slow = deferred<{ revoked: boolean }>();
    const filling = nodeA.fill("session:ses_1", () => slow.promise);
    await sleep(20);
    await nodeB.invalidate(["session:ses_1"]);
    slow.resolve({ revoked: false });
    await filling;
    expect(await nodeB.get("session:ses_1")).toBeUndefined();
  });

  it("keeps nodes on different prefixes apart", async () => {
    const nodeA = (await makeRedis({ ttlMs: 60_000 })).cache;
    const other = (await makeRedis({ ttlMs: 60_000 })).cache;
    await nodeA.fill("user:usr_1", async () => "a");
    expect(await other.get("user:usr_1")).toBeUndefined();
  });

  it("does not store a load slower than the fill window (its generation expired)", async () => {
    const { cache } = await makeRedis({ ttlMs: 60_000, fillWindowMs: 50 });
    expect(
      await cache.fill("project:prj_slow", async () => {
        await sleep(150);
        return "slow";
      }),
    ).toBe("slow");
    expect(await cache.get("project:prj_slow")).toBeUndefined();
  });

  it("reads from the store when Redis fails, and fails an invalidation loudly", async () => {
    const offline = new Redis(redisUrl!, { lazyConnect: true, enableOfflineQueue: false });
    offline.on("error", () => {});
    const errors: unknown[] = [];
    const cache = new RedisCache({
      redis: offline,
      prefix: newPrefix(),
      ttlMs: 60_000,
      onError: (error) => void errors.push(error),
    });
    expect(await cache.fill("user:usr_1", async () => "from the store")).toBe("from the store");
    expect(await cache.get("user:usr_1")).toBeUndefined();
    expect(errors).toHaveLength(2);
    await expect(cache.invalidate(["user:usr_1"])).rejects.toThrow();
    offline.disconnect();
  });
});
