import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, testStores } from "@codepark/testing";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import type { PendingUpdate, UpdateLog } from "../src/domain/collab/update-log.ts";
import type { Database } from "../src/domain/ports/database.ts";
import { systemClock } from "../src/infra/clock.ts";
import { JournaledLog } from "../src/infra/collab/journal.ts";
import { TableLog } from "../src/infra/collab/table-log.ts";
import { openDatabase } from "../src/infra/db/database.ts";
import { rowsOf } from "../src/infra/db/rows.ts";

/** An update log over fresh storage that holds one project with the files fa, fb and fc. */
interface UpdateLogUnderTest {
  readonly log: UpdateLog;
  /** The store doc_updates lives in; restart() replaces it with a new connection. */
  readonly database: Database;
  /** A clean restart: the log closed, the store closed and opened again on the same storage, a new log. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

const FILES = ["fa", "fb", "fc"] as const;

/**
 * Bytes Yjs cannot decode (the first varint overflows), each with its own tag: a log that merges a
 * document's Yjs updates (the journal) keeps these as they came, so their order is observable. The
 * log carries opaque updates; the Yjs test below covers what merging must preserve.
 */
function opaque(tag: number): Uint8Array {
  const bytes = new Uint8Array(14).fill(0xff);
  new DataView(bytes.buffer).setUint32(10, tag);
  return bytes;
}

const hex = (update: Uint8Array) => Buffer.from(update).toString("hex");

/** Each file's updates (hex) in order; files without any are absent. */
function byFile(updates: readonly PendingUpdate[]): Record<string, string[]> {
  const files: Record<string, string[]> = {};
  for (const { fileId, update } of updates) {
    files[fileId] ??= [];
    files[fileId].push(hex(update));
  }
  return files;
}

async function readRows(database: Database): Promise<PendingUpdate[]> {
  return rowsOf<{ file_id: string; update: Uint8Array }>(
    await database.db.execute(sql`SELECT file_id, update FROM doc_updates ORDER BY seq`),
  ).map((row) => ({ fileId: row.file_id, update: new Uint8Array(row.update) }));
}

/** A small deterministic generator, so a failure repeats. */
function seeded(seed: number) {
  return (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
}

/** What every update log (the table on either store, the embedded journal) must guarantee. */
function updateLogContract(make: () => Promise<UpdateLogUnderTest>) {
  let current: UpdateLogUnderTest | undefined;
  const open = async () => {
    current = await make();
    return current;
  };
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });

  /** Everything appended so far is in doc_updates once settled. */
  const settled = async (subject: UpdateLogUnderTest) => {
    await subject.log.settle();
    return readRows(subject.database);
  };

  it("append then settle: every file's updates are in doc_updates, each file's in arrival order", async () => {
    const subject = await open();
    const appended: PendingUpdate[] = [];
    const groups: PendingUpdate[][] = [
      [{ fileId: "fa", update: opaque(1) }],
      [
        { fileId: "fb", update: opaque(2) },
        { fileId: "fa", update: opaque(3) },
      ],
      [
        { fileId: "fc", update: opaque(4) },
        { fileId: "fb", update: opaque(5) },
        { fileId: "fa", update: opaque(6) },
        { fileId: "fc", update: opaque(7) },
      ],
    ];
    for (const group of groups) {
      await subject.log.append(group);
      appended.push(...group);
    }

    const rows = await settled(subject);
    expect(byFile(rows)).toEqual(byFile(appended));
    expect(rows).toHaveLength(7);
  });

