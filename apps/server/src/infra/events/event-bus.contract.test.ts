import type { DomainEvent } from "@codepark/protocol";
import { testRedisPrefix, testRedisUrl } from "@codepark/testing";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import type { LoggedEvent } from "../../domain/events/since.ts";
import type { EventBus } from "../../domain/ports/event-bus.ts";
import { systemClock } from "../clock.ts";
import { openRedis } from "../redis/connection.ts";
import { LocalEventBus } from "./local-bus.ts";
import { RedisEventBus } from "./redis-bus.ts";

/**
 * Two handles on one bus, as two server nodes would hold them over a shared medium (for the
 * in-process bus both are the same instance). `make` resolves once both nodes receive.
 */
interface BusUnderTest {
  nodeA: EventBus;
  nodeB: EventBus;
  close(): Promise<void>;
}
type OnError = (error: unknown, event: DomainEvent) => void;

/** Waits until `check` passes (delivery may be asynchronous); its last failure otherwise. */
async function eventually(check: () => void, deadlineMs = 3_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/** A subscription that records what it got. */
function listen(bus: EventBus, onEvent: (event: DomainEvent) => void = () => {}) {
  const got: DomainEvent[] = [];
  const unsubscribe = bus.subscribe((event) => {
    got.push(event);
    onEvent(event);
  });
  return { got, unsubscribe };
}

const fileDeleted = (n: number, actorId: string | null = "usr_a"): DomainEvent => ({
  type: "file.deleted",
  actorId,
  data: { projectId: "prj_1", fileId: `fil_${n}`, path: `src/${n}.ts` },
});

let barriers = 0;
/**
 * Publishes a marker from `from` and waits until every listener has it: events the same publisher
 * published before it have arrived too (publish order), so counting afterwards is exact.
 */
async function barrier(from: EventBus, ...listeners: { got: DomainEvent[] }[]): Promise<void> {
  const webhookId = `barrier_${++barriers}`;
  from.publish({ type: "webhook.test", actorId: null, data: { webhookId } });
  const arrived = (got: DomainEvent[]) =>
    got.some((event) => event.type === "webhook.test" && event.data.webhookId === webhookId);
  await eventually(() => {
    for (const listener of listeners) expect(arrived(listener.got)).toBe(true);
  });
}

/** Everything but barrier markers. */
const real = (got: DomainEvent[]) =>
  got.filter((event) => !(event.type === "webhook.test" && event.data.webhookId.startsWith("barrier_")));

/** What every event bus (in-process now, one spanning nodes later) must guarantee. */
function eventBusContract(make: (onError: OnError) => Promise<BusUnderTest>) {
  let current: BusUnderTest | undefined;
  let errors: { error: unknown; event: DomainEvent }[] = [];
  const open = async () => {
    errors = [];
    current = await make((error, event) => errors.push({ error, event }));
    return current;
  };
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });

  it("every subscriber, on either node, gets each event exactly once", async () => {
    const { nodeA, nodeB } = await open();
    const listeners = [listen(nodeA), listen(nodeA), listen(nodeB), listen(nodeB)];
    const published = [fileDeleted(1), fileDeleted(2), fileDeleted(3)];
    for (const event of published) nodeA.publish(event);
    nodeB.publish(fileDeleted(4));

    await barrier(nodeA, ...listeners);
    await barrier(nodeB, ...listeners);
    const expected = [...published, fileDeleted(4)];
    const key = (event: DomainEvent) => JSON.stringify(event);
    for (const listener of listeners) {
      expect(real(listener.got).map(key).sort()).toEqual(expected.map(key).sort());
    }
  });

  it("delivers one publisher's events in publish order, publishers interleaved", async () => {
    const { nodeA, nodeB } = await open();
    const listeners = [listen(nodeA), listen(nodeB)];
    for (let n = 0; n < 100; n++)
      (n % 3 === 0 ? nodeB : nodeA).publish(fileDeleted(n, n % 3 === 0 ? "b" : "a"));

    await barrier(nodeA, ...listeners);
    await barrier(nodeB, ...listeners);
    const numbers = (got: DomainEvent[], actorId: string) =>
      real(got)
        .filter((event) => event.actorId === actorId)
        .map((event) => (event.type === "file.deleted" ? Number(event.data.fileId.slice(4)) : -1));
    for (const listener of listeners) {
      expect(numbers(listener.got, "a")).toEqual([...Array(100).keys()].filter((n) => n % 3 !== 0));
      expect(numbers(listener.got, "b")).toEqual([...Array(100).keys()].filter((n) => n % 3 === 0));
    }
  });

  it("a throwing handler stops neither the others nor the publisher, and is reported", async () => {
    const { nodeA, nodeB } = await open();
    const failure = new Error("handler broke");
    const before = listen(nodeB);
    const thrower = listen(nodeB, (event) => {
      if (event.type === "file.deleted") throw failure;
    });
    const after = listen(nodeB);
    const local = listen(nodeA);

    expect(() => nodeA.publish(fileDeleted(1))).not.toThrow();
    nodeA.publish(fileDeleted(2));

    await barrier(nodeA, before, thrower, after, local);
    for (const listener of [before, thrower, after, local]) {
      expect(real(listener.got)).toEqual([fileDeleted(1), fileDeleted(2)]);
    }
    await eventually(() => expect(errors).toHaveLength(2));
    expect(errors).toEqual([
      { error: failure, event: fileDeleted(1) },
      { error: failure, event: fileDeleted(2) },
    ]);
  });

  it("unsubscribing stops delivery to that subscription only, and doing it again changes nothing", async () => {
    const { nodeA, nodeB } = await open();
    const leaving = listen(nodeB);
    const staying = listen(nodeB);
    nodeA.publish(fileDeleted(1));
    await barrier(nodeA, leaving, staying);

    leaving.unsubscribe();
    leaving.unsubscribe();
    const count = leaving.got.length;
    nodeA.publish(fileDeleted(2));
    await barrier(nodeA, staying);
    leaving.unsubscribe();
    nodeA.publish(fileDeleted(3));
    await barrier(nodeA, staying);

    expect(leaving.got).toHaveLength(count);
    expect(real(leaving.got)).toEqual([fileDeleted(1)]);
    expect(real(staying.got)).toEqual([fileDeleted(1), fileDeleted(2), fileDeleted(3)]);
  });

  it("the same function subscribed twice is two subscriptions, ended one at a time", async () => {
    const { nodeA, nodeB } = await open();
    const got: DomainEvent[] = [];
    const handler = (event: DomainEvent) => void got.push(event);
    const first = nodeB.subscribe(handler);
    const second = nodeB.subscribe(handler);
    const witness = listen(nodeB);

    nodeA.publish(fileDeleted(1));
    await barrier(nodeA, witness);
    first();
    first();
    nodeA.publish(fileDeleted(2));
    await barrier(nodeA, witness);
    second();
    nodeA.publish(fileDeleted(3));
    await barrier(nodeA, witness);

    expect(real(got)).toEqual([fileDeleted(1), fileDeleted(1), fileDeleted(2)]);
  });

  it("publishing with no subscribers is fine", async () => {
    const { nodeA, nodeB } = await open();
    expect(() => nodeA.publish(fileDeleted(1))).not.toThrow();
    expect(() => nodeB.publish(fileDeleted(2))).not.toThrow();

    const witness = listen(nodeB);
    nodeA.publish(fileDeleted(3));
    await barrier(nodeA, witness);
    expect(real(witness.got)).toContainEqual(fileDeleted(3));
    expect(errors).toEqual([]);
  });

  it("a new subscriber gets what is published from then on, none of what was delivered before", async () => {
    const { nodeA, nodeB } = await open();
    const early = listen(nodeB);
    nodeA.publish(fileDeleted(1));
    await barrier(nodeA, early);

    const late = listen(nodeB);
    nodeA.publish(fileDeleted(2));
    await barrier(nodeA, early, late);
    expect(real(early.got)).toEqual([fileDeleted(1), fileDeleted(2)]);
    expect(real(late.got)).toEqual([fileDeleted(2)]);
  });

  it("a handler may publish: the follow-up reaches every subscriber too", async () => {
    const { nodeA, nodeB } = await open();
    const reacting = listen(nodeB, (event) => {
      if (event.type === "member.removed") nodeB.publish(fileDeleted(9));
    });
    const other = listen(nodeA);
    nodeA.publish({
      type: "member.removed",
      actorId: "usr_a",
      data: { projectId: "prj_1", userId: "usr_b" },
    });

    await eventually(() => {
      for (const listener of [reacting, other]) {
        expect(listener.got.map((event) => event.type).sort()).toEqual(["file.deleted", "member.removed"]);
      }
    });
    await barrier(nodeA, reacting, other);
    await barrier(nodeB, reacting, other);
    expect(real(other.got)).toHaveLength(2);
  });

  it("delivers the payload intact: nested objects, arrays, nulls, non-ASCII text, ISO dates as strings", async () => {
    const { nodeA, nodeB } = await open();
    const listener = listen(nodeB);
    const events: DomainEvent[] = [
      {
        type: "project.updated",
        actorId: "usr_ada",
        data: {
          projectId: "prj_1",
          changedFields: ["name", "description"],
          project: {
            id: "prj_1",
            name: "Ünïcödé — 日本語 🚀",
            description: 'quotes " and \\ backslashes\nand newlines',
            visibility: "public",
            createdAt: "2026-01-02T03:04:05.678Z",
            updatedAt: "2026-11-22T00:53:05.123Z",
          },
        },
      },
      {
        type: "message.created",
        actorId: null,
        data: {
          conversationId: "cnv_1",
          projectId: null,
          message: {
            id: "msg_1",
            conversationId: "cnv_1",
            seq: 42,
            authorId: null,
            body: "@grace look at line 42 ✨",
            mentions: ["usr_grace", "usr_bob"],
            createdAt: "2026-11-22T00:53:05.123Z",
          },
        },
      },
      {
        type: "member.role_changed",
        actorId: "usr_ada",
        data: { projectId: "prj_1", userId: "usr_bob", role: "viewer", previousRole: "editor" },
      },
      {
        type: "version.created",
        actorId: "usr_ada",
        data: {
          projectId: "prj_1",
          fileId: "fil_1",
          version: {
            id: "ver_1",
            fileId: "fil_1",
            name: null,
            kind: "auto",
            size: 0,
            createdAt: "2026-11-22T00:00:00.000Z",
          },
        },
      },
    ];
    const sent = structuredClone(events);
    for (const event of events) nodeA.publish(event);

    await barrier(nodeA, listener);
    expect(real(listener.got)).toEqual(sent);
    const [updated, created] = real(listener.got);
    expect(updated?.type === "project.updated" && typeof updated.data.project.createdAt).toBe("string");
    expect(created?.type === "message.created" && typeof created.data.message.createdAt).toBe("string");
  });
}

