/**
 * The collaboration server's own work per update, without sockets: what CodePark adds on top of a
 * bare relay (which only reads and writes frames). Real y-websocket update frames, made beforehand by
 * BENCH_PIPELINE_CLIENTS Yjs clients inserting in turn on one document, go through the same path as a socket's frames
 * (handleFrame → validation → group commit to the update log → apply → one broadcast frame) into
 * peers whose send() only counts. Each update is durable and broadcast before the next
 * arrives, as at the socket bench's few hundred updates per second: no two share a commit.
 *
 * The figure is process CPU (user + system, all threads) per update; the network bench
 * (bench/collab.ts) cannot isolate it, since socket writes dominate there and move ±25% between runs.
 * Stores: embedded (PGlite + the update journal, in a temporary DATA_DIR) and PostgreSQL when
 * BENCH_DATABASE_URL (an admin URL) is set: a throwaway database is created and dropped.
 *
 * One JSON line per store: updates, cpuUsPerUpdate, wallUsPerUpdate, cpuMs, and the idle process CPU
 * measured before the run (ms of CPU per second, the background the server spends with no traffic).
 * Env: BENCH_PIPELINE_UPDATES (default 3000), BENCH_PIPELINE_CLIENTS (default 20),
 *      BENCH_PIPELINE_RATE (updates per second, default 100; 0: back to back, the pure path cost),
 *      BENCH_PIPELINE_STORES (default "floor,floor+apply,pglite,floor+apply+postgres,postgres"; the
 *      last two need the URL),
 *      BENCH_PIPELINE_COMPACT_EVERY and BENCH_PIPELINE_JOURNAL_MAX_PENDING (the server's defaults;
 *      set them high to see what compactions and journal moves add).
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import pg from "pg";
import { Registry } from "prom-client";
import * as Y from "yjs";
import { loadConfig } from "../apps/server/src/config.ts";
import { handleFrame } from "../apps/server/src/domain/collab/connection.ts";
import type { Peer } from "../apps/server/src/domain/collab/peer.ts";
import { decodeMessage, encodeUpdate } from "../apps/server/src/domain/collab/protocol.ts";
import { CollabService } from "../apps/server/src/domain/collab/service.ts";
import type { UpdateLog } from "../apps/server/src/domain/collab/update-log.ts";
import type { Database } from "../apps/server/src/domain/ports/database.ts";
import { systemClock } from "../apps/server/src/infra/clock.ts";
import { JournaledLog } from "../apps/server/src/infra/collab/journal.ts";
import { TableLog } from "../apps/server/src/infra/collab/table-log.ts";
import { openDatabase } from "../apps/server/src/infra/db/database.ts";
import { LocalEventBus } from "../apps/server/src/infra/events/local-bus.ts";
import { createCollabMetrics } from "../apps/server/src/infra/telemetry/collab-metrics.ts";
import { listFromEnv, numberFromEnv } from "./lib/env.ts";
import { withThrowawayDatabase } from "./lib/throwaway-postgres.ts";

const updates = Math.floor(numberFromEnv("BENCH_PIPELINE_UPDATES", 3000, 10));
const rate = numberFromEnv("BENCH_PIPELINE_RATE", 100, 0);
const stores = new Set(
  listFromEnv("BENCH_PIPELINE_STORES", "floor,floor+apply,pglite,floor+apply+postgres,postgres"),
);
const clients = Math.floor(numberFromEnv("BENCH_PIPELINE_CLIENTS", 20, 2));
const compactEvery = Math.floor(
  numberFromEnv("BENCH_PIPELINE_COMPACT_EVERY", loadConfig({}).COLLAB_COMPACT_EVERY, 1),
);
const journalMaxPending = process.env.BENCH_PIPELINE_JOURNAL_MAX_PENDING
  ? Math.floor(numberFromEnv("BENCH_PIPELINE_JOURNAL_MAX_PENDING", 2_000, 1))
  : undefined;

/** Frames as the clients would send them: each insert made on a doc that has seen all before it. */
function makeFrames(): Uint8Array[] {
  const docs = Array.from({ length: clients }, () => new Y.Doc());
  const frames: Uint8Array[] = [];
  for (let i = 0; i < updates; i++) {
    const author = docs[i % clients]!;
    let update: Uint8Array | null = null;
    const capture = (u: Uint8Array) => {
      update = u;
    };
    author.on("update", capture);
    const text = author.getText("content");
    text.insert(text.length, `${i % clients}:${i}:${Date.now()}|`);
    author.off("update", capture);
    for (const other of docs) if (other !== author) Y.applyUpdate(other, update!);
    frames.push(encodeUpdate(update!));
  }
  return frames;
}

