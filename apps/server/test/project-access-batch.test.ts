import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Cache } from "../src/domain/ports/cache.ts";
import type { Database } from "../src/domain/ports/database.ts";
import { cachedProjectsAccess, memberKeys } from "../src/domain/projects/access-cache.ts";
import { MemoryCache } from "../src/infra/cache/memory-cache.ts";
import { RedisCache } from "../src/infra/cache/redis-cache.ts";
import { systemClock } from "../src/infra/clock.ts";
import { openDatabase } from "../src/infra/db/database.ts";

const redisUrl = process.env.TEST_REDIS_URL;
if (!redisUrl && process.env.CI === "true") {
  throw new Error("CI=true but TEST_REDIS_URL is not set: the Redis case may not be skipped in CI");
}

/**
 * The project policy's batched read (GraphQL's loaders) through each cache: the misses of a batch
 * cost one query per family whatever their number, hits none, and an invalidated key is read again.
 * Real PGlite (statements counted by its observer), the in-process cache and a real Redis.
 */
describe("batched project access through the cache", () => {
  let database: Database;
  const statements: string[] = [];
  const redis = redisUrl ? new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 }) : null;
  const prefix = `${process.env.TEST_REDIS_PREFIX ?? "cp_test:"}access_${randomBytes(6).toString("hex")}:`;

  beforeAll(async () => {
    database = await openDatabase({ kind: "pglite", observe: (text) => void statements.push(text) });
    await database.db.execute(sql`
      INSERT INTO users (id, email, name, password_hash, role, created_at, updated_at)
      VALUES ('u1', 'u1@example.com', 'U1', 'x', 'user', now(), now())`);
    for (const id of ["p1", "p2", "p3"]) {
      await database.db.execute(sql`
        INSERT INTO projects (id, name, description, visibility, created_at, updated_at)
        VALUES (${id}, ${id}, '', 'private', now(), now())`);
    }
    await database.db.execute(sql`
      INSERT INTO project_members (project_id, user_id, role, created_at)
      VALUES ('p1', 'u1', 'owner', now()), ('p2', 'u1', 'viewer', now())`);
    await redis?.connect();
  });
  afterAll(async () => {
    await database.close();
    if (redis) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    }
  });

  const caches: [string, () => Cache][] = [
    ["in-process cache", () => new MemoryCache({ clock: systemClock, ttlMs: 60_000 })],
    ...(redis
      ? ([
          [
            "Redis cache",
            () =>
              new RedisCache({ redis, prefix: `${prefix}${randomBytes(3).toString("hex")}:`, ttlMs: 60_000 }),
          ],
        ] as [string, () => Cache][])
      : []),
  ];

  it.each(caches)(
    "%s: one query per family for the misses, none for hits, a fresh read after invalidation",
    async (_name, make) => {
      const ctx = { db: database.db, clock: systemClock, cache: make() };
      const roles = async (ids: string[]) => {
        const found = await cachedProjectsAccess(ctx, "u1", ids);
        return Object.fromEntries([...found].map(([id, access]) => [id, access.memberRole]));
      };

      statements.length = 0;
      // A repeated id and one that does not exist: each project once, the missing one left out.
      expect(await roles(["p1", "p2", "p3", "p1", "nope"])).toEqual({ p1: "owner", p2: "viewer", p3: null });
      expect(statements).toHaveLength(2);

      statements.length = 0;
      expect(await roles(["p3", "p2", "p1"])).toEqual({ p1: "owner", p2: "viewer", p3: null });
      // Only the unknown project is asked for again (absence is not cached).
      expect(await roles(["p1", "nope"])).toEqual({ p1: "owner" });
      expect(statements).toHaveLength(1);

      await database.db.execute(sql`UPDATE project_members SET role = 'editor' WHERE project_id = 'p2'`);
      await ctx.cache.invalidate(memberKeys("p2", "u1"));
      statements.length = 0;
      expect(await roles(["p1", "p2", "p3"])).toEqual({ p1: "owner", p2: "editor", p3: null });
      expect(statements).toHaveLength(1);
      await database.db.execute(sql`UPDATE project_members SET role = 'viewer' WHERE project_id = 'p2'`);
    },
  );
});
