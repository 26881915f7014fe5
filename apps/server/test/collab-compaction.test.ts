import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, testStores } from "@codepark/testing";
import { count, eq, sql } from "drizzle-orm";
import pg from "pg";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import type { Peer } from "../src/domain/collab/peer.ts";
import { docSnapshots, docUpdates } from "../src/domain/collab/schema.ts";
import { CollabService } from "../src/domain/collab/service.ts";
import type { UpdateLog } from "../src/domain/collab/update-log.ts";
import type { Database } from "../src/domain/ports/database.ts";
import { systemClock } from "../src/infra/clock.ts";
import { JournaledLog } from "../src/infra/collab/journal.ts";
import { TableLog } from "../src/infra/collab/table-log.ts";
import { openDatabase } from "../src/infra/db/database.ts";
import { LocalEventBus } from "../src/infra/events/local-bus.ts";
import { createCollabMetrics } from "../src/infra/telemetry/collab-metrics.ts";

/** Holds a document's compaction lock (the one DocumentStore takes) on a connection of its own. */
async function holdCompactionLock(url: string, fileId: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query("BEGIN");
  await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`doc:${fileId}`]);
  return {
    release: async () => {
      await client.query("COMMIT");
      await client.end();
    },
  };
}

/**
 * A single node compacts from the document in memory, holding appends while it writes. Edits keep
 * arriving from several writers throughout (none awaited before the next is sent), compactions run
 * in between, and afterwards the store alone (snapshot + whatever log is left, read by a fresh load)
 * must hold every edit: nothing appended during a compaction may be deleted with the entries it
 * replaced, and nothing is lost when the embedded journal drops the copies a snapshot holds.
 */
