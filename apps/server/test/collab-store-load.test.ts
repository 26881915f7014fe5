import { createTestDatabase, testStores } from "@codepark/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { DocumentStore } from "../src/domain/collab/store.ts";
import type { Database } from "../src/domain/ports/database.ts";
import { systemClock } from "../src/infra/clock.ts";
import { TableLog } from "../src/infra/collab/table-log.ts";
import { openDatabase } from "../src/infra/db/database.ts";
import { LocalEventBus } from "../src/infra/events/local-bus.ts";

/**
 * A document is loaded (snapshot + log) while a compaction may be merging that log into the snapshot:
 * on unload the manager forgets the document at once and compacts after, so a client opening it again
 * loads concurrently, and so does another node. The load must see either state, never the old
 * snapshot without the log entries the compaction deleted.
 */
describe.each(testStores())("loading a document while it is compacted, on %s", (store) => {
  let database: Database;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    if (store === "postgres") {
      const testDb = await createTestDatabase();
      drop = testDb.drop;
      database = await openDatabase({ kind: "postgres", url: testDb.url, poolSize: 4 });
    } else {
      database = await openDatabase({ kind: "pglite" });
    }
    await database.db.execute(sql`
      INSERT INTO projects (id, name, description, visibility, created_at, updated_at)
      VALUES ('p1', 'P', '', 'private', now(), now())`);
    await database.db.execute(sql`
      INSERT INTO files (id, project_id, path, content, size, language, created_at, updated_at)
      VALUES ('f1', 'p1', 'a.txt', '', 0, 'plaintext', now(), now())`);
  });
  afterAll(async () => {
    await database?.close();
    await drop?.();
  });

  it("never loses the updates a concurrent compaction merges", async () => {
    const documents = new DocumentStore(
      database.db,
      systemClock,
      new TableLog(database, systemClock),
      new LocalEventBus(),
    );
    await documents.createSnapshot(database.db, "f1", "");
    const writer = new Y.Doc();
    const updates: Uint8Array[] = [];
    writer.on("update", (update: Uint8Array) => updates.push(update));

    const lost: string[] = [];
    for (let round = 0; round < 60; round++) {
      updates.length = 0;
      writer.getText("content").insert(0, `${round % 10}`);
      await documents.append(updates.map((update) => ({ fileId: "f1", update })));
      const compaction = documents.compact("f1");
      // Start the load at a different point of the compaction each round.
      await new Promise((resolve) => setTimeout(resolve, round % 6));
      const loaded = await documents.load("f1");
      await compaction;

      const reader = new Y.Doc();
      if (loaded.snapshot) Y.applyUpdate(reader, loaded.snapshot);
      for (const update of loaded.updates) Y.applyUpdate(reader, update);
      const expected = writer.getText("content").toString();
      if (reader.getText("content").toString() !== expected) lost.push(`round ${round}`);
      reader.destroy();
    }
    expect(lost).toEqual([]);
  });
});
