import { registerUser, type TestUser, testStores, waitFor } from "@codepark/testing";
import { type Cluster, type ClusterNode, startCluster } from "@codepark/testing/cluster";
import { type CollabOutcome, connectCollab } from "@codepark/testing/collab";
import { type Client, connectClient, within } from "@codepark/testing/realtime";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFailed } from "vitest";
import type { WebSocket } from "ws";

/**
 * Connection caps across two real nodes sharing Redis (docs/security.md, "WebSocket limits"): a person's free
 * 20 connections are counted together whichever node and door they use, and a node that dies stops
 * counting within PRESENCE_TTL_SECONDS (3 s in the test cluster).
 */
const clustered = testStores().includes("postgres");

describe.skipIf(!clustered)("WebSocket connection caps across two nodes", () => {
  let cluster: Cluster;
  let a: ClusterNode;
  let b: ClusterNode;
  let user: TestUser;
  let fileId: string;
  const sockets: Client[] = [];
  const raw: WebSocket[] = [];

  beforeAll(async () => {
    cluster = await startCluster({ env: { RATE_LIMIT_ENABLED: "true" } });
    [a, b] = cluster.nodes as [ClusterNode, ClusterNode];
    user = await registerUser(a.api, "Nora Nodes");
    const project = await a.api.post("/api/v1/projects", { name: "Caps" }, user.accessToken);
    const file = await a.api.post(
      `/api/v1/projects/${project.body.id}/files`,
      { path: "main.ts", content: "" },
      user.accessToken,
    );
    expect(file.status).toBe(201);
    fileId = file.body.id;
  }, 120_000);
  beforeEach(() => {
    onTestFailed(() => {
      for (const node of cluster.nodes)
        console.log(`--- node ${node.name}\n${node.process.output().slice(-4_000)}`);
    });
  });
  afterEach(async () => {
    for (const client of sockets.splice(0)) client.socket.disconnect();
    for (const ws of raw.splice(0)) ws.terminate();
    await new Promise((resolve) => setTimeout(resolve, 200));
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  async function collab(node: ClusterNode): Promise<CollabOutcome> {
    const url = `${node.url.replace(/^http/, "ws")}/collab/${fileId}?token=${user.accessToken}`;
    const outcome = await within(connectCollab(url), "collab answer");
    if (outcome.kind === "joined") raw.push(outcome.ws);
    return outcome;
  }

  async function socketOn(node: ClusterNode): Promise<Client | (Error & { data?: any })> {
    try {
      const client = await connectClient(node.url, user.accessToken);
      sockets.push(client);
      return client;
    } catch (error) {
      return error as Error;
    }
  }

  it("20 free connections in all, over both nodes and both doors; a slot freed on one node is usable on the other", async () => {
    for (let i = 0; i < 5; i++) {
      expect((await collab(a)).kind).toBe("joined");
      expect((await collab(b)).kind).toBe("joined");
      expect(await socketOn(a)).not.toBeInstanceOf(Error);
      expect(await socketOn(b)).not.toBeInstanceOf(Error);
    }
    expect(await collab(a)).toMatchObject({ kind: "closed", code: 4429 });
    expect(await collab(b)).toMatchObject({ kind: "closed", code: 4429 });
    expect(((await socketOn(a)) as Error & { data?: any }).data?.code).toBe("connection_limit");
    expect(((await socketOn(b)) as Error & { data?: any }).data?.code).toBe("connection_limit");

    // A connection on A closes: B may open one.
    raw[0]!.close(); // the first, on A
    await waitFor(async () => (await collab(b)).kind === "joined", 5_000, "the slot A gave back, on B");
    expect(await collab(a)).toMatchObject({ kind: "closed", code: 4429 });
  });

  it("a node killed outright stops counting against the cap within the TTL", async () => {
    for (let i = 0; i < 10; i++) expect((await collab(a)).kind).toBe("joined");
    for (let i = 0; i < 10; i++) expect(await socketOn(b)).not.toBeInstanceOf(Error);
    expect(((await socketOn(b)) as Error & { data?: any }).data?.code).toBe("connection_limit");

    await a.kill();
    const killedAt = Date.now();
    // A's ten stay counted until they expire (renewed every second, for 3 s): then B has room.
    expect(((await socketOn(b)) as Error & { data?: any }).data?.code).toBe("connection_limit");
    // Each of A's entries expires a TTL after its own last renewal: they may go a little apart.
    for (let i = 0; i < 10; i++) {
      await waitFor(
        async () => !((await socketOn(b)) instanceof Error),
        8_000,
        `A's connection ${i} expired`,
      );
    }
    const freedAfterMs = Date.now() - killedAt;
    // TTL 3 s after the last renewal (at most 1 s before the kill), plus the polling.
    expect(freedAfterMs).toBeLessThan(3_000 + 2_000);
    expect(((await socketOn(b)) as Error & { data?: any }).data?.code).toBe("connection_limit");
  });
});
