import { registerUser, startTestServer, type TestServer, type TestUser, testStores } from "@codepark/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gql } from "./graphql-helpers.ts";

/** The most statements the 50-project read may take, whatever the number of projects. */
const MAX_STATEMENTS = 6;

const QUERY = `query($limit: Int!) {
  projects(limit: $limit) {
    items { id name members { items { userId name role } } files { items { id path size } } conversation { id } }
  }
}`;
const WITHOUT_CONVERSATION = QUERY.replace("conversation { id } ", "");

/**
 * The N+1 test: projects with their members and files are read with a bounded number of SQL
 * statements, counted by the store's statement observer, the same for 5 projects as for 50.
 */
describe.each(testStores())("GraphQL statements per read on %s", (store) => {
  let server: TestServer;
  let owner: TestUser;
  const seen: string[] = [];

  beforeAll(async () => {
    server = await startTestServer(
      store,
      // No job poll lands in the counted window.
      { JOBS_POLL_INTERVAL_MS: "60000" },
      { observeStatements: (text) => seen.push(text) },
    );
    owner = await registerUser(server.api, "Owner");
    const others = [await registerUser(server.api, "Ann"), await registerUser(server.api, "Ben")];
    for (let i = 0; i < 50; i++) {
      const id = (await server.api.post("/api/v1/projects", { name: `p${i}` }, owner.accessToken)).body.id;
      for (const other of others)
        await server.api.post(
          `/api/v1/projects/${id}/members`,
          { email: other.email, role: "viewer" },
          owner.accessToken,
        );
      for (const path of ["a.ts", "b.ts"])
        await server.api.post(`/api/v1/projects/${id}/files`, { path, content: "x" }, owner.accessToken);
    }
  }, 120_000);
  afterAll(() => server?.stop());

  /** Waits until the set-up's follow-up jobs (notification emails) have stopped sending statements. */
  async function quiet() {
    for (let i = 0; i < 50; i++) {
      seen.length = 0;
      await new Promise((resolve) => setTimeout(resolve, 200));
      if (seen.length === 0) return;
    }
    throw new Error("the server never went quiet");
  }

  async function count(query: string, limit: number) {
    await gql(server, query, { limit }, owner.accessToken); // warm: caches filled, statements prepared
    await quiet();
    const answer = await gql(server, query, { limit }, owner.accessToken);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.projects.items).toHaveLength(limit);
    for (const project of answer.body.data.projects.items) {
      expect(project.members.items).toHaveLength(3);
      expect(project.files.items.map((f: { path: string }) => f.path)).toEqual(["a.ts", "b.ts"]);
    }
    if (process.env.SHOW_STATEMENTS) console.log(limit, seen.map((s) => s.slice(0, 140)).join("\n"));
    return seen.length;
  }

  it(`reads 50 projects with members and files in at most ${MAX_STATEMENTS} statements, as many as for 5`, async () => {
    const fifty = await count(WITHOUT_CONVERSATION, 50);
    const five = await count(WITHOUT_CONVERSATION, 5);
    expect(fifty).toBeLessThanOrEqual(MAX_STATEMENTS);
    expect(fifty).toBe(five);
  });

  it("a project's channel is read per project (its unread count is the caller's), and no more", async () => {
    const fifty = await count(QUERY, 50);
    const base = await count(WITHOUT_CONVERSATION, 50);
    // projectChannel: at most three statements a project (channel, read state, cached access).
    expect(fifty - base).toBeLessThanOrEqual(50 * 3);
  });
});
