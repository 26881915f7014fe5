/**
 * CodePark in cluster mode: two server processes sharing one PostgreSQL database and one Redis
 * (REDIS_URL + REDIS_PREFIX), started by @codepark/testing/cluster exactly as the cluster tests
 * start them (`node --import tsx apps/server/src/main.ts` per node, a private redis-server, nginx
 * running deploy/nginx.conf in front), with the settings the tests shorten (COLLAB_UNLOAD_GRACE_MS,
 * JOBS_POLL_INTERVAL_MS, PRESENCE_TTL_SECONDS) put back to the server's defaults. A fresh cluster
 * (fresh database, fresh Redis, fresh processes) for every run below, so nothing carries over and
 * the order of the runs does not matter. Nodes log at info, as deploy/ ships them.
 *
 * 1. Propagation, one node vs split (part "propagation"). The machinery of bench/collab.ts: client
 *    processes with unmodified y-websocket providers, each client inserting
 *    `<client>:<seq>:<sent at, µs on CLOCK_MONOTONIC>|` at a fixed rate, latency = receive − send
 *    across processes on one clock. Clients connect to the nodes directly (not through nginx), so
 *    where they land is chosen, not balanced:
 *      one-node  every client on node A: the cluster's cost when the fan-out has no other node to
 *                reach (each update is still published to Redis; only A subscribes, and drops its
 *                own echo);
 *      split     client c of every document on node c % 2: a document's clients on both nodes, so an
 *                update reaches half of its receivers through Redis (crossNodeShare says how many:
 *                10/19 at 1×20, 2/3 at 50×4).
 *    After a warm-up (BENCH_CLUSTER_WARMUP, default 10 s, unmeasured inserts: the nodes' JIT and
 *    pools settle), a measured window (BENCH_CLUSTER_SECONDS, default 10 s). One JSON line per
 *    scenario × placement, the fields of bench/collab.ts's lines (see there), notably:
 *      latencyP50/P95/P99/MaxMs  insert → EVERY other client on its document has it
 *      delivered / expected, deliveredRatio (must be 1: the bench exits non-zero below 0.999)
 *      deliveriesPerSec
 *      serverCpuUsPerDelivery    both nodes together; servers.A / servers.B: each node's cpuMs,
 *                                cpuUsPerDelivery, cpuPercent, RSS; helpers.redis: redis-server's CPU
 *      codepark                  summed over the nodes' /metrics: group commits, frames sent, resyncs
 *                                (a resync is a node catching up from the log after a gap in Redis)
 *      postgresCpuPercent        every postgres process on the machine
 *      otherCpuPercent           the rest of the machine: anyone else's load
 *    Read it as: split − one-node = what crossing Redis costs, in latency and in CPU per delivery.
 *
 * 2. Access cache (part "cache"): authenticated `GET /api/v1/projects/:id` with autocannon against
 *    node A directly, on a cluster with the cache on (the default) and one with it off
 *    (CACHE_TTL_SECONDS=0 on every node). Per run: req/s, p50/p99, node A's CPU per request,
 *    PostgreSQL's CPU (every `postgres` process on the machine), and hitRate = hits / (hits + misses)
 *    of `cache_requests_total{cache,result}` in node A's /metrics before and after the measured run
 *    (hitRateByCache per cache). Where the metric is absent, hitRate is null and the line says so.
 *
 * Then one {"bench":"cluster","summary":…} line: per scenario split vs one-node (p99 and CPU per
 * delivery, and their ratios), and the cache's on/off req/s and p99.
 *
 * Needs BENCH_DATABASE_URL, a PostgreSQL admin URL (the cluster's database is created from it and
 * dropped), redis-server and nginx; without them prints {"bench":"cluster","skipped":…} and exits 0.
 * Exits non-zero if a run fails or delivers under 99.9 % of the expected updates.
 *
 * Env: BENCH_DATABASE_URL,
 *      BENCH_CLUSTER_SCENARIOS (default "1x20,50x4": documents x clients per document),
 *      BENCH_CLUSTER_PLACEMENTS (default "one-node,split"),
 *      BENCH_CLUSTER_SECONDS (measured seconds per run, default 10), BENCH_CLUSTER_WARMUP (default 10),
 *      BENCH_CLUSTER_RATE (inserts per second per client, default 5),
 *      BENCH_CLUSTER_CLIENT_PROCS (client processes, default 2),
 *      BENCH_CLUSTER_PARTS (default "propagation,cache"),
 *      and for the cache part bench/http.ts's BENCH_DURATION (default 10), BENCH_CONNECTIONS (50),
 *      BENCH_WARMUP (here default 3) and BENCH_WORKERS (1).
 *      BENCH_QUICK=1: defaults 1x20, split, propagation only, 3 s warm-up, 5 s window.
 * Default run: about 3 minutes. Run alone: `npx tsx bench/cluster.ts`; with every bench: `npm run bench`.
 */
