import { randomBytes } from "node:crypto";
import type { PresenceState } from "@codepark/protocol";
import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../../domain/ports/clock.ts";
import type { PresenceRegistry } from "../../domain/presence/registry.ts";
import { MemoryPresenceRegistry } from "./memory-registry.ts";
import { RedisPresenceRegistry } from "./redis-registry.ts";

type TestRegistry = PresenceRegistry & { heartbeat(now: Date): Promise<void> };
interface NodeOptions {
  ttlMs?: number;
  sweepBatch?: number;
}

/** One empty presence store for one test. */
interface Store {
  /** The registry node `nodeId` holds; when the store is `shared`, every node sees the same presence. */
  node(nodeId: string, options?: NodeOptions): TestRegistry;
  /** Entries left besides zeroed counters: 0 once nobody is present. */
  residue(): Promise<number>;
  close(): Promise<void>;
}

interface Target {
  /** Nodes of one store share it (Redis): the cross-node cases run. */
  shared: boolean;
  open(clock: Clock): Promise<Store>;
}

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));
const ms = (date: Date, plus: number) => new Date(date.getTime() + plus);
const ada = { userId: "usr_ada", name: "Ada" };
const bob = { userId: "usr_bob", name: "Bob" };
const TTL = 300;

const memory: Target = {
  shared: false,
  async open(clock) {
    let last: MemoryPresenceRegistry | undefined;
    return {
      node: (_nodeId, options = {}) => {
        last = new MemoryPresenceRegistry({ clock, ...(options.ttlMs ? { ttlMs: options.ttlMs } : {}) });
        return last;
      },
      residue: async () => last?.size ?? 0,
      close: async () => {},
    };
  },
};

const redisUrl = process.env.TEST_REDIS_URL || "redis://127.0.0.1:6379";
const connectRedis = async (): Promise<Redis> => {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  redis.on("error", () => {}); // connect() rejects with it
  try {
    await redis.connect();
  } catch (error) {
    throw new Error(`no Redis at ${redisUrl} (TEST_REDIS_URL): ${String(error)}`);
  }
  return redis;
};
/** Without a Redis the Redis cases are skipped on a workstation; in CI they run, and fail. */
const redisAvailable =
  process.env.CI === "true" ||
  (await connectRedis().then(
    (redis) => redis.quit().then(() => true),
    () => false,
  ));

const redis: Target = {
  shared: true,
  async open(clock) {
    const prefix = `${process.env.TEST_REDIS_PREFIX ?? "cp_test:"}presence_${randomBytes(4).toString("hex")}:`;
    const admin = await connectRedis();
    const connections: Redis[] = [admin];
    const keys = async () => {
      const found: string[] = [];
      let cursor = "0";
      do {
        const [next, batch] = await admin.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
        cursor = next;
        found.push(...batch);
      } while (cursor !== "0");
      return found;
    };
    return {
      node: (nodeId, options = {}) => {
        // A connection per node, as separate processes would have: their scripts really race.
        const connection = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
        connections.push(connection);
        return new RedisPresenceRegistry({ redis: connection, prefix, nodeId, clock, ...options });
      },
      residue: async () => {
        const left = (await keys()).filter((key) => key !== `${prefix}stats`).length;
        const counters = Object.values(await admin.hgetall(`${prefix}stats`)).filter((n) => n !== "0");
        return left + counters.length;
      },
      close: async () => {
        const found = await keys();
        if (found.length > 0) await admin.del(...found);
        await Promise.all(connections.map((connection) => connection.quit()));
      },
    };
  },
};

