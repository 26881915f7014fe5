import { readFile } from "node:fs/promises";
import { startTestServer, type TestServer } from "@codepark/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphqlJs } from "../src/transport/graphql/graphql-js.ts";
import { printedSdl, SCHEMA_FILE } from "../src/transport/graphql/sdl.ts";
import { gql } from "./graphql-helpers.ts";

/** packages/protocol/schema.graphql is what the running server serves: regenerate it with `npm run graphql:schema`. */
describe("the checked-in GraphQL schema", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("pglite");
  });
  afterAll(() => server?.stop());

  /** The schema the server answers with, read back through introspection. */
  async function runningSchema() {
    const answer = await gql(server, graphqlJs.getIntrospectionQuery());
    expect(answer.body.errors).toBeUndefined();
    return graphqlJs.buildClientSchema(answer.body.data);
  }

  it("matches the running server's schema", async () => {
    const running = printedSdl(await runningSchema());
    const checkedIn = await readFile(SCHEMA_FILE, "utf8");
    expect(checkedIn, "run `npm run graphql:schema` and commit packages/protocol/schema.graphql").toBe(
      running,
    );
  });

  it("has a subscription for each live change the issue names", async () => {
    const fields = Object.keys((await runningSchema()).getSubscriptionType()!.getFields());
    expect(fields.sort()).toEqual([
      "fileChanged",
      "memberChanged",
      "messageAdded",
      "notificationAdded",
      "projectUpdated",
    ]);
  });
});