import { availableParallelism } from "node:os";
import { type Cluster, missingClusterBinaries, startCluster } from "@codepark/testing/cluster";
import { loadConfig } from "../apps/server/src/config.ts";
import { cpuUs, killAllNow, stopAll } from "./collab/processes.ts";
import { loadShape, runLoad } from "./collab/scenario.ts";
import { clusterTarget, collabUrl } from "./collab/targets.ts";
import { cpuMark, cpuSince } from "./lib/cpu.ts";
import { listFromEnv, numberFromEnv, quick } from "./lib/env.ts";
import {
  assertClean,
  cacheCounters,
  cacheHitRates,
  httpLoadFromEnv,
  projectGetTarget,
  resultFigures,
  runAutocannon,
} from "./lib/http-load.ts";
import { round } from "./lib/stats.ts";

const PLACEMENTS = ["one-node", "split"] as const;
type Placement = (typeof PLACEMENTS)[number];
const PARTS = ["propagation", "cache"] as const;
/** Below this delivered / expected a run fails. */
const MIN_DELIVERED = 0.999;

const adminUrl = process.env.BENCH_DATABASE_URL || undefined;
const seconds = numberFromEnv("BENCH_CLUSTER_SECONDS", quick ? 5 : 10, 1);
const warmupS = numberFromEnv("BENCH_CLUSTER_WARMUP", quick ? 3 : 10, 0);
const rate = numberFromEnv("BENCH_CLUSTER_RATE", 5, 0.1);
const clientProcs = Math.floor(numberFromEnv("BENCH_CLUSTER_CLIENT_PROCS", 2, 1));
const httpLoad = httpLoadFromEnv({ warmupS: 3 });

function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: string): T[] {
  return listFromEnv(name, fallback).map((item) => {
    if (!allowed.includes(item as T))
      throw new Error(`${name}: "${item}" is not one of ${allowed.join(", ")}`);
    return item as T;
  });
}

const scenarios = listFromEnv("BENCH_CLUSTER_SCENARIOS", quick ? "1x20" : "1x20,50x4").map((name) => {
  const shape = loadShape(name);
  if (!shape) throw new Error(`BENCH_CLUSTER_SCENARIOS: "${name}" is not DOCSxCLIENTS (clients >= 2)`);
  return { name, ...shape };
});
const placements = oneOf("BENCH_CLUSTER_PLACEMENTS", PLACEMENTS, quick ? "split" : PLACEMENTS.join(","));
const parts = oneOf("BENCH_CLUSTER_PARTS", PARTS, quick ? "propagation" : PARTS.join(","));

/** The server's own defaults for what startCluster() shortens for tests (a bench measures production settings). */
const defaults = loadConfig({});
const productionSettings = {
  COLLAB_UNLOAD_GRACE_MS: String(defaults.COLLAB_UNLOAD_GRACE_MS),
  JOBS_POLL_INTERVAL_MS: String(defaults.JOBS_POLL_INTERVAL_MS),
  PRESENCE_TTL_SECONDS: String(defaults.PRESENCE_TTL_SECONDS),
};

