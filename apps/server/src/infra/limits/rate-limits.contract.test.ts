import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RateLimits } from "../../domain/ports/rate-limits.ts";
import { memoryRateLimits, redisRateLimits } from "./rate-limits.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const unique = () => `t${randomBytes(4).toString("hex")}`;

/** The contract every RateLimits (memory, Redis) must meet. Windows are real seconds: kept short. */
function contract(make: () => RateLimits) {
  it("counts to the limit, then refuses, saying how much is left and when the window ends", async () => {
    const window = make().window(unique(), { points: 3, durationSeconds: 60 });
    const states = [];
    for (let i = 0; i < 4; i++) states.push(await window.hit("ip:1"));
    expect(states.map((state) => [state.allowed, state.consumed, state.remaining])).toEqual([
      [true, 1, 2],
      [true, 2, 1],
      [true, 3, 0],
      [false, 4, 0],
    ]);
    for (const state of states) {
      expect(state.resetMs).toBeGreaterThan(55_000);
      expect(state.resetMs).toBeLessThanOrEqual(60_000);
    }
    // Another key, and another window with the same key, count on their own.
    expect((await window.hit("ip:2")).consumed).toBe(1);
    expect((await make().window(unique(), { points: 3, durationSeconds: 60 }).hit("ip:1")).consumed).toBe(1);
  });

  it("starts a new window once the duration has passed", async () => {
    const window = make().window(unique(), { points: 1, durationSeconds: 1 });
    expect((await window.hit("k")).allowed).toBe(true);
    expect((await window.hit("k")).allowed).toBe(false);
    await sleep(1_100);
    expect(await window.peek("k")).toBeNull();
    expect(await window.hit("k")).toMatchObject({ allowed: true, consumed: 1 });
  });

  it("peeks without counting: null for a key with nothing counted", async () => {
    const window = make().window(unique(), { points: 2, durationSeconds: 60 });
    expect(await window.peek("k")).toBeNull();
    await window.hit("k");
    expect(await window.peek("k")).toMatchObject({ allowed: true, consumed: 1, remaining: 1 });
    expect(await window.peek("k")).toMatchObject({ consumed: 1 });
    await window.hit("k");
    expect(await window.peek("k")).toMatchObject({ allowed: false, consumed: 2, remaining: 0 });
  });

  it("blocks a key for the seconds given, counted or not, then lets it go", async () => {
    const window = make().window(unique(), { points: 5, durationSeconds: 60 });
    await window.block("k", 1);
    const blocked = await window.peek("k");
    expect(blocked?.allowed).toBe(false);
    expect(blocked!.resetMs).toBeGreaterThan(500);
    expect(blocked!.resetMs).toBeLessThanOrEqual(1_000);
    expect((await window.hit("k")).allowed).toBe(false);
    await sleep(1_100);
    expect(await window.peek("k")).toBeNull();
    expect((await window.hit("k")).allowed).toBe(true);
  });

  it("forgets a key on reset", async () => {
    const window = make().window(unique(), { points: 1, durationSeconds: 60 });
    await window.hit("k");
    await window.hit("k");
    await window.reset("k");
    expect(await window.peek("k")).toBeNull();
    expect((await window.hit("k")).allowed).toBe(true);
  });
}

describe("memoryRateLimits", () => {
  contract(() => memoryRateLimits());
  it("is not shared", () => expect(memoryRateLimits().shared).toBe(false));
});

const redisUrl = process.env.TEST_REDIS_URL;
if (!redisUrl && process.env.CI === "true") {
  throw new Error(
    "CI=true but TEST_REDIS_URL is not set: the Redis rate-limit tests may not be skipped in CI",
  );
}

describe.runIf(redisUrl)("redisRateLimits", () => {
  const prefix = `${process.env.TEST_REDIS_PREFIX ?? "cp_test:"}rl_${unique()}:`;
  const redis = new Redis(redisUrl!, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on("error", () => {});

  beforeAll(async () => {
    await redis.connect();
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  contract(() => redisRateLimits(redis, prefix));

  it("is shared: two nodes' limiters count into the same window", async () => {
    const name = unique();
    const nodeA = redisRateLimits(redis, prefix).window(name, { points: 2, durationSeconds: 60 });
    const nodeB = redisRateLimits(redis, prefix).window(name, { points: 2, durationSeconds: 60 });
    await nodeA.hit("user:1");
    await nodeB.hit("user:1");
    expect((await nodeA.hit("user:1")).allowed).toBe(false);
    expect(await redis.keys(`${prefix}rl:${name}*`)).toHaveLength(1);
  });

  it("counts in memory while Redis does not answer: neither refusing everyone nor unlimited", async () => {
    // A client whose Redis is gone (closed port, never ready): every call goes to the insurance limiter.
    const gone = new Redis("redis://127.0.0.1:1", {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    gone.on("error", () => {});
    const window = redisRateLimits(gone, prefix).window(unique(), { points: 2, durationSeconds: 60 });
    const allowed = [];
    for (let i = 0; i < 3; i++) allowed.push((await window.hit("ip:9")).allowed);
    expect(allowed).toEqual([true, true, false]);
    gone.disconnect();
  });
});