describe.each(testStores())("compaction from memory on %s", (store) => {
  let database: Database;
  let log: UpdateLog;
  let root: string;
  let drop: (() => Promise<void>) | undefined;
  let postgresUrl: string | undefined;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "codepark-compaction-"));
    if (store === "postgres") {
      const testDb = await createTestDatabase();
      drop = testDb.drop;
      postgresUrl = testDb.url;
      database = await openDatabase({ kind: "postgres", url: testDb.url, poolSize: 4 });
      log = new TableLog(database, systemClock);
    } else {
      database = await openDatabase({ kind: "pglite", dataDir: join(root, "pglite") });
      // A long interval: only compactions (and settle) empty the journal here.
      log = await JournaledLog.open(database, systemClock, {
        dir: join(root, "collab-journal"),
        flushAfterMs: 60_000,
      });
    }
    await database.db.execute(sql`
      INSERT INTO projects (id, name, description, visibility, created_at, updated_at)
      VALUES ('p1', 'P', '', 'private', now(), now())`);
    await database.db.execute(sql`
      INSERT INTO files (id, project_id, path, content, size, language, created_at, updated_at)
      VALUES ('f1', 'p1', 'a.txt', '', 0, 'plaintext', now(), now())`);
  });
  afterAll(async () => {
    await log?.close();
    await database?.close();
    await drop?.();
    await rm(root, { recursive: true, force: true });
  });

  const registry = new Registry();
  const service = (compactEvery: number, metrics = createCollabMetrics(new Registry())) =>
    new CollabService({
      db: database.db,
      updateLog: log,
      clock: systemClock,
      events: new LocalEventBus(),
      limits: {
        maxDocumentBytes: 64 * 1024 * 1024,
        maxFileBytes: 64 * 1024 * 1024,
        unloadGraceMs: 60_000,
        compactEvery,
        checkpointIntervalMs: 60 * 60 * 1000,
        commitWindowMs: 0,
        userLoadedBytes: 0,
      },
      metrics,
      log: { error: () => {}, warn: () => {} },
      checkpoint: async () => {},
    });

  const peer = (id: string): Peer => ({
    actor: { userId: id, role: "user", via: "session", sessionId: id } as unknown as Peer["actor"],
    user: { id, name: id, color: "#000" },
    awarenessIds: new Set(),
    readOnly: false,
    send: () => {},
    close: (code, reason) => {
      throw new Error(`peer ${id} closed: ${code} ${reason}`);
    },
  });

  it("keeps every edit that arrives while compactions run, and the store alone holds them all", async () => {
    const collab = service(5, createCollabMetrics(registry));
    const doc = await collab.manager.acquire("f1", "p1");
    const writers = Array.from({ length: 4 }, () => new Y.Doc());
    const peers = writers.map((_, i) => peer(`u${i}`));
    for (const p of peers) collab.manager.join(doc, p);
    let round = 0;
    /** One writer's insert, sent as its connection would (or awaited until durable and applied). */
    const edit = (awaited = false): Promise<void> | undefined => {
      const i = round % writers.length;
      const text = writers[i]!.getText("content");
      let update: Uint8Array | null = null;
      writers[i]!.once("update", (u: Uint8Array) => {
        update = u;
      });
      text.insert(text.length, `${i}:${round};`);
      for (const other of writers) if (other !== writers[i]) Y.applyUpdate(other, update!);
      round++;
      if (awaited) return collab.manager.submit(doc, update!, peers[i]!);
      collab.manager.submitFromPeer(doc, update!, peers[i]!);
      return undefined;
    };
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    for (let n = 0; n < 150; n++) {
      edit();
      // Now and then let a commit and a compaction interleave with the next edits.
      if (n % 7 === 0) await turn();
    }
    // Last, edits sent while a compaction is writing: they must not be replaced by its snapshot.
    await collab.manager.drain();
    // On PostgreSQL another connection holds the document's compaction lock for a moment, so the
    // compaction's statements are still to run while the edits below are sent. (PGlite runs a
    // compaction's statements back to back on its one connection: nothing can come between.)
    const lockHolder = postgresUrl ? await holdCompactionLock(postgresUrl, "f1") : null;
    const last = collab.manager.compact(doc);
    const released = new Promise((resolve) => setTimeout(resolve, 300)).then(() => lockHolder?.release());
    // Each waits until durable, so the next is sent while the compaction's statements still run.
    for (let n = 0; n < 20; n++) await edit(true);
    await released;
    await last;
    await collab.manager.drain();
    while (doc.compacting) await doc.compacting;
    const expected = writers[0]!.getText("content").toString();
    expect(doc.text.toString()).toBe(expected);

    // What a restart would load: the snapshot and the log left in the table (the journal settled).
    const fresh = service(1_000_000);
    await log.settle();
    const stored = await fresh.store.load("f1");
    const reloaded = new Y.Doc();
    if (stored.snapshot) Y.applyUpdate(reloaded, stored.snapshot);
    for (const update of stored.updates) Y.applyUpdate(reloaded, update);
    expect(reloaded.getText("content").toString()).toBe(expected);

    // More than one compaction ran while edits were arriving (each later one only once the log
    // outweighed the grown snapshot).
    const compacted = /collab_compactions_total\{result="compacted"\} (\d+)/.exec(await registry.metrics());
    expect(Number(compacted?.[1] ?? 0)).toBeGreaterThanOrEqual(2);

    for (const p of peers) collab.manager.leave(doc, p);
    collab.manager.release(doc);
    await collab.manager.closeAll();
    // Unloading compacted the rest: the snapshot alone holds the document, the log is empty.
    const [left] = await database.db
      .select({ total: count() })
      .from(docUpdates)
      .where(eq(docUpdates.fileId, "f1"));
    expect(left?.total).toBe(0);
    const [snapshot] = await database.db.select().from(docSnapshots).where(eq(docSnapshots.fileId, "f1"));
    const fromSnapshot = new Y.Doc();
    Y.applyUpdate(fromSnapshot, snapshot!.state);
    expect(fromSnapshot.getText("content").toString()).toBe(expected);
    if (store === "pglite") {
      // The journal kept nothing the snapshot already holds: its segments are empty.
      const dir = join(root, "collab-journal");
      const sizes = await Promise.all(
        (await readdir(dir)).map(async (name) => (await stat(join(dir, name))).size),
      );
      expect(sizes.reduce((total, size) => total + size, 0)).toBe(0);
    }
  });
});
