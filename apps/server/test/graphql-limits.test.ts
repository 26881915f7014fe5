import { createHash } from "node:crypto";
import {
  registerUser,
  startTestServer,
  type TestServer,
  type TestUser,
  testStores,
  waitFor,
} from "@codepark/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, gql, subscribe, wsClient } from "./graphql-helpers.ts";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** Depth, cost, alias and batch limits, persisted queries, introspection, and REST's rate-limit tiers. */
describe.each(testStores())("GraphQL limits on %s", (store) => {
  let server: TestServer;
  let user: TestUser;

  beforeAll(async () => {
    server = await startTestServer(store, {
      GRAPHQL_MAX_DEPTH: "7",
      GRAPHQL_MAX_COST: "3000",
      GRAPHQL_MAX_ALIASES: "5",
      GRAPHQL_MAX_BATCH: "3",
    });
    user = await registerUser(server.api, "Limited");
  });
  afterAll(() => server?.stop());

  const post = (body: unknown, token = user.accessToken) =>
    fetch(`${server.baseUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });

  it("refuses a query nested deeper than GRAPHQL_MAX_DEPTH with query_too_deep, before running it", async () => {
    // Seven levels: projects › items › files › items › versions › items › id.
    const ok = await gql(
      server,
      "{ projects(limit: 2) { items { files(limit: 2) { items { versions(limit: 2) { items { id } } } } } } }",
      {},
      user.accessToken,
    );
    expect(ok.body.errors).toBeUndefined();
    const deep = await gql(
      server,
      "{ projects(limit: 2) { items { files(limit: 2) { items { versions(limit: 2) { items { createdBy { id } } } } } } } }",
      {},
      user.accessToken,
    );
    expect(deep.status).toBe(400);
    expect(codes(deep)).toEqual(["query_too_deep"]);
    // Through a fragment too.
    const viaFragment = await gql(
      server,
      "{ projects(limit: 2) { ...P } } fragment P on ProjectPage { items { files(limit: 2) { items { versions(limit: 2) { items { createdBy { id } } } } } } }",
      {},
      user.accessToken,
    );
    expect(codes(viaFragment)).toEqual(["query_too_deep"]);
  });

  it("refuses a query whose page sizes multiply past GRAPHQL_MAX_COST with query_too_complex", async () => {
    // 100 projects × 100 files × their content: far above 3000.
    const costly = await gql(
      server,
      "{ projects(limit: 100) { items { files(limit: 100) { items { content } } } } }",
      {},
      user.accessToken,
    );
    expect(codes(costly)).toEqual(["query_too_complex"]);
    // A page size given as a variable counts as the largest (validation is cached per document).
    const variable = await gql(
      server,
      "query($n: Int) { projects(limit: $n) { items { files(limit: $n) { items { id } } } } }",
      { n: 2 },
      user.accessToken,
    );
    expect(codes(variable)).toEqual(["query_too_complex"]);
    const small = await gql(
      server,
      "{ projects(limit: 10) { items { files(limit: 10) { items { content } } } } }",
      {},
      user.accessToken,
    );
    expect(small.body.errors).toBeUndefined();
  });

  it("refuses more aliases than GRAPHQL_MAX_ALIASES with too_many_aliases", async () => {
    const aliased = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `m${i}: me { id }`).join(" ")} }`;
    expect((await gql(server, aliased(5), {}, user.accessToken)).body.errors).toBeUndefined();
    expect(codes(await gql(server, aliased(6), {}, user.accessToken))).toEqual(["too_many_aliases"]);
  });

  it("answers a batch of up to GRAPHQL_MAX_BATCH operations, refuses a larger one with batch_too_large", async () => {
    const batch = (n: number) => Array.from({ length: n }, () => ({ query: "{ me { id } }" }));
    const ok = await post(batch(3));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual(Array.from({ length: 3 }, () => ({ data: { me: { id: user.id } } })));
    const big = await post(batch(4));
    expect(big.status).toBe(400);
    expect((await big.json()).errors[0].extensions.code).toBe("batch_too_large");
  });

  it("supports automatic persisted queries: hash alone → PersistedQueryNotFound, then hash + query, then hash alone", async () => {
    const query = "{ me { id name } }";
    const extensions = { persistedQuery: { version: 1, sha256Hash: sha256(query) } };
    const unknown = await post({ extensions });
    const unknownBody = await unknown.json();
    expect(unknownBody.errors[0].message).toBe("PersistedQueryNotFound");
    expect(unknownBody.errors[0].extensions.code).toBe("persisted_query_not_found");
    const registered = await post({ query, extensions });
    expect((await registered.json()).data.me.id).toBe(user.id);
    const byHash = await post({ extensions });
    expect(await byHash.json()).toEqual({ data: { me: { id: user.id, name: "Limited" } } });
    // A hash that does not match its query is refused.
    const mismatch = await post({ query: "{ me { email } }", extensions });
    expect(mismatch.status).toBe(400);
  });

  it("answers introspection in development and serves GraphiQL", async () => {
    const types = await gql(server, "{ __schema { queryType { name } } }", {}, user.accessToken);
    expect(types.body.data).toEqual({ __schema: { queryType: { name: "Query" } } });
    const page = await fetch(`${server.baseUrl}/graphiql`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("https://unpkg.com");
  });
});

