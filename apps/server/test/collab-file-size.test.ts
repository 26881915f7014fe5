import {
  registerUser,
  startTestServer,
  type TestServer,
  type TestUser,
  testStores,
  waitFor,
} from "@codepark/testing";
import { type Editor, openEditor } from "@codepark/testing/collab";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const LIMIT = 4096;
const bytes = (text: string) => Buffer.byteLength(text, "utf8");

describe.each(testStores())("collaboration edits held to MAX_FILE_BYTES on %s", (store) => {
  let server: TestServer;
  let owner: TestUser;
  let editor: TestUser;
  const editors: Editor[] = [];

  beforeAll(async () => {
    server = await startTestServer(store, { MAX_FILE_BYTES: String(LIMIT), COLLAB_UNLOAD_GRACE_MS: "50" });
    await registerUser(server.api, "Admin");
    owner = await registerUser(server.api, "Olga Owner");
    editor = await registerUser(server.api, "Eddie Editor");
  });
  afterEach(() => {
    for (const e of editors.splice(0)) e.destroy();
  });
  afterAll(() => server?.stop());

  const open = (fileId: string, token: string) => {
    const e = openEditor(server.baseUrl, fileId, token);
    editors.push(e);
    return e;
  };

  async function newFile(content: string) {
    const project = await server.api.post("/api/v1/projects", { name: "Sized" }, owner.accessToken);
    const base = `/api/v1/projects/${project.body.id}`;
    await server.api.post(`${base}/members`, { email: editor.email, role: "editor" }, owner.accessToken);
    const file = await server.api.post(`${base}/files`, { path: "f.txt", content }, owner.accessToken);
    expect(file.status).toBe(201);
    return { fileId: file.body.id as string, base, fileUrl: `${base}/files/${file.body.id}` };
  }

  /** Size as the file view and the listing report it, with the content the view returns. */
  async function reported(base: string, fileUrl: string) {
    const view = await server.api.get(fileUrl, owner.accessToken);
    const list = await server.api.get(`${base}/files`, owner.accessToken);
    return {
      content: view.body.content as string,
      viewSize: view.body.size as number,
      listSize: list.body.items[0].size as number,
    };
  }

  const refusedCount = async () => {
    const metrics = (await server.api.get("/metrics")).body as string;
    return Number(/^collab_updates_refused_total\{reason="file_too_large"\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
  };

  it("refuses an edit past the limit: sender closed with 4413, nothing stored or shown, the file stays editable", async () => {
    const start = "a".repeat(LIMIT - 100);
    const { fileId, base, fileUrl } = await newFile(start);
    const alice = open(fileId, owner.accessToken);
    const bob = open(fileId, editor.accessToken);
    await Promise.all([alice.synced(), bob.synced()]);
    const refusedBefore = await refusedCount();

    bob.text.insert(0, "B".repeat(200));
    await waitFor(() => bob.closes.some((c) => c.code === 4413), 5_000, "4413 for the sender");
    expect(bob.closes.find((c) => c.code === 4413)!.reason).toBe("file size limit reached");
    expect(await refusedCount()).toBe(refusedBefore + 1);

    // Everyone else goes on: an edit within the limit is stored and shown.
    alice.text.insert(alice.text.length, "-alice");
    const late = open(fileId, owner.accessToken);
    await late.synced();
    await waitFor(() => late.text.toString() === `${start}-alice`, 5_000, "late client sees alice only");
    expect(alice.text.toString()).toBe(`${start}-alice`);
    expect(alice.closes).toEqual([]);
    const live = await reported(base, fileUrl);
    expect(live.content).toBe(`${start}-alice`);

    // Not in the durable log either: after every client leaves the document unloads, and what is
    // read back from the store has no trace of the refused edit.
    const manager = server.app.ctx.collab.manager;
    for (const e of editors.splice(0)) e.destroy();
    await waitFor(() => manager.get(fileId) === undefined, 5_000, "unload");
    const stored = await reported(base, fileUrl);
    expect(stored.content).toBe(`${start}-alice`);
    expect(stored.viewSize).toBe(LIMIT - 100 + 6);
    const again = open(fileId, editor.accessToken);
    await again.synced();
    expect(again.text.toString()).toBe(`${start}-alice`);
  });

  it("accepts growth up to exactly the limit and refuses the next byte", async () => {
    const { fileId, base, fileUrl } = await newFile("");
    const writer = open(fileId, owner.accessToken);
    await writer.synced();
    const chunks = ["€".repeat(1000), "é".repeat(500), "😀".repeat(24)]; // 3,000 + 1,000 + 96 bytes
    const body = chunks.join("");
    expect(bytes(body)).toBe(LIMIT);
    for (const chunk of chunks) writer.text.insert(writer.text.length, chunk);
    await waitFor(async () => (await reported(base, fileUrl)).content === body, 5_000, "full file stored");
    expect(writer.closes).toEqual([]);
    writer.text.insert(0, "!");
    await waitFor(() => writer.closes.some((c) => c.code === 4413), 5_000, "the byte past the limit");
    expect((await reported(base, fileUrl)).content).toBe(body);
  });

  it("accepts a replacement that deletes more than it adds, however close to the limit", async () => {
    const start = "€".repeat(Math.floor(LIMIT / 3)); // 4,095 bytes
    const { fileId, base, fileUrl } = await newFile(start);
    const writer = open(fileId, owner.accessToken);
    await writer.synced();
    // Select 100 "€" (300 bytes) and paste 290 bytes in their place: one update.
    writer.doc.transact(() => {
      writer.text.delete(10, 100);
      writer.text.insert(10, "y".repeat(290));
    });
    const expected = `${start.slice(0, 10)}${"y".repeat(290)}${start.slice(110)}`;
    await waitFor(
      async () => (await reported(base, fileUrl)).content === expected,
      5_000,
      "replacement stored",
    );
    expect(writer.closes).toEqual([]);
    // A REST write of a different text of the same size passes too (replaceText deletes what it drops).
    const put = await server.api.patch(fileUrl, { content: "ü".repeat(2047) }, owner.accessToken);
    expect(put.status).toBe(200);
    await waitFor(() => writer.text.toString() === "ü".repeat(2047), 5_000, "REST write reaches the editor");
    expect(writer.closes).toEqual([]);
  });

  it("reports size as the live text's UTF-8 bytes in the file view and the listing, before and after compaction", async () => {
    const { fileId, base, fileUrl } = await newFile("start");
    const alice = open(fileId, owner.accessToken);
    const bob = open(fileId, editor.accessToken);
    await Promise.all([alice.synced(), bob.synced()]);
    alice.text.insert(5, " héllo wörld 😀");
    bob.text.insert(0, "€ ");
    await waitFor(() => alice.text.toString() === bob.text.toString() && alice.text.length > 20);
    alice.text.delete(0, 2); // the "€ " again
    bob.text.insert(bob.text.length, " 👩‍💻");
    await waitFor(
      () => alice.text.toString() === bob.text.toString() && alice.text.toString().endsWith("💻"),
    );
    const expected = alice.text.toString();
    await waitFor(async () => (await reported(base, fileUrl)).content === expected);
    const live = await reported(base, fileUrl);
    expect(live.viewSize).toBe(bytes(expected));
    expect(live.listSize).toBe(bytes(expected));
    expect(live.viewSize).not.toBe(expected.length); // multi-byte: bytes, not characters

    // A rename announces the live size too; then unload (compaction) keeps the same figure.
    const renamed = await server.api.patch(fileUrl, { path: "g.txt" }, owner.accessToken);
    expect(renamed.body.size).toBe(bytes(expected));
    for (const e of editors.splice(0)) e.destroy();
    const manager = server.app.ctx.collab.manager;
    await waitFor(() => manager.get(fileId) === undefined, 5_000, "unload");
    const stored = await reported(base, fileUrl);
    expect([stored.viewSize, stored.listSize]).toEqual([bytes(expected), bytes(expected)]);
    // A saved version carries its content's size.
    const version = await server.api.post(`${fileUrl}/versions`, { name: "v1" }, owner.accessToken);
    expect(version.body.size).toBe(bytes(expected));
  });

  it("lists the live size of a file whose log has entries no compaction has merged yet", async () => {
    const { fileId, base, fileUrl } = await newFile("x");
    const writer = open(fileId, owner.accessToken);
    await writer.synced();
    writer.text.insert(1, "ñ".repeat(100));
    await waitFor(async () => (await reported(base, fileUrl)).content.length === 101);
    await server.app.ctx.collab.manager.drain();
    // Drop the live document without compacting, as a crash would: the log keeps the tail.
    server.app.ctx.collab.manager.discard(fileId, 1001, "test");
    writer.destroy();
    expect(server.app.ctx.collab.manager.get(fileId)).toBeUndefined();
    const list = await server.api.get(`${base}/files`, owner.accessToken);
    expect(list.body.items[0].size).toBe(201);
  });
});