  it("many groups, with reads in between, all land once and in arrival order per file", async () => {
    const subject = await open();
    const random = seeded(11);
    const appended: PendingUpdate[] = [];
    let tag = 0;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 100; i++) {
        const group = Array.from({ length: 1 + random(3) }, () => ({
          fileId: FILES[random(FILES.length)]!,
          update: opaque(tag++),
        }));
        await subject.log.append(group);
        appended.push(...group);
      }
      // A reader settles in the middle (a document load); appends go on after it.
      const rows = await settled(subject);
      expect(byFile(rows)).toEqual(byFile(appended));
      expect(rows).toHaveLength(appended.length);
    }
  });

  it("a file's rows applied in seq order rebuild its document (real Yjs updates)", async () => {
    const subject = await open();
    const sources = { fa: new Y.Doc(), fb: new Y.Doc() };
    const appends: Promise<void>[] = [];
    for (const [fileId, doc] of Object.entries(sources)) {
      doc.on("update", (update: Uint8Array) => appends.push(subject.log.append([{ fileId, update }])));
    }
    for (let i = 0; i < 50; i++) {
      const text = (i % 2 === 0 ? sources.fa : sources.fb).getText("content");
      text.insert(i % 3 === 0 ? 0 : text.length, `${i};`);
      if (i % 7 === 0) text.delete(0, 1);
    }
    await Promise.all(appends);

    const rows = await settled(subject);
    for (const [fileId, source] of Object.entries(sources)) {
      const rebuilt = new Y.Doc();
      for (const row of rows.filter((r) => r.fileId === fileId)) Y.applyUpdate(rebuilt, row.update);
      expect(rebuilt.getText("content").toString()).toBe(source.getText("content").toString());
    }
  });

  it("an empty append is a no-op", async () => {
    const subject = await open();
    await subject.log.append([]);
    expect(await settled(subject)).toEqual([]);

    await subject.log.append([{ fileId: "fa", update: opaque(1) }]);
    await subject.log.append([]);
    await subject.log.append([{ fileId: "fa", update: opaque(2) }]);
    expect(byFile(await settled(subject))).toEqual({ fa: [hex(opaque(1)), hex(opaque(2))] });
  });

  it("drops the updates of a file deleted before the append and keeps the rest of the group", async () => {
    const subject = await open();
    await subject.database.db.execute(sql`DELETE FROM files WHERE id = 'fb'`);

    await subject.log.append([
      { fileId: "fa", update: opaque(1) },
      { fileId: "fb", update: opaque(2) },
      { fileId: "fc", update: opaque(3) },
    ]);
    await subject.log.append([{ fileId: "fa", update: opaque(4) }]);

    expect(byFile(await settled(subject))).toEqual({
      fa: [hex(opaque(1)), hex(opaque(4))],
      fc: [hex(opaque(3))],
    });
  });

  it("holds nothing of a file deleted after the append and keeps the others", async () => {
    const subject = await open();
    await subject.log.append([
      { fileId: "fa", update: opaque(1) },
      { fileId: "fb", update: opaque(2) },
    ]);
    await subject.database.db.execute(sql`DELETE FROM files WHERE id = 'fb'`);

    expect(byFile(await settled(subject))).toEqual({ fa: [hex(opaque(1))] });
  });

  it("loses nothing and duplicates nothing across clean restarts", async () => {
    const subject = await open();
    await subject.log.append([{ fileId: "fa", update: opaque(1) }]);
    await subject.log.append([{ fileId: "fb", update: opaque(2) }]);
    // Not settled: closing is what has to bring them into the table (or keep them for the next start).
    await subject.restart();
    expect(byFile(await settled(subject))).toEqual({ fa: [hex(opaque(1))], fb: [hex(opaque(2))] });

    await subject.log.append([{ fileId: "fa", update: opaque(3) }]);
    await subject.restart();
    await subject.restart();

    const rows = await settled(subject);
    expect(byFile(rows)).toEqual({ fa: [hex(opaque(1)), hex(opaque(3))], fb: [hex(opaque(2))] });
    expect(rows).toHaveLength(3);
  });

  it("appends started in the same tick all land, each group's updates in order", async () => {
    const subject = await open();
    const groups = Array.from({ length: 40 }, (_, i) => [
      { fileId: FILES[i % FILES.length]!, update: opaque(2 * i) },
      { fileId: FILES[i % FILES.length]!, update: opaque(2 * i + 1) },
    ]);
    await Promise.all(groups.map((group) => subject.log.append(group)));

    const rows = await settled(subject);
    expect(rows.map((row) => hex(row.update)).sort()).toEqual(
      groups
        .flat()
        .map((item) => hex(item.update))
        .sort(),
    );
    // Groups in flight together may commit in any order; within a group, order holds.
    const files = byFile(rows);
    for (const [first, second] of groups) {
      const sequence = files[first!.fileId]!;
      expect(sequence.indexOf(hex(first!.update))).toBeLessThan(sequence.indexOf(hex(second!.update)));
    }
  });

  it("round-trips a 1 MiB update byte for byte", async () => {
    const subject = await open();
    const large = new Uint8Array(randomBytes(1024 * 1024));
    // A view into a larger buffer: the log must store the view's bytes, not the whole buffer.
    const padded = new Uint8Array(large.length + 16);
    padded.set(large, 8);
    await subject.log.append([
      { fileId: "fa", update: padded.subarray(8, 8 + large.length) },
      { fileId: "fb", update: opaque(1) },
    ]);

    const rows = await settled(subject);
    expect(rows.map((row) => [row.fileId, row.update.byteLength]).sort()).toEqual([
      ["fa", large.length],
      ["fb", 14],
    ]);
    const stored = rows.find((row) => row.fileId === "fa")!.update;
    expect(Buffer.compare(Buffer.from(stored), Buffer.from(large))).toBe(0);
  });
}

