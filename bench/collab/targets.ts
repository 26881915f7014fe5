/**
 * The servers under test, each started as its own child process per scenario (so its CPU and RSS
 * are its own and nothing carries over): CodePark (`apps/server/src/main.ts`, as `npm start` runs
 * it) on embedded PGlite or on a throwaway PostgreSQL database, and the peers of
 * bench/collab/peer-server.ts. Every server child preloads ./probe.ts and runs with --expose-gc.
 * Also a CodePark cluster started by @codepark/testing/cluster (bench/cluster.ts), as one target
 * whose servers are its nodes.
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Cluster } from "@codepark/testing/cluster";
import { createBenchProject } from "../lib/bench-project.ts";
import { requestJson } from "../lib/request-json.ts";
import { adminQuery } from "../lib/throwaway-postgres.ts";
import { type Child, repoRoot, request, spawnTs, stop, waitForOutput } from "./processes.ts";
import type { ClientSpec, PeerTarget, Protocol, StoreCounters } from "./shared.ts";

export type TargetName = "codepark-pglite" | "codepark-postgres" | "codepark-cluster" | PeerTarget;

/** A process whose CPU and RSS the bench reads from /proc/<pid>. */
export interface MeasuredProcess {
  name: string;
  pid: number;
}

export interface Target {
  name: TargetName;
  /** The server process(es) under test: the one server, or every node of a cluster. */
  servers: MeasuredProcess[];
  /** Processes the servers rely on whose CPU is reported apart (a cluster's redis-server). */
  helpers?: MeasuredProcess[];
  /** The servers store in PostgreSQL: its processes' CPU is reported apart from the rest of the machine's. */
  usesPostgres?: boolean;
  /** The single server's child, with ./probe.ts preloaded (the idle scenario's forced GC); not for a cluster. */
  server?: Child;
  protocol: Protocol;
  /** What the server does with updates, as the JSON lines say. */
  persistence: string;
  /**
   * When an update is durable: before it is broadcast (CodePark), within a debounce after it
   * (Hocuspocus with its database extension), or never (in memory only).
   */
  durability: "before-broadcast" | "debounced" | "none";
  /** CodePark's own Prometheus counters (group commits, broadcasts), for a before/after delta. */
  counters?: () => Promise<Record<string, number>>;
  /** The hocuspocus-database peer's store bookkeeping (cumulative), for a before/after delta. */
  storeCounters?: () => Promise<StoreCounters>;
  /** Creates `docs` documents and returns, per document, how a client reaches it. */
  prepare(docs: number): Promise<Omit<ClientSpec, "tag" | "doc">[]>;
  close(): Promise<void>;
}

/** Data directories of CodePark children still running, removed by removeDataDirsNow() if we are interrupted. */
const dataDirs = new Set<string>();

/** Last resort on our own exit (after the children are killed): no temporary DATA_DIR is left behind. */
export function removeDataDirsNow(): void {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  dataDirs.clear();
}

const probeUrl = pathToFileURL(join(repoRoot, "bench", "collab", "probe.ts")).href;
const START_TIMEOUT_MS = 60_000;

/** Our environment without anything that would point a child at another store or change its shape. */
function baseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of [
    "DATABASE_URL",
    "REDIS_URL",
    "PORT",
    "HOST",
    "DATA_DIR",
    "YPERSISTENCE",
    "NODE_OPTIONS",
  ]) {
    delete env[key];
  }
  return env;
}

function serverNodeArgs(cpuProfDir: string | undefined, label: string): string[] {
  const args = ["--expose-gc", "--import", probeUrl];
  // A directory per server: every thread (tsx's loader thread too) writes its own profile, and the
  // main thread's is the largest.
  if (cpuProfDir) args.push("--cpu-prof", "--cpu-prof-dir", join(cpuProfDir, label));
  return args;
}

const COUNTERS = [
  "collab_updates_received_total",
  "collab_updates_broadcast_total",
  "collab_update_log_batch_size_sum",
  "collab_update_log_batch_size_count",
  "collab_update_log_write_seconds_sum",
  'collab_compactions_total{result="compacted"}',
  'collab_resyncs_total{result="repaired"}',
  'collab_resyncs_total{result="in_sync"}',
  'collab_resyncs_total{result="failed"}',
  "collab_compaction_seconds_sum",
  "collab_compaction_seconds_count",
  "collab_journal_flush_seconds_sum",
  "collab_journal_flush_seconds_count",
];