describe("event bus contract: LocalEventBus (one process: both nodes are the same bus)", () => {
  eventBusContract(async (onError) => {
    const bus = new LocalEventBus(onError);
    return { nodeA: bus, nodeB: bus, close: async () => {} };
  });
});

const redisUrl = testRedisUrl();

/** Two nodes' buses on one Redis prefix, each with its own connections; the log is shared memory. */
async function redisNodes(onError: OnError, log: LoggedEvent[] = []) {
  const prefix = testRedisPrefix("bus");
  const open = async (nodeId: string) => {
    const connections = await openRedis({ url: redisUrl!, prefix, name: `${prefix}${nodeId}` });
    const bus = new RedisEventBus({
      publisher: connections.commands,
      channels: connections.channels,
      channel: `${prefix}events`,
      nodeId,
      clock: systemClock,
      eventsSince: async (since) => log.filter((entry) => (entryTimes.get(entry.id) ?? 0) >= since.getTime()),
      onError: (error) => {
        throw error;
      },
      onHandlerError: onError,
    });
    await bus.start();
    return { bus, connections };
  };
  const entryTimes = new Map<string, number>();
  const [a, b] = [await open("a"), await open("b")];
  let logged = 0;
  /** Publishes as transact() does: the event is in the log first, then on the bus with its id. */
  const publishLogged = (from: RedisEventBus, event: DomainEvent) => {
    const id = `evt_${++logged}`;
    entryTimes.set(id, Date.now());
    log.push({ id, event });
    from.publish(event, id);
  };
  return {
    a,
    b,
    prefixOf: prefix,
    publishLogged,
    close: async () => {
      for (const node of [a, b]) {
        await node.bus.stop();
        await node.connections.close();
      }
    },
  };
}

