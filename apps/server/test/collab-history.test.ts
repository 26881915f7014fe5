import {
  registerUser,
  startTestServer,
  type TestServer,
  type TestUser,
  testStores,
  waitFor,
} from "@codepark/testing";
import { openEditor } from "@codepark/testing/collab";
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docSnapshots, docUpdates } from "../src/domain/collab/schema.ts";

describe.each(testStores())("update log compaction and checkpoints on %s", (store) => {
  let server: TestServer;
  let user: TestUser;

  beforeAll(async () => {
    server = await startTestServer(store, {
      COLLAB_COMPACT_EVERY: "10",
      COLLAB_CHECKPOINT_INTERVAL_MS: "60000",
      COLLAB_UNLOAD_GRACE_MS: "20",
      // This suite also runs the group commit with a window, so that path is exercised.
      COLLAB_COMMIT_WINDOW_MS: "5",
    });
    user = await registerUser(server.api);
  });
  afterAll(() => server?.stop());

  async function newFile() {
    const project = await server.api.post("/api/v1/projects", { name: "History" }, user.accessToken);
    const file = await server.api.post(
      `/api/v1/projects/${project.body.id}/files`,
      { path: "h.md" },
      user.accessToken,
    );
    return {
      fileId: file.body.id as string,
      fileUrl: `/api/v1/projects/${project.body.id}/files/${file.body.id}`,
    };
  }

  const logLength = async (fileId: string) => {
    const [row] = await server.app.database.db
      .select({ total: count() })
      .from(docUpdates)
      .where(eq(docUpdates.fileId, fileId));
    return row?.total ?? 0;
  };

  it("compacts the log into the snapshot every N updates and on unload, keeping the text", async () => {
    const { fileId, fileUrl } = await newFile();
    const client = openEditor(server.baseUrl, fileId, user.accessToken);
    try {
      await client.synced();
      for (let i = 0; i < 35; i++) {
        client.text.insert(client.text.length, `${i};`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const expected = Array.from({ length: 35 }, (_, i) => `${i};`).join("");
      await waitFor(async () => (await server.api.get(fileUrl, user.accessToken)).body.content === expected);
      await waitFor(async () => (await logLength(fileId)) < 35, 5_000, "compaction");
    } finally {
      client.destroy();
    }
    await waitFor(() => server.app.ctx.collab.manager.loadedCount === 0, 5_000, "unload");
    await waitFor(async () => (await logLength(fileId)) === 0, 5_000, "log fully compacted on unload");
    const [snapshot] = await server.app.database.db
      .select()
      .from(docSnapshots)
      .where(eq(docSnapshots.fileId, fileId));
    expect(snapshot!.state.byteLength).toBeGreaterThan(0);
    // The materialised text and the listing agree with the document after unload.
    const file = await server.api.get(fileUrl, user.accessToken);
    expect(file.body.content).toBe(Array.from({ length: 35 }, (_, i) => `${i};`).join(""));
    expect(file.body.size).toBe(Buffer.byteLength(file.body.content));
    const metrics = (await server.api.get("/metrics")).body as string;
    expect(metrics).toMatch(/collab_compactions_total\{result="compacted"\} [1-9]/);
  });

  it("takes an automatic checkpoint after the interval of activity, and when the document unloads", async () => {
    const { fileId, fileUrl } = await newFile();
    const client = openEditor(server.baseUrl, fileId, user.accessToken);
    try {
      await client.synced();
      client.text.insert(0, "draft");
      await waitFor(async () => (await server.api.get(fileUrl, user.accessToken)).body.content === "draft");
      expect((await server.api.get(`${fileUrl}/versions`, user.accessToken)).body.items).toEqual([]);
      server.clock.advance(61_000);
      client.text.insert(5, " two");
      await waitFor(
        async () => (await server.api.get(`${fileUrl}/versions`, user.accessToken)).body.items.length === 1,
      );
      const [auto] = (await server.api.get(`${fileUrl}/versions`, user.accessToken)).body.items;
      expect(auto).toMatchObject({ kind: "auto", name: null, createdBy: null });
      expect((await server.api.get(`${fileUrl}/versions/${auto.id}`, user.accessToken)).body.content).toBe(
        "draft two",
      );
      client.text.insert(9, " three");
      await waitFor(
        async () => (await server.api.get(fileUrl, user.accessToken)).body.content === "draft two three",
      );
    } finally {
      client.destroy();
    }
    await waitFor(
      async () => (await server.api.get(`${fileUrl}/versions`, user.accessToken)).body.items.length === 2,
      5_000,
      "checkpoint on unload",
    );
    const [latest] = (await server.api.get(`${fileUrl}/versions`, user.accessToken)).body.items;
    expect((await server.api.get(`${fileUrl}/versions/${latest.id}`, user.accessToken)).body.content).toBe(
      "draft two three",
    );
  });
});