/** The few collaboration series the benchmark reads from CodePark's /metrics text. */
export function parseCounters(text: string): Record<string, number> {
  const values: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const space = line.lastIndexOf(" ");
    const name = line.slice(0, space);
    if (COUNTERS.includes(name)) values[name] = Number(line.slice(space + 1));
  }
  return values;
}

export interface CodeParkOptions {
  /** An admin PostgreSQL URL: a throwaway database is created from it and dropped afterwards. */
  adminUrl?: string;
  cpuProfDir?: string;
  label: string;
}

export async function startCodePark(options: CodeParkOptions): Promise<Target> {
  const name: TargetName = options.adminUrl ? "codepark-postgres" : "codepark-pglite";
  const dataDir = await mkdtemp(join(tmpdir(), "codepark-bench-collab-"));
  dataDirs.add(dataDir);
  let database: string | undefined;
  let server: Child | undefined;
  const cleanup = async () => {
    if (server) await stop(server);
    if (database && options.adminUrl) {
      await adminQuery(options.adminUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    }
    await rm(dataDir, { recursive: true, force: true });
    dataDirs.delete(dataDir);
  };
  try {
    const env: NodeJS.ProcessEnv = {
      ...baseEnv(),
      HOST: "127.0.0.1",
      PORT: "0",
      DATA_DIR: dataDir,
      // "Server listening at" and "CodePark is ready" are info lines.
      LOG_LEVEL: "info",
      ACCESS_TOKEN_TTL_SECONDS: "86400",
      // Every client is one account on one address: the connection caps (20 on the free plan)
      // would refuse most of them. The peers have no such caps either.
      RATE_LIMIT_ENABLED: "false",
      // Every client is on 127.0.0.1 too: the per-address cap (128 by default) would refuse the rest.
      HTTP_MAX_CONNECTIONS_PER_IP: "0",
    };
    if (options.adminUrl) {
      database = `cp_bench_collab_${randomBytes(6).toString("hex")}`;
      await adminQuery(options.adminUrl, `CREATE DATABASE ${database}`);
      const url = new URL(options.adminUrl);
      url.pathname = `/${database}`;
      env.DATABASE_URL = url.toString();
    }
    server = spawnTs(name, join(repoRoot, "apps", "server", "src", "main.ts"), {
      nodeArgs: serverNodeArgs(options.cpuProfDir, options.label),
      env,
      ipc: true,
    });
    const [, baseUrl] = await waitForOutput(
      server,
      /Server listening at (http:\/\/127\.0\.0\.1:\d+)[\s\S]*CodePark is ready/,
      START_TIMEOUT_MS,
    );
    const api = `${baseUrl}/api/v1`;
    const wsBase = collabUrl(baseUrl!);
    return {
      name,
      servers: [server],
      server,
      protocol: "y-websocket",
      persistence: options.adminUrl
        ? "every update in the PostgreSQL update log before broadcast (PostgreSQL's own CPU not counted)"
        : "every update in the embedded PGlite update log before broadcast (PGlite runs in the server process)",
      durability: "before-broadcast",
      usesPostgres: Boolean(options.adminUrl),
      counters: () => countersOf(baseUrl!),
      prepare: (docs) => createDocuments(api, wsBase, docs, "bench/collab.ts"),
      close: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Where y-websocket clients of the CodePark server at `baseUrl` connect (the room is appended). */
export function collabUrl(baseUrl: string): string {
  return `${baseUrl.replace(/^http/, "ws")}/collab`;
}

async function countersOf(baseUrl: string): Promise<Record<string, number>> {
  return parseCounters(await (await fetch(`${baseUrl}/metrics`)).text());
}

/** A fresh user and project on the server behind `api`, and `docs` empty files in it: the documents. */
async function createDocuments(
  api: string,
  serverUrl: string,
  docs: number,
  description: string,
): Promise<Omit<ClientSpec, "tag" | "doc">[]> {
  const { token, projectId } = await createBenchProject(api, { name: "collab bench", description });
  const specs: Omit<ClientSpec, "tag" | "doc">[] = [];
  for (let i = 0; i < docs; i++) {
    const file = await requestJson<{ id: string }>(
      `${api}/projects/${projectId}/files`,
      { method: "POST", body: { path: `bench/doc-${i}.ts`, content: "" }, token },
      201,
    );
    specs.push({ serverUrl, room: file.id, params: { token } });
  }
  return specs;
}

/**
 * A started cluster as a target: its nodes are the servers (CPU and RSS per node), its redis-server
 * a helper, counters are summed over the nodes, documents are created through the first node and
 * clients connect to it unless the scenario places them (LoadScenario.serverUrls). Closing the
 * target stops the cluster.
 */
export function clusterTarget(cluster: Cluster): Target {
  const first = cluster.nodes[0]!;
  return {
    name: "codepark-cluster",
    servers: cluster.nodes.map((node) => ({ name: node.name, pid: node.process.child.pid ?? -1 })),
    helpers: [{ name: "redis", pid: cluster.redis.pid }],
    protocol: "y-websocket",
    persistence:
      "every update in the shared PostgreSQL update log before broadcast and before it is published " +
      "to the other nodes through Redis (PostgreSQL's and Redis's CPU not in the nodes' CPU)",
    durability: "before-broadcast",
    usesPostgres: true,
    counters: async () => {
      const summed: Record<string, number> = {};
      for (const counters of await Promise.all(cluster.nodes.map((node) => countersOf(node.url)))) {
        for (const [name, value] of Object.entries(counters)) summed[name] = (summed[name] ?? 0) + value;
      }
      return summed;
    },
    prepare: (docs) => createDocuments(`${first.url}/api/v1`, collabUrl(first.url), docs, "bench/cluster.ts"),
    close: () => cluster.stop(),
  };
}

const PEER_PERSISTENCE: Record<PeerTarget, string> = {
  relay: "none: forwards frames verbatim, no Yjs on the server",
  "y-websocket-server": "none: documents in memory only (YPERSISTENCE unset)",
  hocuspocus: "none: no storage extension (Hocuspocus would debounce saves 2-10 s)",
  "hocuspocus-database":
    "debounced: @hocuspocus/extension-database at the default debounce (2 s after the last change, " +
    "at most 10 s) writing each document's state to a file (write + rename, no fsync); an update " +
    "is durable only once a later store completes",
};

export async function startPeer(target: PeerTarget, label: string, cpuProfDir?: string): Promise<Target> {
  const storeDir =
    target === "hocuspocus-database"
      ? await mkdtemp(join(tmpdir(), "codepark-bench-hocuspocus-"))
      : undefined;
  if (storeDir) dataDirs.add(storeDir);
  const server = spawnTs(target, join(repoRoot, "bench", "collab", "peer-server.ts"), {
    nodeArgs: serverNodeArgs(cpuProfDir, label),
    args: storeDir ? [target, storeDir] : [target],
    env: baseEnv(),
    ipc: true,
  });
  const close = async () => {
    await stop(server);
    if (storeDir) {
      await rm(storeDir, { recursive: true, force: true });
      dataDirs.delete(storeDir);
    }
  };
  try {
    const [, port] = await waitForOutput(server, /peer listening on (\d+)/, START_TIMEOUT_MS);
    const serverUrl = `ws://127.0.0.1:${port}`;
    return {
      name: target,
      servers: [server],
      server,
      protocol: target.startsWith("hocuspocus") ? "hocuspocus" : "y-websocket",
      persistence: PEER_PERSISTENCE[target],
      durability: storeDir ? "debounced" : "none",
      ...(storeDir
        ? {
            storeCounters: () =>
              request<StoreCounters & { id: number; type: string }>(
                server,
                { type: "store-counters" },
                10_000,
              ),
          }
        : {}),
      prepare: async (docs) =>
        Array.from({ length: docs }, (_, i) => ({ serverUrl, room: `doc-${i}`, params: {} })),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