describe.skipIf(!redisUrl)("event bus contract: RedisEventBus (two nodes on one Redis prefix)", () => {
  eventBusContract(async (onError) => {
    const { a, b, close } = await redisNodes(onError);
    return { nodeA: a.bus, nodeB: b.bus, close };
  });
});

describe.skipIf(!redisUrl)("RedisEventBus: nothing lost when Redis drops a node's connection", () => {
  it("events published while B's subscriber was cut off reach B from the log after it reconnects, each once", async () => {
    const errors: unknown[] = [];
    const nodes = await redisNodes((error) => errors.push(error));
    const admin = new Redis(redisUrl!);
    try {
      const onB = listen(nodes.b.bus);
      nodes.publishLogged(nodes.a.bus, fileDeleted(1));
      await eventually(() => expect(real(onB.got)).toHaveLength(1));

      // Cut B's subscriber the way a Redis blip or an overflowing output buffer would.
      const clients = (await admin.client("LIST")) as string;
      const subscriberOfB = clients
        .split("\n")
        .find(
          (line) => line.includes(`name=`) && line.includes("b:subscriber") && line.includes(nodes.prefixOf),
        );
      expect(subscriberOfB).toBeDefined();
      const id = /\bid=(\d+)/.exec(subscriberOfB!)![1]!;
      await admin.client("KILL", "ID", id);
      // Published while B is away: pub/sub drops these for B.
      for (let n = 2; n <= 6; n++) nodes.publishLogged(nodes.a.bus, fileDeleted(n));

      await eventually(() => expect(real(onB.got)).toHaveLength(6), 10_000);
      // And after the repair, live delivery works again, with nothing twice.
      nodes.publishLogged(nodes.a.bus, fileDeleted(7));
      await barrier(nodes.a.bus, onB);
      expect(real(onB.got)).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => fileDeleted(n)));
      expect(errors).toEqual([]);
    } finally {
      admin.disconnect();
      await nodes.close();
    }
  });
});
