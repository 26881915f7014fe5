import { type ApiClient, registerUser, type TestUser, testStores } from "@codepark/testing";
import { type Cluster, type ClusterNode, startCluster } from "@codepark/testing/cluster";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Request limits with two real nodes sharing one Redis: one account's quota is one quota whichever
 * node answers, and while Redis is down each node counts in its own memory (the insurance limiter)
 * rather than refusing everyone or nobody.
 */
const clustered = testStores().includes("postgres");

const countOf = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;
const me = (api: ApiClient, user: TestUser) => api.get("/api/v1/me", user.accessToken);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!clustered)("rate limits across two nodes sharing Redis", () => {
  let cluster: Cluster;
  let a: ClusterNode;
  let b: ClusterNode;

  beforeAll(async () => {
    // The free plan's quota is made 30 a minute with a burst no test reaches: a minute window does
    // not depend on how fast a loaded machine answers (the tier figures are tested in rate-limits.test.ts).
    cluster = await startCluster({
      env: { RATE_LIMIT_ENABLED: "true", RATE_LIMIT_FREE: "30/min burst 1000 connections 20" },
    });
    [a, b] = cluster.nodes as [ClusterNode, ClusterNode];
  }, 120_000);
  afterAll(() => cluster?.stop());

  it("counts one account's quota once across both nodes", async () => {
    const user = await registerUser(a.api, "Shared");
    const statuses = (
      await Promise.all([
        ...Array.from({ length: 15 }, () => me(a.api, user)),
        ...Array.from({ length: 16 }, () => me(b.api, user)),
      ])
    ).map((response) => response.status);
    expect(countOf(statuses, 200)).toBe(30);
    expect(countOf(statuses, 429)).toBe(1);
  });

  it("while Redis is down, each node limits on its own (no blanket 429, no unlimited window), then shares again", async () => {
    const user = await registerUser(a.api, "Outage");
    const down = cluster.redis.restart(4_000);
    await sleep(500);
    // Node A alone: its memory allows the quota and refuses the 31st.
    const duringA = (await Promise.all(Array.from({ length: 31 }, () => me(a.api, user)))).map(
      (response) => response.status,
    );
    expect(countOf(duringA, 200)).toBe(30);
    expect(countOf(duringA, 429)).toBe(1);
    // Node B has counted nothing of it: per node while Redis is away.
    expect((await me(b.api, user)).status).toBe(200);
    await down;
    // Redis back (empty): shared again once the nodes' clients have reconnected.
    await sleep(2_500);
    const fresh = await registerUser(a.api, "After");
    const after = (
      await Promise.all([
        ...Array.from({ length: 15 }, () => me(a.api, fresh)),
        ...Array.from({ length: 16 }, () => me(b.api, fresh)),
      ])
    ).map((response) => response.status);
    expect(countOf(after, 429)).toBe(1);
  });
});
