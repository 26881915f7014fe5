import { testStores } from "@codepark/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CodeParkClient } from "../src/index.ts";
import { type SdkFixture, startSdkFixture } from "./fixtures.ts";

/** Resolves once `check` holds, polling; rejects naming `what` after `ms`. */
async function until(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(testStores())("SDK realtime and collaboration on %s", (store) => {
  let fixture: SdkFixture;
  let alice: CodeParkClient;
  let bob: CodeParkClient;
  let projectId: string;
  beforeAll(async () => {
    fixture = await startSdkFixture(store);
    alice = (await fixture.account("Alice")).client;
    const second = await fixture.account("Bob");
    bob = second.client;
    projectId = (await alice.projects.create({ name: "Live" })).id;
    await alice.members.add({ id: projectId, email: second.user.email, role: "editor" });
  });
  afterAll(() => fixture?.stop());

  it("realtime(): a typed, authenticated Socket.IO client that joins a project and hears its events", async () => {
    const socket = await bob.realtime({ reconnection: false });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("connect_error", reject);
      });
      const joined = await socket.timeout(5_000).emitWithAck("project:join", { projectId });
      expect(joined).toMatchObject({ ok: true });
      const updated = new Promise<{ changedFields: string[]; actorId: string | null }>((resolve) =>
        socket.once("project.updated", resolve),
      );
      await alice.projects.update({ id: projectId, description: "live now" });
      expect((await updated).changedFields).toContain("description");
    } finally {
      socket.disconnect();
    }
  });

  it("realtime(): refused without a session", async () => {
    const anonymous = fixture.client({});
    const socket = await anonymous.realtime({ reconnection: false });
    const refused = await new Promise<Error & { data?: { code?: string } }>((resolve) =>
      socket.once("connect_error", resolve),
    );
    socket.disconnect();
    expect(refused.data?.code ?? refused.message).toMatch(/unauthorized/);
  });

  it("collab.open(): two SDK clients' documents converge through the server", async () => {
    const file = await alice.files.create({ id: projectId, path: "live.ts", content: "start\n" });
    const mine = await alice.collab.open(file.id, { user: { name: "Alice" }, maxBackoffTime: 200 });
    const theirs = await bob.collab.open(file.id, { user: { name: "Bob" }, maxBackoffTime: 200 });
    try {
      await Promise.all([mine.synced(), theirs.synced()]);
      expect(mine.text.toString()).toBe("start\n");
      mine.text.insert(0, "// alice\n");
      theirs.text.insert(theirs.text.length, "// bob\n");
      await until(
        () => mine.text.toString() === theirs.text.toString() && mine.text.toString().includes("// bob"),
        "the documents to converge",
      );
      expect(mine.text.toString()).toBe("// alice\nstart\n// bob\n");
      // Awareness travels too: each sees the other's user.
      await until(
        () => [...mine.awareness.getStates().values()].some((state) => state.user?.name === "Bob"),
        "Bob's awareness at Alice",
      );
      // The server applied both edits: REST reads the merged text.
      const saved = await fixture.server.api.get(
        `/api/v1/projects/${projectId}/files/${file.id}`,
        await alice.accessToken().then((token) => token ?? ""),
      );
      expect(saved.body.content).toBe("// alice\nstart\n// bob\n");
    } finally {
      mine.close();
      theirs.close();
    }
  });
});