/** The contract every presence registry must meet. */
function contract(name: string, target: Target) {
  describe(name, () => {
    let now = at(0);
    const clock: Clock = { now: () => now };
    let store: Store;
    let opened: Store | undefined;
    beforeEach(async () => {
      now = at(0);
      opened = undefined;
      store = await target.open(clock);
      opened = store;
    });
    afterEach(async () => {
      await opened?.close();
    });

    it("merges a user's devices: online if any is online, away only when all are, offline after the last", async () => {
      const presence = store.node("n1");
      expect((await presence.join("p1", "d1", ada, at(1))).status).toBe("online");
      await presence.join("p1", "d2", ada, at(2));
      const oneAway = await presence.update("p1", "d1", { status: "away" }, at(3));
      expect(oneAway).toMatchObject({ changed: true, state: { status: "online" } });
      const bothAway = await presence.update("p1", "d2", { status: "away", fileId: "fil_1" }, at(4));
      expect(bothAway?.state).toMatchObject({
        status: "away",
        fileIds: ["fil_1"],
        lastSeen: at(4).toISOString(),
        devices: [
          { deviceId: "d1", status: "away", fileId: null },
          { deviceId: "d2", status: "away", fileId: "fil_1" },
        ],
      });
      expect((await presence.update("p1", "d2", { status: "away" }, at(5)))?.changed).toBe(false);
      expect((await presence.update("p1", "d2", { fileId: null }, at(5)))?.state.fileIds).toEqual([]);
      expect((await presence.leave("p1", "d1", at(6)))?.status).toBe("away");
      expect(await presence.leave("p1", "d2", at(7))).toEqual({
        projectId: "p1",
        userId: "usr_ada",
        name: "Ada",
        status: "offline",
        lastSeen: at(7).toISOString(),
        fileIds: [],
        devices: [],
      });
      expect(await presence.list("p1")).toEqual([]);
    });

    it("keeps projects apart and cleans a device out of all of them at once", async () => {
      const presence = store.node("n1");
      await presence.join("p1", "d1", ada, at(1));
      await presence.join("p2", "d1", ada, at(1));
      await presence.join("p1", "d9", bob, at(1));
      await presence.update("p2", "d1", { fileId: "fil_2" }, at(2));
      expect((await presence.list("p1")).map((s) => [s.userId, s.fileIds])).toEqual([
        ["usr_ada", []],
        ["usr_bob", []],
      ]);
      expect(await presence.stats()).toEqual({ online: 3, away: 0, devices: 3 });
      const left = await presence.leaveAll("d1", at(3));
      expect(left.map((s) => [s.projectId, s.status]).sort()).toEqual([
        ["p1", "offline"],
        ["p2", "offline"],
      ]);
      expect(await presence.leaveAll("d1", at(3))).toEqual([]);
      expect(await presence.update("p1", "d1", { status: "away" }, at(4))).toBeNull();
      expect(await presence.leave("p1", "d1", at(4))).toBeNull();
      expect((await presence.list("p1")).map((s) => s.userId)).toEqual(["usr_bob"]);
      expect(await presence.stats()).toEqual({ online: 1, away: 0, devices: 1 });
    });

    it("leaveAll takes out only that device: the user's other devices stay", async () => {
      const presence = store.node("n1");
      await presence.join("p1", "d1", ada, at(1));
      await presence.join("p1", "d2", ada, at(2));
      await presence.update("p1", "d2", { status: "away", fileId: "fil_2" }, at(3));
      const [left] = await presence.leaveAll("d1", at(4));
      expect(left).toMatchObject({ status: "away", fileIds: ["fil_2"], devices: [{ deviceId: "d2" }] });
      expect(await presence.list("p1")).toEqual([{ ...left!, lastSeen: at(3).toISOString() }]);
      expect(await presence.stats()).toEqual({ online: 0, away: 1, devices: 1 });
    });

    it("joining twice is one device", async () => {
      const presence = store.node("n1");
      await presence.join("p1", "d1", ada, at(1));
      const again = await presence.join("p1", "d1", { ...ada, name: "Ada L." }, at(2));
      expect(again.devices).toHaveLength(1);
      expect(again.name).toBe("Ada L.");
      expect(await presence.stats()).toEqual({ online: 1, away: 0, devices: 1 });
    });

    it("holds nothing once every device has gone, whatever happened before", async () => {
      const presence = store.node("n1");
      let seed = 7;
      const random = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % n;
      };
      const users = [ada, bob, { userId: "usr_cy", name: "Cy" }];
      for (let step = 0; step < 2000; step++) {
        const device = `d${random(12)}`;
        const project = `p${random(4)}`;
        const user = users[Number(device.slice(1)) % users.length]!;
        const roll = random(10);
        if (roll < 4) await presence.join(project, device, user, at(step));
        else if (roll < 7)
          await presence.update(project, device, { status: roll === 5 ? "away" : "online" }, at(step));
        else if (roll < 9) await presence.leave(project, device, at(step));
        else await presence.leaveAll(device, at(step));
      }
      for (let device = 0; device < 12; device++) await presence.leaveAll(`d${device}`, at(3000));
      expect(await presence.stats()).toEqual({ online: 0, away: 0, devices: 0 });
      for (let project = 0; project < 4; project++) expect(await presence.list(`p${project}`)).toEqual([]);
      expect(await store.residue()).toBe(0);
    });

    it("a device not kept alive stops counting after the TTL; one sweep removes it and reports its user", async () => {
      const presence = store.node("n1", { ttlMs: TTL });
      const t0 = at(10);
      now = t0;
      await presence.join("p1", "d1", ada, t0);
      await presence.join("p1", "d2", bob, ms(t0, 50));
      now = ms(t0, 200);
      await presence.join("p1", "d3", ada, now); // ada has a device that stays live
      await presence.join("p2", "d4", ada, now);
      now = ms(t0, 320); // d1 (t0 + 300) expired; d2 (t0 + 350) not yet
      expect(await presence.list("p1")).toMatchObject([
        { userId: "usr_ada", devices: [{ deviceId: "d3" }] },
        { userId: "usr_bob", devices: [{ deviceId: "d2" }] },
      ]);
      expect(await presence.stats()).toEqual({ online: 3, away: 0, devices: 3 });
      now = ms(t0, 400); // d2 expired too
      expect((await presence.list("p1")).map((s) => s.userId)).toEqual(["usr_ada"]);
      expect(await presence.stats()).toEqual({ online: 2, away: 0, devices: 2 });

      const swept = await presence.sweep(now);
      expect(swept.map((s) => [s.projectId, s.userId, s.status, s.devices.length]).sort()).toEqual([
        ["p1", "usr_ada", "online", 1],
        ["p1", "usr_bob", "offline", 0],
      ]);
      expect(swept.find((s) => s.userId === "usr_bob")?.lastSeen).toBe(now.toISOString());
      expect(await presence.sweep(now)).toEqual([]);
      expect(await presence.stats()).toEqual({ online: 2, away: 0, devices: 2 });
      expect(await presence.leave("p1", "d2", now)).toBeNull(); // swept is gone

      // The heartbeat keeps the rest alive past their TTL.
      now = ms(t0, 450);
      await presence.heartbeat(now);
      now = ms(t0, 700);
      expect(await presence.sweep(now)).toEqual([]);
      expect((await presence.list("p1")).map((s) => s.userId)).toEqual(["usr_ada"]);
      await presence.leaveAll("d3", now);
      await presence.leaveAll("d4", now);
      expect(await store.residue()).toBe(0);
    });

    if (!target.shared) return;

    it("nodes sharing the store see each other's devices, merged per user", async () => {
      const a = store.node("node-a");
      const b = store.node("node-b");
      await a.join("p1", "d1", ada, at(1));
      await b.join("p1", "d2", bob, at(2));
      const both = await b.join("p1", "d3", ada, at(3));
      expect(both.devices.map((d) => d.deviceId)).toEqual(["d1", "d3"]);
      for (const node of [a, b]) {
        expect((await node.list("p1")).map((s) => [s.userId, s.devices.map((d) => d.deviceId)])).toEqual([
          ["usr_ada", ["d1", "d3"]],
          ["usr_bob", ["d2"]],
        ]);
        expect(await node.stats()).toEqual({ online: 2, away: 0, devices: 3 });
      }
      expect(await b.update("p1", "d3", { status: "away" }, at(4))).toMatchObject({
        changed: true,
        state: { status: "online" },
      });
      const left = await a.leaveAll("d1", at(5));
      expect(left).toMatchObject([{ userId: "usr_ada", status: "away", devices: [{ deviceId: "d3" }] }]);
      expect(await b.list("p1")).toMatchObject([
        { userId: "usr_ada", status: "away", devices: [{ deviceId: "d3" }] },
        { userId: "usr_bob", status: "online" },
      ]);
      expect(await a.stats()).toEqual({ online: 1, away: 1, devices: 2 });
    });

    it("a node that stops heartbeating disappears after the TTL, and concurrent sweeps report each change once", async () => {
      const t0 = at(20);
      now = t0;
      const a = store.node("node-a", { ttlMs: TTL });
      const dead = store.node("node-dead", { ttlMs: TTL });
      const c = store.node("node-c", { ttlMs: TTL });
      await a.join("p1", "d1", ada, t0);
      await dead.join("p1", "d2", bob, t0);
      await dead.join("p2", "d2", bob, t0);
      await dead.join("p1", "d3", ada, t0);
      await dead.update("p1", "d3", { fileId: "fil_9" }, t0);
      now = ms(t0, 200);
      await a.heartbeat(now); // node-dead was killed: no more heartbeats
      now = ms(t0, TTL + 1);
      for (const node of [a, c]) {
        expect((await node.list("p1")).map((s) => [s.userId, s.fileIds, s.devices.length])).toEqual([
          ["usr_ada", [], 1],
        ]);
        expect(await node.list("p2")).toEqual([]);
        expect(await node.stats()).toEqual({ online: 1, away: 0, devices: 1 });
      }

      const reports = (await Promise.all([a.sweep(now), c.sweep(now), a.sweep(now), c.sweep(now)])).flat();
      expect(reports.map((s) => [s.projectId, s.userId, s.status, s.devices.length]).sort()).toEqual([
        ["p1", "usr_ada", "online", 1],
        ["p1", "usr_bob", "offline", 0],
        ["p2", "usr_bob", "offline", 0],
      ]);
      expect([...(await a.sweep(now)), ...(await c.sweep(now))]).toEqual([]);
      expect(await c.stats()).toEqual({ online: 1, away: 0, devices: 1 });
      await a.leaveAll("d1", now);
      expect(await store.residue()).toBe(0);
    });

    it("many expired devices swept by several nodes in small batches: every user reported exactly once", async () => {
      const t0 = at(30);
      now = t0;
      const dead = store.node("node-dead", { ttlMs: TTL });
      const expected: string[] = [];
      for (let user = 0; user < 20; user++) {
        for (let device = 0; device < 3; device++) {
          const projectId = `p${(user + device) % 3}`;
          await dead.join(projectId, `d${user}_${device}`, { userId: `usr_${user}`, name: `U${user}` }, t0);
          const key = `${projectId} usr_${user}`;
          if (!expected.includes(key)) expected.push(key);
        }
      }
      now = ms(t0, TTL);
      const sweepers = ["a", "b", "c"].map((id) => store.node(`node-${id}`, { ttlMs: TTL, sweepBatch: 4 }));
      const reports = (await Promise.all(sweepers.map((node) => node.sweep(now)))).flat();
      expect(reports.every((state: PresenceState) => state.status === "offline")).toBe(true);
      expect(reports.map((s) => `${s.projectId} ${s.userId}`).sort()).toEqual(expected.sort());
      expect(await sweepers[0]!.stats()).toEqual({ online: 0, away: 0, devices: 0 });
      expect(await store.residue()).toBe(0);
    });
  });
}

