/**
 * GraphQL against REST for the same read, and subscription fan-out, in one process and one run.
 *
 * The read: a project with its 20 files and 5 members (first pages), as a client asks for it.
 * - `rest`: the three requests a REST client makes for it (GET /projects/:id, …/files, …/members),
 *   each connection sending them in turn: `readsPerSec` is requests/s ÷ 3;
 * - `graphql`: one POST /graphql with `project(id) { … files { … } members { … } }`;
 * - `mercurius-bare`: a bare Fastify + Mercurius answering the same document from memory (no auth,
 *   no store): the floor any GraphQL server on this stack can reach.
 * CodePark runs on embedded PGlite with its settings as deployed (logging at info to /dev/null,
 * request limiter on with quotas never reached, the access cache at its default TTL).
 * Then `fanout`: SUBSCRIBERS graphql-ws clients (in this process) subscribed to projectUpdated of
 * one project; UPDATES project renames through REST, one at a time; latency = from sending the PATCH
 * to each subscriber receiving the change (p50/p99 over every delivery).
 *
 * One JSON line per target, then {"bench":"graphql","ratio":…}: graphql's reads/s over REST's
 * (the goal: ≥ 0.8) and over the bare server's.
 * Env: BENCH_QUICK=1 (3 s runs, 1 s warm-up, 10 updates), BENCH_DURATION, BENCH_CONNECTIONS
 *      (default 50), BENCH_WARMUP, BENCH_WORKERS (bench/lib/http-load.ts), BENCH_GRAPHQL_SUBSCRIBERS
 *      (default 200), BENCH_GRAPHQL_UPDATES (default 50).
 * Run alone: `npx tsx bench/graphql.ts`; with every bench: `npm run bench`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import fastify from "fastify";
import { createClient } from "graphql-ws";
import mercurius from "mercurius";
import pino from "pino";
import WebSocket from "ws";
import { createApp } from "../apps/server/src/app.ts";
import { loadConfig } from "../apps/server/src/config.ts";
import { registerAndSignIn } from "./lib/bench-project.ts";
import { cpuMark, cpuSince } from "./lib/cpu.ts";
import { benchQuick, numberFromEnv } from "./lib/env.ts";
import { assertClean, httpLoadFromEnv, resultFigures } from "./lib/http-load.ts";
import { requestJson } from "./lib/request-json.ts";
import { percentiles, round } from "./lib/stats.ts";

const quick = benchQuick();
const load = httpLoadFromEnv({ warmupS: 2 });
const SUBSCRIBERS = Math.floor(numberFromEnv("BENCH_GRAPHQL_SUBSCRIBERS", 200, 1));
const UPDATES = Math.floor(numberFromEnv("BENCH_GRAPHQL_UPDATES", quick ? 10 : 50, 1));
const FILES = 20;
const MEMBERS = 5;
const HUGE_TIER = "1000000000/min burst 1000000000 connections 1000000";
const note = `server, load generator and subscribers share ${availableParallelism()} cores and this process`;

const READ = `query Read($id: ID!) {
  project(id: $id) {
    id name description visibility role createdAt updatedAt
    files { items { id projectId path language size createdAt updatedAt } nextCursor }
    members { items { userId email name role joinedAt } nextCursor }
  }
}`;

interface Target {
  name: string;
  requests: autocannon.Request[];
  /** Requests per read. */
  perRead: number;
}

