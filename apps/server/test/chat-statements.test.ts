import { registerUser, startTestServer, type TestServer, testStores, waitFor } from "@codepark/testing";
import { type Client, connectClient } from "@codepark/testing/realtime";
import { count } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventOutbox } from "../src/domain/events/schema.ts";

/** The chat hot path's budget (issue 15): statements per message, its own and its dispatch's. */
const MAX_STATEMENTS_PER_MESSAGE = 5;
const MESSAGES = 20;

describe.each(testStores())("statements per chat message on %s", (store) => {
  let server: TestServer;
  const seen: { text: string; name: string | undefined }[] = [];
  let client: Client;
  let channelId: string;

  beforeAll(async () => {
    server = await startTestServer(
      store,
      // No poll tick (job schedules, due jobs) lands in the counted window.
      { JOBS_POLL_INTERVAL_MS: "60000" },
      { observeStatements: (text, name) => seen.push({ text, name }) },
    );
    const ada = await registerUser(server.api, "Ada Lovelace");
    const bob = await registerUser(server.api, "Bob");
    const projectId = (await server.api.post("/api/v1/projects", { name: "Counted" }, ada.accessToken)).body
      .id;
    await server.api.post(
      `/api/v1/projects/${projectId}/members`,
      { email: bob.email, role: "editor" },
      ada.accessToken,
    );
    channelId = (await server.api.get(`/api/v1/projects/${projectId}/conversation`, ada.accessToken)).body.id;
    client = await connectClient(server.baseUrl, bob.accessToken);
    await client.ack("chat:join", { conversationId: channelId });
    // The first message fills the access caches; the sign-ups' follow-up jobs finish meanwhile.
    await client.ack("chat:send", { conversationId: channelId, body: "warm-up" });
    await dispatched();
  });
  afterAll(async () => {
    client?.socket.disconnect();
    await server?.stop();
  });

  /** Every committed event has been handed to its consumers (read outside the counted window). */
  async function dispatched() {
    await waitFor(async () => {
      const [row] = await server.app.database.db.select({ n: count() }).from(eventOutbox);
      return row!.n === 0;
    });
    // The pass that emptied the outbox has committed; its wakes have run.
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  it(`sends each message in one prepared statement and at most ${MAX_STATEMENTS_PER_MESSAGE} in all, dispatch included`, async () => {
    seen.length = 0;
    const commits = () => seen.filter((statement) => /^\s*commit/i.test(statement.text)).length;
    for (let i = 0; i < MESSAGES; i++) {
      const before = commits();
      const answer = await client.ack("chat:send", { conversationId: channelId, body: `counted ${i}` });
      expect(answer).toMatchObject({ ok: true });
      // One message at a time, its dispatch pass committed before the next: the worst case, where
      // no pass serves two messages.
      await waitFor(async () => commits() > before);
    }
    const counted = [...seen];
    await dispatched();
    const sends = counted.filter((statement) => statement.name === "chat_send_channel");
    expect(sends).toHaveLength(MESSAGES);
    expect(counted.length / MESSAGES).toBeLessThanOrEqual(MAX_STATEMENTS_PER_MESSAGE);
    // Unread counts are kept, never recounted on the way.
    expect(counted.filter((statement) => /count\(/i.test(statement.text))).toEqual([]);
  });
});
