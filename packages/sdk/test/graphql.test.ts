// The SDK against the real /graphql endpoint (Mercurius, graphql-ws subscriptions).
import { registerUser, testStores } from "@codepark/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CodeParkClient, memorySessionStore, ProblemError } from "../src/index.ts";
import { runExample } from "./examples.ts";
import { type SdkFixture, startSdkFixture } from "./fixtures.ts";

const FIFTEEN_MINUTES = 15 * 60_000;

describe.each(testStores())("SDK GraphQL on %s", (store) => {
  let fixture: SdkFixture;
  let alice: CodeParkClient;
  let aliceId: string;
  let projectId: string;
  beforeAll(async () => {
    fixture = await startSdkFixture(store);
    const account = await fixture.account("Alice");
    alice = account.client;
    aliceId = account.user.id;
    projectId = (await alice.projects.create({ name: "Graph" })).id;
  });
  afterAll(() => fixture?.stop());

  it("graphql(): a query with variables, typed by the caller", async () => {
    const data = await alice.graphql<{ me: { id: string }; project: { id: string; name: string } }>(
      "query Start($id: ID!) { me { id } project(id: $id) { id name } }",
      { id: projectId },
    );
    expect(data).toEqual({ me: { id: aliceId }, project: { id: projectId, name: "Graph" } });
  });

  it("graphql(): an error is a ProblemError with the code from extensions.code", async () => {
    const failure = await alice
      .graphql("query Missing($id: ID!) { project(id: $id) { id } }", { id: "prj_missing" })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProblemError);
    expect(failure).toMatchObject({ code: "not_found", status: 404 });
  });

  it("graphql(): refreshes an expired access token and retries", async () => {
    const user = await registerUser(fixture.server.api, "Expiring");
    const session = memorySessionStore({ ...user, receivedAt: Date.now() });
    const client = fixture.client({ session });
    fixture.server.clock.advance(FIFTEEN_MINUTES + 1_000);
    try {
      expect(await client.graphql("{ me { id } }")).toEqual({ me: { id: user.id } });
      expect(session.get()?.refreshToken).not.toBe(user.refreshToken);
    } finally {
      fixture.server.clock.advance(-(FIFTEEN_MINUTES + 1_000));
    }
  });

  it("subscribe(): projectUpdated arrives over graphql-ws; ending the loop unsubscribes", async () => {
    const updates = alice.subscribe<{
      projectUpdated: { id: string; description: string; changedFields: string[] };
    }>(
      "subscription Updates($projectId: ID!) { projectUpdated(projectId: $projectId) { id description changedFields } }",
      { projectId },
    );
    const iterator = updates[Symbol.asyncIterator]();
    const first = iterator.next();
    // The subscription is set up asynchronously: keep changing the project until an update arrives.
    let round = 0;
    const poke = setInterval(() => {
      round += 1;
      void alice.projects.update({ id: projectId, description: `round ${round}` });
    }, 200);
    try {
      const { value } = await first;
      expect(value?.projectUpdated).toMatchObject({ id: projectId, changedFields: ["description"] });
      expect(value?.projectUpdated.description).toMatch(/^round \d+$/);
    } finally {
      clearInterval(poke);
      await iterator.return?.();
    }
  });

  it("subscribe(): without a credential the subscription fails with a ProblemError", async () => {
    const anonymous = fixture.client({});
    const failure = await (async () => {
      for await (const _ of anonymous.subscribe("subscription { notificationAdded { id } }"))
        return "delivered";
      return "completed";
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProblemError);
    expect((failure as ProblemError).code).toMatch(/unauthorized|forbidden/);
  });

  it("the README's GraphQL example (examples/graphql.ts) runs", async () => {
    const { logged } = await runExample(fixture.server, "graphql.ts");
    expect(logged[0]).toBe("graphql: Graph");
    expect(logged[1]).toMatch(/^update: Graph \d+ name$/);
  });
});