async function measure(target: Target, url: string): Promise<number> {
  const options = {
    url,
    connections: load.connections,
    requests: target.requests,
    workers: load.workers || undefined,
  };
  if (load.warmupS > 0)
    assertClean(target.name, "warm-up", await autocannon({ ...options, duration: load.warmupS }));
  const mark = cpuMark();
  const result = await autocannon({ ...options, duration: load.durationS });
  assertClean(target.name, "run", result);
  const readsPerSec = result.requests.average / target.perRead;
  const line = {
    bench: "graphql",
    target: target.name,
    ...resultFigures(result),
    readsPerSec: round(readsPerSec, 1),
    ...cpuSince(mark),
    note,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  return readsPerSec;
}

const graphqlRequest = (
  headers: Record<string, string>,
  variables: Record<string, unknown>,
): autocannon.Request => ({
  method: "POST",
  path: "/graphql",
  headers: { ...headers, "content-type": "application/json" },
  body: JSON.stringify({ query: READ, variables }),
});

/** A project with FILES files and MEMBERS members (the owner and four others), through the API. */
async function seed(base: string, verifyAll: () => Promise<void>) {
  const api = `${base}/api/v1`;
  const account = (n: number) => ({
    email: `bench-gql-${n}-${Date.now()}@example.test`,
    password: "a sturdy benchmark passphrase",
    name: `Bench ${n}`,
  });
  const owner = account(0);
  const { accessToken: token } = await registerAndSignIn(api, owner);
  const others = [];
  for (let n = 1; n < MEMBERS; n++) others.push(account(n));
  for (const other of others) await requestJson(`${api}/auth/register`, { method: "POST", body: other }, 202);
  await verifyAll();
  const { id: projectId } = await requestJson<{ id: string }>(
    `${api}/projects`,
    { method: "POST", body: { name: "bench graphql" }, token },
    201,
  );
  for (const other of others)
    await requestJson(
      `${api}/projects/${projectId}/members`,
      { method: "POST", body: { email: other.email, role: "editor" }, token },
      201,
    );
  for (let i = 0; i < FILES; i++)
    await requestJson(
      `${api}/projects/${projectId}/files`,
      {
        method: "POST",
        body: { path: `src/file${String(i).padStart(2, "0")}.ts`, content: `export const n = ${i};\n` },
        token,
      },
      201,
    );
  return { token, projectId };
}

/** GraphQL's answer is the REST answers' data, field for field (so both targets read the same). */
async function checkSameRead(base: string, token: string, projectId: string): Promise<unknown> {
  const api = `${base}/api/v1`;
  const [project, files, members] = await Promise.all([
    requestJson<Record<string, unknown>>(`${api}/projects/${projectId}`, { token }, 200),
    requestJson<{ items: unknown[] }>(`${api}/projects/${projectId}/files`, { token }, 200),
    requestJson<{ items: unknown[] }>(`${api}/projects/${projectId}/members`, { token }, 200),
  ]);
  const answer = await requestJson<{ data: { project: Record<string, unknown> } }>(
    `${base}/graphql`,
    { method: "POST", body: { query: READ, variables: { id: projectId } }, token },
    200,
  );
  const expected = { ...project, files, members };
  if (JSON.stringify(answer.data.project) !== JSON.stringify(expected))
    throw new Error(
      `GraphQL and REST disagree:\n${JSON.stringify(answer.data.project)}\n${JSON.stringify(expected)}`,
    );
  if (files.items.length !== FILES || members.items.length !== MEMBERS) throw new Error("seeding failed");
  return answer.data.project;
}

/** SUBSCRIBERS graphql-ws clients on projectUpdated; UPDATES renames; send → receipt latency per delivery. */
async function fanout(base: string, token: string, projectId: string) {
  const url = `${base.replace("http", "ws")}/graphql`;
  const latencies: number[] = [];
  let sentAt = 0;
  let received = 0;
  const clients = Array.from({ length: SUBSCRIBERS }, () =>
    createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    }),
  );
  const stops = clients.map((client) =>
    client.subscribe(
      {
        query: "subscription($p: ID!) { projectUpdated(projectId: $p) { name changedFields } }",
        variables: { p: projectId },
      },
      {
        next: () => {
          latencies.push(performance.now() - sentAt);
          received += 1;
        },
        error: (error) => {
          const { code, reason } = error as { code?: number; reason?: string };
          throw new Error(`subscriber failed: ${code ?? ""} ${reason ?? JSON.stringify(error)}`);
        },
        complete: () => {},
      },
    ),
  );
  // Every subscription is live once a query on the same socket has answered.
  await Promise.all(clients.map((client) => client.iterate({ query: "{ me { id } }" }).next()));
  const mark = cpuMark();
  for (let i = 0; i < UPDATES; i++) {
    const expected = received + SUBSCRIBERS;
    sentAt = performance.now();
    await requestJson(
      `${base}/api/v1/projects/${projectId}`,
      { method: "PATCH", body: { name: `renamed ${i}` }, token },
      200,
    );
    const deadline = Date.now() + 10_000;
    while (received < expected) {
      if (Date.now() > deadline)
        throw new Error(`update ${i}: ${received - (expected - SUBSCRIBERS)} of ${SUBSCRIBERS} deliveries`);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const machine = cpuSince(mark);
  for (const stop of stops) stop();
  await Promise.all(clients.map((client) => client.dispose()));
  const [p50, p99, max] = percentiles(Float64Array.from(latencies).sort(), [0.5, 0.99, 1]);
  const line = {
    bench: "graphql",
    target: "fanout",
    subscribers: SUBSCRIBERS,
    updates: UPDATES,
    deliveries: latencies.length,
    latencyP50Ms: round(p50 ?? 0, 2),
    latencyP99Ms: round(p99 ?? 0, 2),
    latencyMaxMs: round(max ?? 0, 2),
    ...machine,
    note: `${note}; latency from sending the PATCH (its commit and response included) to each subscriber's receipt`,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** The same document answered from memory by a bare Mercurius: the stack's floor. */
async function benchBare(project: unknown): Promise<number> {
  const app = fastify();
  await app.register(mercurius, {
    schema: `
      type Query { project(id: ID!): Project }
      type Project { id: ID! name: String! description: String! visibility: String! role: String createdAt: String! updatedAt: String! files: FilePage! members: MemberPage! }
      type FilePage { items: [File!]! nextCursor: String }
      type File { id: ID! projectId: ID! path: String! language: String! size: Int! createdAt: String! updatedAt: String! }
      type MemberPage { items: [Member!]! nextCursor: String }
      type Member { userId: ID! email: String! name: String! role: String! joinedAt: String! }`,
    resolvers: { Query: { project: () => project } },
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  try {
    const address = app.server.address();
    if (!address || typeof address === "string") throw new Error("no port");
    return await measure(
      { name: "mercurius-bare", perRead: 1, requests: [graphqlRequest({}, { id: "x" })] },
      `http://127.0.0.1:${address.port}`,
    );
  } finally {
    await app.close();
  }
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), "codepark-bench-graphql-"));
  const logDestination = pino.destination("/dev/null");
  let project: unknown;
  const rates: Record<string, number> = {};
  try {
    const app = await createApp(
      loadConfig({
        LOG_LEVEL: "info",
        RATE_LIMIT_ENABLED: "true",
        RATE_LIMIT_ANONYMOUS: HUGE_TIER,
        RATE_LIMIT_FREE: HUGE_TIER,
        HOST: "127.0.0.1",
        PORT: "0",
        DATA_DIR: dataDir,
        ACCESS_TOKEN_TTL_SECONDS: "3600",
        // SUBSCRIBERS sockets from one address: above the default per-IP cap (128) meant for strangers.
        HTTP_MAX_CONNECTIONS_PER_IP: "0",
      }),
      { logStream: logDestination },
    );
    try {
      await app.http.listen({ host: "127.0.0.1", port: 0 });
      const address = app.http.server.address();
      if (!address || typeof address === "string") throw new Error("no port");
      const base = `http://127.0.0.1:${address.port}`;
      const { token, projectId } = await seed(base, () =>
        app.database.execute(
          "UPDATE users SET email_verified_at = now() WHERE email_verified_at IS NULL",
          [],
        ),
      );
      project = await checkSameRead(base, token, projectId);
      const headers = { authorization: `Bearer ${token}` };
      rates.rest = await measure(
        {
          name: "rest",
          perRead: 3,
          requests: ["", "/files", "/members"].map((tail) => ({
            method: "GET",
            path: `/api/v1/projects/${projectId}${tail}`,
            headers,
          })),
        },
        base,
      );
      rates.graphql = await measure(
        { name: "graphql", perRead: 1, requests: [graphqlRequest(headers, { id: projectId })] },
        base,
      );
      await fanout(base, token, projectId);
    } finally {
      await app.close();
    }
  } finally {
    await new Promise((done) => {
      logDestination.once("close", done);
      logDestination.end();
    });
    await rm(dataDir, { recursive: true, force: true });
  }
  rates.bare = await benchBare(project);
  const ratio = {
    graphqlOverRestReads: round(rates.graphql! / rates.rest!, 3),
    graphqlOverBare: round(rates.graphql! / rates.bare!, 3),
  };
  process.stdout.write(
    `${JSON.stringify({ bench: "graphql", ratio, goal: "graphqlOverRestReads >= 0.8" })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench/graphql failed: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`,
  );
  process.exit(1);
});