function print(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Clusters running now, stopped (nodes, Redis, nginx, database) on an interrupt. */
const live = new Set<Cluster>();

async function withCluster<T>(
  env: Record<string, string>,
  work: (cluster: Cluster) => Promise<T>,
): Promise<T> {
  const cluster = await startCluster({ adminDatabaseUrl: adminUrl, env: { ...productionSettings, ...env } });
  live.add(cluster);
  try {
    return await work(cluster);
  } finally {
    live.delete(cluster);
    await cluster.stop();
  }
}

/** Of all deliveries, the share whose sender and receiver sit on different nodes (client c on node c % nodes). */
function crossNodeShare(clientsPerDoc: number, nodes: number): number {
  const perNode = Array.from(
    { length: nodes },
    (_, node) => Array.from({ length: clientsPerDoc }, (_, c) => c).filter((c) => c % nodes === node).length,
  );
  const cross = perNode.reduce((total, count) => total + count * (clientsPerDoc - count), 0);
  return round(cross / (clientsPerDoc * (clientsPerDoc - 1)), 3);
}

const note =
  `${availableParallelism()} cores shared by 2 nodes, ${clientProcs} client process(es), PostgreSQL, ` +
  `redis-server and anyone else on the machine (otherCpuPercent); ${warmupS}s warm-up; CPU from /proc/<pid>`;

async function propagation(
  scenario: (typeof scenarios)[number],
  placement: Placement,
): Promise<Record<string, unknown>> {
  return withCluster({}, async (cluster) => {
    const target = clusterTarget(cluster);
    const nodes = placement === "split" ? cluster.nodes : cluster.nodes.slice(0, 1);
    const result = await runLoad(
      target,
      { ...scenario, seconds, serverUrls: nodes.map((node) => collabUrl(node.url)) },
      { rate, warmupS, clientProcs, drainMs: 10_000 },
      `cluster-${placement}-${scenario.name}`,
    );
    const { bench: _bench, scenario: _scenario, ...figures } = result;
    return {
      bench: "cluster",
      part: "propagation",
      scenario: scenario.name,
      placement,
      clientNodes: nodes.map((node) => node.name).join(""),
      crossNodeShare: crossNodeShare(scenario.clientsPerDoc, nodes.length),
      ...figures,
      note,
    };
  });
}

async function cache(mode: "on" | "off"): Promise<Record<string, unknown>> {
  return withCluster(mode === "off" ? { CACHE_TTL_SECONDS: "0" } : {}, async (cluster) => {
    const [node, other] = cluster.nodes as [Cluster["nodes"][number], Cluster["nodes"][number]];
    const name = `cache-${mode}`;
    const target = await projectGetTarget(`${node.url}/api/v1`, "bench/cluster.ts");
    if (httpLoad.warmupS > 0)
      assertClean(name, "warm-up", await runAutocannon(target, httpLoad.warmupS, httpLoad));
    const metrics = async () => (await fetch(`${node.url}/metrics`)).text();
    const before = cacheCounters(await metrics());
    const pids = [node.process.child.pid ?? -1, other.process.child.pid ?? -1, cluster.redis.pid];
    const cpu0 = pids.map(cpuUs);
    const mark = cpuMark();
    const result = await runAutocannon(target, httpLoad.durationS, httpLoad);
    const used = cpuSince(mark);
    const [nodeCpu, otherCpu, redisCpu] = pids.map((pid, i) => cpuUs(pid) - cpu0[i]!) as [
      number,
      number,
      number,
    ];
    const after = cacheCounters(await metrics());
    assertClean(name, "run", result);
    const wallUs = result.duration * 1e6;
    const percent = (us: number) => round((us / wallUs) * 100, 1);
    return {
      bench: "cluster",
      part: "cache",
      cache: mode,
      settings: mode === "off" ? { CACHE_TTL_SECONDS: "0" } : {},
      node: node.name,
      ...resultFigures(result),
      ...cacheHitRates(before, after),
      nodeCpuUsPerRequest: round(nodeCpu / Math.max(1, result.requests.total), 1),
      nodeCpuPercent: percent(nodeCpu),
      otherNodeCpuPercent: percent(otherCpu),
      redisCpuPercent: percent(redisCpu),
      postgresCpuPercent: used.postgresCpuPercent,
      loadGeneratorCpuPercent: used.processCpuPercent,
      otherCpuPercent:
        used.otherCpuPercent === null
          ? null
          : Math.max(0, round(used.otherCpuPercent - percent(nodeCpu + otherCpu + redisCpu), 0)),
      note:
        `${availableParallelism()} cores shared by the node, autocannon (${httpLoad.workers} worker thread(s) ` +
        `of the bench process), PostgreSQL and anyone else; ${httpLoad.warmupS}s unrecorded warm-up; ` +
        "postgresCpuPercent counts every postgres process on the machine",
    };
  });
}

interface Summary {
  propagation: Record<string, Record<string, unknown>>;
  cache: Record<string, unknown>;
}

function summarise(lines: Record<string, unknown>[]): Summary {
  const summary: Summary = { propagation: {}, cache: {} };
  for (const line of lines) {
    if (line.part === "propagation") {
      const scenario = line.scenario as string;
      summary.propagation[scenario] ??= {};
      const entry = summary.propagation[scenario];
      entry[line.placement as string] = {
        p99Ms: line.latencyP99Ms,
        cpuUsPerDelivery: line.serverCpuUsPerDelivery,
        deliveredRatio: line.deliveredRatio,
      };
    } else {
      summary.cache[line.cache as string] = {
        requestsPerSec: line.requestsPerSec,
        latencyP99Ms: line.latencyP99Ms,
        hitRate: line.hitRate,
      };
    }
  }
  for (const entry of Object.values(summary.propagation)) {
    const one = entry["one-node"] as Record<string, number> | undefined;
    const split = entry.split as Record<string, number> | undefined;
    if (one && split) {
      entry.splitVsOneNode = {
        p99: round(split.p99Ms! / one.p99Ms!, 2),
        cpuPerDelivery: round(split.cpuUsPerDelivery! / one.cpuUsPerDelivery!, 2),
      };
    }
  }
  const on = summary.cache.on as Record<string, number> | undefined;
  const off = summary.cache.off as Record<string, number> | undefined;
  if (on && off) {
    summary.cache.onVsOff = {
      requestsPerSec: round(on.requestsPerSec! / off.requestsPerSec!, 2),
      p99: round(on.latencyP99Ms! / off.latencyP99Ms!, 2),
    };
  }
  return summary;
}

async function main(): Promise<void> {
  const missing = [
    ...(adminUrl ? [] : ["BENCH_DATABASE_URL (a PostgreSQL admin URL) is not set"]),
    ...missingClusterBinaries(),
  ];
  if (missing.length > 0) {
    print({
      bench: "cluster",
      skipped: missing.join("; "),
      needs:
        "a PostgreSQL admin URL in BENCH_DATABASE_URL (the nodes' shared database is created from it), redis-server and nginx",
    });
    return;
  }
  const lines: Record<string, unknown>[] = [];
  const failures: string[] = [];
  const attempt = async (label: string, run: () => Promise<Record<string, unknown>>) => {
    try {
      const line = await run();
      print(line);
      lines.push(line);
      if (line.part === "propagation" && !((line.deliveredRatio as number) >= MIN_DELIVERED)) {
        failures.push(`${label}: delivered ${line.delivered}/${line.expected}`);
      }
    } catch (error) {
      process.stderr.write(`bench/cluster: ${label} failed: ${describe(error)}\n`);
      failures.push(`${label}: ${error instanceof Error ? error.message.split("\n")[0] : error}`);
    }
  };

  if (parts.includes("propagation")) {
    for (const scenario of scenarios) {
      for (const placement of placements) {
        await attempt(`${scenario.name} ${placement}`, () => propagation(scenario, placement));
      }
    }
  }
  if (parts.includes("cache")) {
    for (const mode of ["on", "off"] as const) await attempt(`cache ${mode}`, () => cache(mode));
  }

  print({ bench: "cluster", summary: summarise(lines) });
  if (failures.length > 0) {
    process.stderr.write(`bench/cluster failures:\n  ${failures.join("\n  ")}\n`);
    process.exitCode = 1;
  }
}

let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`bench/cluster: ${signal}, stopping the cluster and the clients\n`);
    Promise.allSettled([stopAll(2_000), ...[...live].map((cluster) => cluster.stop())]).finally(() =>
      process.exit(130),
    );
  });
}
// Whatever happens, no client worker or node outlives this process.
process.on("exit", () => {
  killAllNow();
  for (const cluster of live) {
    for (const node of cluster.nodes) node.process?.child.kill("SIGKILL");
    try {
      process.kill(cluster.redis.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench/cluster failed: ${describe(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll(2_000));