/** Polls until `check` passes; its last failure after a few seconds. */
async function eventually(check: () => Promise<void>, deadlineMs = 5_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

contract("MemoryPresenceRegistry", memory);
if (redisAvailable) {
  contract("RedisPresenceRegistry", redis);

  describe("RedisPresenceRegistry on the system clock", () => {
    it("start() keeps this node's devices alive; after stop() they expire and are swept", async () => {
      const prefix = `${process.env.TEST_REDIS_PREFIX ?? "cp_test:"}presence_${randomBytes(4).toString("hex")}:`;
      const connection = await connectRedis();
      const presence = new RedisPresenceRegistry({
        redis: connection,
        prefix,
        nodeId: "node-a",
        ttlMs: 300,
        heartbeatMs: 20,
      });
      const expiry = async () => Number(await connection.zscore(`${prefix}exp`, "d1"));
      try {
        await presence.join("p1", "d1", ada, new Date());
        const joined = await expiry();
        presence.start();
        await eventually(async () => expect(await expiry()).toBeGreaterThan(joined));
        presence.stop();
        await eventually(async () => expect(await presence.list("p1")).toEqual([]));
        expect(await presence.stats()).toEqual({ online: 0, away: 0, devices: 0 });
        expect(await presence.sweep(new Date())).toMatchObject([{ userId: "usr_ada", status: "offline" }]);
        expect(await connection.keys(`${prefix}*`)).toEqual([`${prefix}stats`]);
        expect(connection.status).toBe("ready"); // shared: the registry never closes it
      } finally {
        presence.stop();
        const keys = await connection.keys(`${prefix}*`);
        if (keys.length > 0) await connection.del(...keys);
        await connection.quit();
      }
    });
  });
} else
  describe.skip(`RedisPresenceRegistry: no Redis at ${redisUrl} (with CI=true this fails instead)`, () => {
    it("the contract", () => {});
  });