class CountingPeer implements Peer {
  readonly awarenessIds = new Set<number>();
  readOnly = false;
  sent = 0;
  constructor(
    public actor: Peer["actor"],
    readonly user: Peer["user"],
  ) {}
  send(): void {
    this.sent++;
  }
  /** Set when the server closes this peer; the run fails if that happens before the end. */
  closedWith: string | null = null;
  close(code: number, reason: string): void {
    this.closedWith = `${code} ${reason}`;
  }
}

const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Feeds every frame to `handle` (which resolves once the update is durable and broadcast), the
 * first ones unmeasured, then the rest paced at BENCH_PIPELINE_RATE like the socket bench
 * (1 document × 20 clients × 5 inserts/s), so background work (moving the journal into the table,
 * compaction, garbage collection) comes in its real proportion. Idle CPU is taken first.
 */
async function drive(frames: Uint8Array[], handle: (frame: Uint8Array, i: number) => Promise<void>) {
  const idleFrom = cpuMs();
  await sleep(3000);
  const idleCpuMsPerSec = (cpuMs() - idleFrom) / 3;
  const warm = Math.min(500, Math.floor(frames.length / 5));
  for (let i = 0; i < warm; i++) await handle(frames[i]!, i);
  const wallFrom = performance.now();
  const cpuFrom = cpuMs();
  for (let i = warm; i < frames.length; i++) {
    await handle(frames[i]!, i);
    if (rate === 0) continue;
    const wait = wallFrom + ((i - warm + 1) * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
  }
  return {
    cpu: cpuMs() - cpuFrom,
    wall: performance.now() - wallFrom,
    measured: frames.length - warm,
    idleCpuMsPerSec,
  };
}

async function runStore(store: string, database: Database, updateLog: UpdateLog, frames: Uint8Array[]) {
  await database.db.execute(sql`
    INSERT INTO projects (id, name, description, visibility, created_at, updated_at)
    VALUES ('bench', 'Bench', '', 'private', now(), now())`);
  await database.db.execute(sql`
    INSERT INTO files (id, project_id, path, content, size, language, created_at, updated_at)
    VALUES ('doc', 'bench', 'doc.txt', '', 0, 'plaintext', now(), now())`);
  const events = new LocalEventBus();
  const metrics = createCollabMetrics(new Registry());
  const silent = { error: () => {}, warn: () => {} };
  const collab = new CollabService({
    db: database.db,
    updateLog,
    clock: systemClock,
    events,
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
    log: silent,
    checkpoint: async () => {},
  });
  const doc = await collab.manager.acquire("doc", "bench");
  const peers = Array.from(
    { length: clients },
    (_, i) =>
      new CountingPeer(
        { userId: `u${i}`, role: "user", via: "session", sessionId: `s${i}` } as unknown as Peer["actor"],
        { id: `u${i}`, name: `U${i}`, color: "#000" },
      ),
  );
  for (const peer of peers) collab.manager.join(doc, peer);

  const { cpu, wall, measured, idleCpuMsPerSec } = await drive(frames, async (frame, i) => {
    handleFrame(collab.manager, metrics, doc, peers[i % clients]!, frame);
    await collab.manager.drain();
  });
  const delivered = peers.reduce((sum, peer) => sum + peer.sent, 0);
  const compaction = histogramTotals(await metrics.compactionSeconds.get());
  const expectedText = frames.length;
  const markers = doc.text.toString().split("|").length - 1;
  const closed = peers.find((peer) => peer.closedWith);
  if (closed) throw new Error(`${store}: a peer was closed: ${closed.closedWith}`);
  collab.manager.release(doc);
  await collab.close();
  if (markers !== expectedText) throw new Error(`${store}: ${markers} of ${expectedText} inserts applied`);
  console.log(
    JSON.stringify({
      bench: "collab-pipeline",
      store,
      clients,
      updates: measured,
      cpuUsPerUpdate: Math.round((cpu * 1000) / measured),
      wallUsPerUpdate: Math.round((wall * 1000) / measured),
      cpuMs: Math.round(cpu),
      framesSent: delivered,
      compactions: compaction.count,
      compactionWallMs: Math.round(compaction.sum * 1000),
      ...(store === "pglite"
        ? {
            journalFlushes: journalFlushes.count,
            journalMoved: journalFlushes.moved,
            journalFlushWallMs: Math.round(journalFlushes.seconds * 1000),
          }
        : {}),
      idleCpuMsPerSec: Math.round(idleCpuMsPerSec * 10) / 10,
      note: "server-side work per update without sockets: validate, group commit, apply, one broadcast frame",
    }),
  );
}

/** Count and sum (seconds) of a prom-client histogram, over all its label sets. */
function histogramTotals(metric: { values: { metricName?: string; value: number }[] }) {
  let count = 0;
  let sum = 0;
  for (const value of metric.values) {
    if (value.metricName?.endsWith("_count")) count += value.value;
    if (value.metricName?.endsWith("_sum")) sum += value.value;
  }
  return { count, sum };
}

/**
 * The least a server that validates and persists each update before broadcasting must do, paced
 * the same way: decode the frame, decode the update (validation), append it to a file with one
 * write; "+apply" also integrates it into an in-memory Y.Doc, as y-websocket-server does.
 */
async function runFloor(frames: Uint8Array[], withApply: boolean) {
  const root = await mkdtemp(join(tmpdir(), "codepark-floor-"));
  const fd = openSync(join(root, "log"), "a");
  const ydoc = new Y.Doc();
  try {
    const { cpu, wall, measured, idleCpuMsPerSec } = await drive(frames, async (frame) => {
      const message = decodeMessage(frame);
      if (message.type !== "update") throw new Error("not an update");
      Y.decodeUpdate(message.update);
      const header = Buffer.allocUnsafe(4);
      header.writeUInt32BE(message.update.byteLength);
      writeSync(fd, Buffer.concat([header, message.update]));
      if (withApply) Y.applyUpdate(ydoc, message.update);
      encodeUpdate(message.update);
    });
    console.log(
      JSON.stringify({
        bench: "collab-pipeline",
        store: withApply ? "floor+apply" : "floor",
        clients,
        updates: measured,
        cpuUsPerUpdate: Math.round((cpu * 1000) / measured),
        wallUsPerUpdate: Math.round((wall * 1000) / measured),
        cpuMs: Math.round(cpu),
        idleCpuMsPerSec: Math.round(idleCpuMsPerSec * 10) / 10,
        note: withApply
          ? "decode + validate + one write() per update + apply to a Y.Doc (no broadcast bookkeeping)"
          : "decode + validate + one write() per update: the least a durable, validating server does",
      }),
    );
  } finally {
    closeSync(fd);
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * The least a server that makes each update durable in PostgreSQL must do: decode and validate it,
 * one prepared INSERT on a dedicated connection (one round trip: the socket write and the wake-up
 * for the answer), apply it to a Y.Doc. The in-process floors write to a local file instead, which
 * costs a fraction of a socket round trip; this is the fair reference for CodePark on PostgreSQL.
 */
async function runPostgresFloor(url: string, frames: Uint8Array[]) {
  const database = await openDatabase({ kind: "postgres", url, poolSize: 2 });
  await database.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const ydoc = new Y.Doc();
  try {
    await client.query(`
      INSERT INTO projects (id, name, description, visibility, created_at, updated_at)
      VALUES ('floor', 'Floor', '', 'private', now(), now())`);
    await client.query(`
      INSERT INTO files (id, project_id, path, content, size, language, created_at, updated_at)
      VALUES ('floor-doc', 'floor', 'doc.txt', '', 0, 'plaintext', now(), now())`);
    const insert = {
      name: "floor_append",
      text: "INSERT INTO doc_updates (file_id, update, created_at) VALUES ('floor-doc', $1, now())",
    };
    const { cpu, wall, measured, idleCpuMsPerSec } = await drive(frames, async (frame) => {
      const message = decodeMessage(frame);
      if (message.type !== "update") throw new Error("not an update");
      Y.decodeUpdate(message.update);
      await client.query({ ...insert, values: [message.update] });
      Y.applyUpdate(ydoc, message.update);
      encodeUpdate(message.update);
    });
    console.log(
      JSON.stringify({
        bench: "collab-pipeline",
        store: "floor+apply+postgres",
        clients,
        updates: measured,
        cpuUsPerUpdate: Math.round((cpu * 1000) / measured),
        wallUsPerUpdate: Math.round((wall * 1000) / measured),
        cpuMs: Math.round(cpu),
        idleCpuMsPerSec: Math.round(idleCpuMsPerSec * 10) / 10,
        note: "decode + validate + one prepared INSERT round trip to PostgreSQL + apply to a Y.Doc",
      }),
    );
  } finally {
    await client.end();
  }
}

async function main() {
  const frames = makeFrames();
  if (stores.has("floor")) await runFloor(frames, false);
  if (stores.has("floor+apply")) await runFloor(frames, true);
  if (stores.has("pglite")) await runEmbedded(frames);
  const adminUrl = process.env.BENCH_DATABASE_URL;
  if (adminUrl && stores.has("floor+apply+postgres"))
    await withThrowawayDatabase(adminUrl, (url) => runPostgresFloor(url, frames));
  if (adminUrl && stores.has("postgres")) {
    await withThrowawayDatabase(adminUrl, async (url) => {
      const database = await openDatabase({ kind: "postgres", url, poolSize: 10 });
      try {
        await runStore("postgres", database, new TableLog(database, systemClock), frames);
      } finally {
        await database.close();
      }
    });
  }
}

/** The embedded store's moves from the journal into PGlite during the run (from JournaledLog's onFlush). */
const journalFlushes = { count: 0, moved: 0, seconds: 0 };

/** PGlite in a temporary DATA_DIR, with the update journal in front, as `npm start` runs it. */
async function runEmbedded(frames: Uint8Array[]) {
  const root = await mkdtemp(join(tmpdir(), "codepark-pipeline-"));
  try {
    const database = await openDatabase({ kind: "pglite", dataDir: join(root, "pglite") });
    const log = await JournaledLog.open(database, systemClock, {
      dir: join(root, "collab-journal"),
      // The server's defaults (COLLAB_JOURNAL_FLUSH_MS and the journal's pending limits).
      flushAfterMs: loadConfig({}).COLLAB_JOURNAL_FLUSH_MS,
      ...(journalMaxPending ? { maxPendingUpdates: journalMaxPending } : {}),
      onFlush: (moved, seconds) => {
        journalFlushes.count++;
        journalFlushes.moved += moved;
        journalFlushes.seconds += seconds;
      },
    });
    await runStore("pglite", database, log, frames);
    await database.close();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