describe("GraphQL with production settings", () => {
  let server: TestServer;
  let user: TestUser;
  beforeAll(async () => {
    server = await startTestServer("pglite", {
      GRAPHQL_INTROSPECTION: "false",
      RATE_LIMIT_ENABLED: "true",
      RATE_LIMIT_FREE: "1000/min burst 5 connections 2",
    });
    user = await registerUser(server.api, "Prod");
  });
  afterAll(() => server?.stop());

  it("refuses introspection and serves no GraphiQL when GRAPHQL_INTROSPECTION=false", async () => {
    const types = await gql(server, "{ __schema { queryType { name } } }", {}, user.accessToken);
    expect(types.status).toBe(400);
    expect(new Set(codes(types))).toEqual(new Set(["graphql_invalid"]));
    expect(types.body.errors![0]!.message).toContain("introspection");
    expect((await fetch(`${server.baseUrl}/graphiql`)).status).toBe(404);
  });

  it("counts GraphQL requests (each operation of a batch) against the caller's REST tier", async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a fresh one-second window
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await gql(server, "{ me { id } }", {}, user.accessToken)).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    const refused = await gql(server, "{ me { id } }", {}, user.accessToken);
    expect(refused.status).toBe(429);
    expect(codes(refused)).toEqual(["rate_limited"]);
    expect(refused.headers.get("retry-after")).toBeTruthy();
    expect(refused.headers.get("ratelimit-policy")).toContain("burst");
    // REST shares the same window.
    expect((await server.api.get("/api/v1/me", user.accessToken)).status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const batch = await fetch(`${server.baseUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${user.accessToken}` },
      body: JSON.stringify(Array.from({ length: 6 }, () => ({ query: "{ me { id } }" }))),
    });
    expect(batch.status).toBe(429);
  });

  it("caps a person's graphql-ws connections with the other doors' cap, and counts socket operations against the tier", async () => {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    await sleep(1100);
    const project = (await server.api.post("/api/v1/projects", { name: "Capped" }, user.accessToken)).body.id;
    const clients = [
      wsClient(server, user.accessToken),
      wsClient(server, user.accessToken),
      wsClient(server, user.accessToken),
    ];
    try {
      const query = "subscription($p: ID!) { projectUpdated(projectId: $p) { name } }";
      const first = subscribe(clients[0]!, query, { p: project });
      const second = subscribe(clients[1]!, query, { p: project });
      await sleep(300);
      expect([first.errors, second.errors]).toEqual([[], []]);
      await sleep(1100);
      // The plan allows 2 connections: the third person-bound socket is refused with its code.
      const third = subscribe(clients[2]!, query, { p: project });
      await waitFor(() => third.errors.length > 0);
      expect((third.errors[0] as { extensions: { code: string } }).extensions.code).toBe("connection_limit");
      await sleep(1100);
      // Operations over a socket count as requests: the burst of 5 a second holds there too.
      const answers = [];
      for (let i = 0; i < 6; i++)
        answers.push(
          await clients[0]!
            .iterate({ query: "{ me { id } }" })
            .next()
            .catch((e) => e),
        );
      const refusedCodes = answers.map(
        (a) => a.value?.errors?.[0]?.extensions?.code ?? (Array.isArray(a) ? a[0]?.extensions?.code : "ok"),
      );
      expect(refusedCodes.slice(0, 5)).toEqual(["ok", "ok", "ok", "ok", "ok"]);
      expect(refusedCodes[5]).toBe("rate_limited");
    } finally {
      await Promise.all(clients.map((client) => client.dispose()));
    }
  });
});
