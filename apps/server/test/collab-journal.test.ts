import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { MERGE_RUN } from "../src/domain/collab/merge-runs.ts";
import type { Database } from "../src/domain/ports/database.ts";
import { systemClock } from "../src/infra/clock.ts";
import { encodeRecords, JournaledLog } from "../src/infra/collab/journal.ts";
import { openDatabase } from "../src/infra/db/database.ts";
import { rowsOf } from "../src/infra/db/rows.ts";

/** The embedded store's write-ahead journal, on a real file-backed PGlite and real files. */
describe("update journal (embedded storage)", () => {
  let root: string;
  let journalDir: string;
  let database: Database;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "codepark-journal-"));
    journalDir = join(root, "collab-journal");
    database = await openDatabase({ kind: "pglite", dataDir: join(root, "pglite") });
    await database.db.execute(sql`
      INSERT INTO projects (id, name, description, visibility, created_at, updated_at)
      VALUES ('p1', 'P', '', 'private', now(), now())`);
    for (const id of ["fa", "fb"]) {
      await database.db.execute(sql`
        INSERT INTO files (id, project_id, path, content, size, language, created_at, updated_at)
        VALUES (${id}, 'p1', ${`${id}.txt`}, '', 0, 'plaintext', now(), now())`);
    }
  });
  afterEach(async () => {
    await database.close();
    await rm(root, { recursive: true, force: true });
  });

  const open = (flushAfterMs = 60_000) =>
    JournaledLog.open(database, systemClock, { dir: journalDir, flushAfterMs });
  const update = (...bytes: number[]) => new Uint8Array(bytes);
  const logged = async () =>
    rowsOf<{ file_id: string; update: Uint8Array }>(
      await database.db.execute(sql`SELECT file_id, update FROM doc_updates ORDER BY seq`),
    ).map((row) => `${row.file_id}:${[...row.update].join(",")}`);
  const journalFiles = () => readdir(journalDir);

  it("writes an update to the journal at once and moves it into doc_updates when settled", async () => {
    const log = await open();
    await log.append([{ fileId: "fa", update: update(1, 2) }]);
    await log.append([
      { fileId: "fb", update: update(3) },
      { fileId: "fa", update: update(4) },
    ]);
    const [segment] = await journalFiles();
    expect((await readFile(join(journalDir, segment!))).length).toBeGreaterThan(0);
    expect(await logged()).toEqual([]);

    await log.settle();
    // Grouped by document (these bytes are no Yjs updates, so they are kept unmerged).
    expect(await logged()).toEqual(["fa:1,2", "fa:4", "fb:3"]);
    // The moved segment is gone; only the fresh, empty one is left.
    const left = await journalFiles();
    expect(left).toHaveLength(1);
    expect((await readFile(join(journalDir, left[0]!))).length).toBe(0);
    await log.close();
    expect(await journalFiles()).toEqual([]);
  });

  it("writes one merged log entry per document per flush", async () => {
    const source = new Y.Doc();
    const updates: Uint8Array[] = [];
    source.on("update", (update: Uint8Array) => updates.push(update));
    for (const word of ["one ", "two ", "three"])
      source.getText("content").insert(source.getText("content").length, word);
    const log = await open();
    for (const update of updates) await log.append([{ fileId: "fa", update }]);
    await log.append([{ fileId: "fb", update: update(1) }]);
    await log.settle();
    const rows = rowsOf<{ file_id: string; update: Uint8Array }>(
      await database.db.execute(sql`SELECT file_id, update FROM doc_updates WHERE file_id = 'fa'`),
    );
    expect(rows).toHaveLength(1);
    const rebuilt = new Y.Doc();
    Y.applyUpdate(rebuilt, rows[0]!.update);
    expect(rebuilt.getText("content").toString()).toBe("one two three");
    await log.close();
  });

  it("merges a long run of one document's updates in bounded pieces, in order", async () => {
    const source = new Y.Doc();
    const updates: Uint8Array[] = [];
    source.on("update", (update: Uint8Array) => updates.push(update));
    const text = source.getText("content");
    for (let i = 0; i < MERGE_RUN * 2 + 5; i++) text.insert(text.length, `${i},`);
    const log = await open();
    await log.append(updates.map((update) => ({ fileId: "fa", update })));
    await log.settle();
    const rows = rowsOf<{ update: Uint8Array }>(
      await database.db.execute(sql`SELECT update FROM doc_updates WHERE file_id = 'fa' ORDER BY seq`),
    );
    expect(rows).toHaveLength(3);
    const rebuilt = new Y.Doc();
    for (const row of rows) Y.applyUpdate(rebuilt, row.update);
    expect(rebuilt.getText("content").toString()).toBe(text.toString());
    await log.close();
  });

  it("moves updates on its own after the flush interval", async () => {
    const log = await open(20);
    await log.append([{ fileId: "fa", update: update(9) }]);
    for (let i = 0; i < 100 && (await logged()).length === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(await logged()).toEqual(["fa:9"]);
    await log.close();
  });

  it("asks for its backlog to be compacted first and moves only what that leaves", async () => {
    const log = await JournaledLog.open(database, systemClock, {
      dir: journalDir,
      flushAfterMs: 60_000,
      maxPendingUpdates: 4,
    });
    const asked: (readonly string[])[] = [];
    // As the collab manager does for a document due for compaction: its pending updates leave.
    log.onBacklog(async (fileIds) => {
      asked.push(fileIds);
      log.compacted("fa");
    });
    await log.append([
      { fileId: "fa", update: update(1) },
      { fileId: "fb", update: update(2) },
      { fileId: "fa", update: update(3) },
    ]);
    expect(asked).toEqual([]);
    await log.append([{ fileId: "fa", update: update(4) }]);
    for (let i = 0; i < 100 && asked.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    // Most pending first; fb alone is under the limit, so it waits for the interval.
    expect(asked).toEqual([["fa", "fb"]]);
    expect(await logged()).toEqual([]);
    await log.settle();
    expect(await logged()).toEqual(["fb:2"]);
    await log.close();
  });

  it("moves its backlog when the compaction it asked for leaves it over the limit", async () => {
    const log = await JournaledLog.open(database, systemClock, {
      dir: journalDir,
      flushAfterMs: 60_000,
      maxPendingUpdates: 2,
    });
    log.onBacklog(async () => {});
    await log.append([
      { fileId: "fa", update: update(1) },
      { fileId: "fb", update: update(2) },
    ]);
    for (let i = 0; i < 100 && (await logged()).length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    expect(await logged()).toEqual(["fa:1", "fb:2"]);
    await log.close();
  });

  it("replays what a crash left in the journal, exactly once", async () => {
    const crashed = await open();
    await crashed.append([{ fileId: "fa", update: update(1) }]);
    await crashed.append([{ fileId: "fb", update: update(2) }]);
    // No close: the process died here.
    const restarted = await open();
    expect(await logged()).toEqual(["fa:1", "fb:2"]);
    const again = await open();
    expect(await logged()).toEqual(["fa:1", "fb:2"]);
    await Promise.all([restarted.close(), again.close()]);
  });

  it("does not replay a segment whose flush committed before the crash removed its file", async () => {
    const log = await open();
    await log.append([{ fileId: "fa", update: update(5) }]);
    const [segment] = await journalFiles();
    const bytes = await readFile(join(journalDir, segment!));
    await log.settle();
    // As if the process died between the commit and deleting the file.
    await writeFile(join(journalDir, segment!), bytes);
    const restarted = await open();
    expect(await logged()).toEqual(["fa:5"]);
    await restarted.close();
  });

  it("ignores a torn record at the end of a segment", async () => {
    const whole = encodeRecords([{ fileId: "fa", update: update(7, 7) }]);
    const torn = encodeRecords([{ fileId: "fb", update: update(8, 8, 8) }]).subarray(0, 8);
    const { mkdir } = await import("node:fs/promises");
    await mkdir(journalDir, { recursive: true });
    await writeFile(join(journalDir, "000000000001.log"), Buffer.concat([whole, torn]));
    const log = await open();
    expect(await logged()).toEqual(["fa:7,7"]);
    await log.close();
  });

  it("drops updates of a file deleted meanwhile and keeps the others", async () => {
    const log = await open();
    await log.append([
      { fileId: "fa", update: update(1) },
      { fileId: "fb", update: update(2) },
    ]);
    await database.db.execute(sql`DELETE FROM files WHERE id = 'fb'`);
    await log.settle();
    expect(await logged()).toEqual(["fa:1"]);
    await log.close();
  });

  it("keeps updates it could not move and moves them on the next try", async () => {
    const log = await open();
    await log.append([{ fileId: "fa", update: update(1) }]);
    // The table is briefly unusable.
    await database.db.execute(sql`ALTER TABLE doc_updates RENAME TO doc_updates_away`);
    await expect(log.settle()).rejects.toThrow();
    await database.db.execute(sql`ALTER TABLE doc_updates_away RENAME TO doc_updates`);
    await log.append([{ fileId: "fa", update: update(2) }]);
    await log.settle();
    expect(await logged()).toEqual(["fa:1", "fa:2"]);
    await log.close();
    expect(await journalFiles()).toEqual([]);
  });
});