/**
 * One store for a describe block (opened once: PGlite takes seconds to start), emptied for each
 * test, and closed and opened again on the same storage for restarts.
 */
interface Storage {
  readonly database: Database;
  /** A fresh directory under this storage's root (the journal's). */
  directory(): Promise<string>;
  /** Emptied and seeded: one project with the files fa, fb, fc. */
  reset(): Promise<void>;
  reopen(): Promise<void>;
}

function storage(store: "pglite" | "postgres"): Storage {
  let root: string;
  let database: Database | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  let openStore: () => Promise<Database>;
  let directories = 0;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "codepark-update-log-"));
    if (store === "postgres") {
      const testDb = await createTestDatabase();
      dropDatabase = testDb.drop;
      openStore = () => openDatabase({ kind: "postgres", url: testDb.url, poolSize: 4 });
    } else {
      // File-backed, so a restart reopens what was written.
      openStore = () => openDatabase({ kind: "pglite", dataDir: join(root, "pglite") });
    }
    database = await openStore();
  });
  afterAll(async () => {
    await database?.close();
    await dropDatabase?.();
    await rm(root, { recursive: true, force: true });
  });

  return {
    get database() {
      if (!database) throw new Error("storage is not open");
      return database;
    },
    async directory() {
      return join(root, `dir-${++directories}`);
    },
    async reset() {
      const db = this.database.db;
      await db.execute(sql`TRUNCATE projects, collab_journal CASCADE`);
      await db.execute(sql`
        INSERT INTO projects (id, name, description, visibility, created_at, updated_at)
        VALUES ('p1', 'P', '', 'private', now(), now())`);
      for (const id of FILES) {
        await db.execute(sql`
          INSERT INTO files (id, project_id, path, content, size, language, created_at, updated_at)
          VALUES (${id}, 'p1', ${`${id}.txt`}, '', 0, 'plaintext', now(), now())`);
      }
    },
    async reopen() {
      await database?.close();
      database = undefined;
      database = await openStore();
    },
  };
}

/** make() for the contract: a log opened by `openLog` over `storage`, restarted on the same storage. */
function over(
  storage: Storage,
  openLog: (database: Database, directory: string) => Promise<UpdateLog>,
): () => Promise<UpdateLogUnderTest> {
  return async () => {
    await storage.reset();
    const directory = await storage.directory();
    let log = await openLog(storage.database, directory);
    return {
      get log() {
        return log;
      },
      get database() {
        return storage.database;
      },
      async restart() {
        await log.close();
        await storage.reopen();
        log = await openLog(storage.database, directory);
      },
      close: () => log.close(),
    };
  };
}

const tableLog = async (database: Database) => new TableLog(database, systemClock);
const journal = (flushAfterMs: number) => (database: Database, dir: string) =>
  JournaledLog.open(database, systemClock, { dir, flushAfterMs });

describe.each(testStores())("update log contract: TableLog on %s", (store) => {
  updateLogContract(over(storage(store), tableLog));
});

describe("update log contract: JournaledLog on file-backed PGlite (moved after 60 s or when settled)", () => {
  updateLogContract(over(storage("pglite"), journal(60_000)));
});

describe("update log contract: JournaledLog on file-backed PGlite (moved at once)", () => {
  updateLogContract(over(storage("pglite"), journal(0)));
});
