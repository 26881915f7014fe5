import type { DomainEvent } from "@codepark/protocol";
import { createTestDatabase, testStores, waitFor } from "@codepark/testing";
import { count } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import type { EventConsumer } from "../src/domain/events/dispatch.ts";
import { EventDispatcher, type EventDispatcherOptions } from "../src/domain/events/dispatcher.ts";
import { recordEvents } from "../src/domain/events/outbox.ts";
import { eventOutbox } from "../src/domain/events/schema.ts";
import type { Database } from "../src/domain/ports/database.ts";
import { openDatabase } from "../src/infra/db/database.ts";

const clock = { now: () => new Date() };
const quiet = { error: () => {}, warn: () => {} };

/**
 * The event dispatcher on a real store, without the rest of the server: events recorded as commands
 * record them (in the change's transaction), consumers that tally what they are handed.
 */
describe.each(testStores())("event dispatch on %s", (store) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  /** Claim statements sent (one per dispatch pass). */
  let claims = 0;
  const observe = (text: string) => {
    if (text.includes("WITH claimed")) claims += 1;
  };

  /** A fresh store; on PostgreSQL `nodes` pools on one database, as separate server processes have. */
  async function openStore(nodes = 1): Promise<Database[]> {
    if (store === "pglite") {
      const database = await openDatabase({ kind: "pglite", observe });
      cleanups.push(() => database.close());
      return [database];
    }
    const testDb = await createTestDatabase();
    cleanups.push(testDb.drop);
    const databases: Database[] = [];
    for (let node = 0; node < nodes; node++) {
      const database = await openDatabase({ kind: "postgres", url: testDb.url, poolSize: 4, observe });
      cleanups.push(() => database.close());
      databases.push(database);
    }
    return databases;
  }

  function dispatcher(
    database: Database,
    consumers: EventConsumer[],
    options: Partial<EventDispatcherOptions> = {},
  ) {
    const started = new EventDispatcher({
      db: database.db,
      clock,
      consumers,
      pollIntervalMs: null,
      retryDelayMs: () => 50,
      log: quiet,
      ...options,
    });
    cleanups.push(() => started.stop());
    return started;
  }

  /** `n` events in transactions of `perTransaction`; their data names them. */
  async function record(database: Database, n: number, perTransaction = 10, from = 0): Promise<string[]> {
    const names: string[] = [];
    for (let first = from; first < from + n; first += perTransaction) {
      const emitted = Array.from({ length: Math.min(perTransaction, from + n - first) }, (_, i) => {
        const projectId = `prj_${first + i}`;
        names.push(projectId);
        return {
          event: { type: "project.deleted", actorId: null, data: { projectId } } as DomainEvent,
          audience: null,
        };
      });
      await database.db.transaction((tx) => recordEvents(tx, clock, emitted));
    }
    return names;
  }

  const tally =
    (into: string[]): EventConsumer =>
    async (_tx, event, afterCommit) => {
      afterCommit(() => into.push((event.data as { projectId: string }).projectId));
    };

  async function outboxSize(database: Database): Promise<number> {
    const [row] = await database.db.select({ n: count() }).from(eventOutbox);
    return row!.n;
  }

  it("hands every committed event to every consumer once, many per pass, and empties the outbox", async () => {
    const [database] = await openStore();
    const first: string[] = [];
    const second: string[] = [];
    const names = await record(database!, 300);
    const events = dispatcher(database!, [tally(first), tally(second)]);
    // Left before it started (as a crash would leave them): the first passes take them, up to 200 each.
    claims = 0;
    events.start();
    await waitFor(() => first.length === 300);
    expect(first).toEqual(names);
    expect(second).toEqual(names);
    expect(claims).toBe(2);
    expect(await outboxSize(database!)).toBe(0);
    // New commits wake it.
    const more = await record(database!, 40, 1, 300);
    for (let i = 0; i < 40; i++) events.wake();
    await waitFor(() => first.length === 340);
    expect(first.slice(300)).toEqual(more);
  }, 60_000);

  it("puts back only the event whose consumer failed, retries it, and dispatches the rest meanwhile", async () => {
    const [database] = await openStore();
    const handed: string[] = [];
    let failures = 0;
    // What it does counts once its pass commits (a failed pass rolls back what it did before).
    const flaky: EventConsumer = async (_tx, event, afterCommit) => {
      const { projectId } = event.data as { projectId: string };
      if (projectId === "prj_5" && failures < 2) {
        failures += 1;
        throw new Error("consumer down");
      }
      afterCommit(() => handed.push(projectId));
    };
    const names = await record(database!, 20, 20);
    dispatcher(database!, [flaky]).start();
    // Everything else goes through at once; prj_5 after two postponed attempts.
    await waitFor(() => handed.length === 20);
    expect(failures).toBe(2);
    expect([...handed].sort()).toEqual([...names].sort());
    expect(handed.filter((name) => name === "prj_5")).toHaveLength(1);
    expect(await outboxSize(database!)).toBe(0);
  }, 60_000);

  it.runIf(store === "postgres")(
    "two nodes draining one outbox while events keep coming never dispatch an event twice",
    async () => {
      const [a, b] = await openStore(2);
      const handed: string[] = [];
      // Slow enough that passes on both nodes overlap.
      const slow: EventConsumer = async (_tx, event, afterCommit) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        afterCommit(() => handed.push((event.data as { projectId: string }).projectId));
      };
      const onA = dispatcher(a!, [slow]);
      const onB = dispatcher(b!, [slow]);
      onA.start();
      onB.start();
      const names: string[] = [];
      for (let batch = 0; batch < 50; batch++) {
        names.push(...(await record(batch % 2 ? a! : b!, 20, 5, batch * 20)));
        onA.wake();
        onB.wake();
      }
      await waitFor(() => handed.length >= names.length, 60_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(handed).toHaveLength(names.length);
      expect(new Set(handed).size).toBe(names.length);
      expect(await outboxSize(a!)).toBe(0);
    },
    90_000,
  );
});
