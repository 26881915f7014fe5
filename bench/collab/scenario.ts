/**
 * One measured scenario against one started target: client workers open y-websocket clients,
 * insert at a fixed rate through a warm-up and a measured window, then report what every client
 * saw; the parent merges the reports into propagation latency, delivery and CPU figures.
 * Also the idle-connection memory scenario.
 */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { postgresTicks } from "../lib/cpu.ts";
import {
  type Child,
  cpuUs,
  machineBusyUs,
  nextMessage,
  repoRoot,
  request,
  rss,
  spawnTs,
  stop,
} from "./processes.ts";
import type {
  ClientSpec,
  FromProbe,
  FromWorker,
  StoreCounters,
  WorkerReport,
  WorkerStats,
} from "./shared.ts";
import { nowUs } from "./shared.ts";
import type { MeasuredProcess, Target } from "./targets.ts";

export interface LoadScenario {
  docs: number;
  clientsPerDoc: number;
  seconds: number;
  /**
   * Where clients connect (y-websocket server URLs): client c of every document connects to
   * serverUrls[c % length], e.g. the nodes of a cluster in turn. Default: the URL prepare() gave.
   */
  serverUrls?: string[];
}

/** "DOCSxCLIENTS" (e.g. "50x4", clients per document >= 2) as a load scenario's shape. */
export function loadShape(name: string): { docs: number; clientsPerDoc: number } | undefined {
  const match = /^(\d+)x(\d+)$/.exec(name.trim());
  if (!match || Number(match[1]) < 1 || Number(match[2]) < 2) return undefined;
  return { docs: Number(match[1]), clientsPerDoc: Number(match[2]) };
}

export interface RunSettings {
  rate: number;
  warmupS: number;
  clientProcs: number;
  /** Longest wait after the window for measured inserts still in flight. */
  drainMs: number;
}

const workerScript = join(repoRoot, "bench", "collab", "client-worker.ts");
const MB = 1024 * 1024;

export function round(value: number, digits: number): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Client processes (bench/collab/client-worker.ts), each ready for "open". */
export async function startWorkers(count: number, label: string): Promise<Child[]> {
  const workers = Array.from({ length: count }, (_, i) =>
    spawnTs(`${label}:clients${i}`, workerScript, {
      env: { ...process.env, NODE_OPTIONS: "" },
      ipc: true,
      forwardStderr: true,
    }),
  );
  try {
    await Promise.all(workers.map((worker) => nextMessage(worker, "ready", 60_000)));
    return workers;
  } catch (error) {
    await Promise.all(workers.map((worker) => stop(worker, 2_000)));
    throw error;
  }
}

export async function closeWorkers(workers: Child[]): Promise<void> {
  await Promise.all(
    workers.map(async (worker) => {
      try {
        if (!worker.hasExited()) await request(worker, { type: "close", exit: true }, 10_000);
      } catch {
        // stopped below either way
      }
      await stop(worker, 2_000);
    }),
  );
}

/**
 * Client specs for clients number `from` to `to` - 1 of a run: client n is client c = n / docs
 * (rounded down) of document d = n % docs, so documents fill up evenly as clients are added. Dealt
 * so every document spans every worker (client c of document d goes to worker (c + d) % workers: by
 * the running count alone, an even number of documents on two workers would put each document's
 * clients all in one), and client c of every document to serverUrls[c % length] when given.
 */
export function dealClients(
  docs: Omit<ClientSpec, "tag" | "doc">[],
  from: number,
  to: number,
  workers: number,
  serverUrls?: string[],
): ClientSpec[][] {
  const dealt: ClientSpec[][] = Array.from({ length: workers }, () => []);
  for (let n = from; n < to; n++) {
    const d = n % docs.length;
    const c = Math.floor(n / docs.length);
    const spec: ClientSpec = { ...docs[d]!, tag: n.toString(36), doc: d };
    if (serverUrls && serverUrls.length > 0) spec.serverUrl = serverUrls[c % serverUrls.length]!;
    dealt[(c + d) % workers]!.push(spec);
  }
  return dealt;
}

/** Receivers of an insert on each of `docs` documents once dealClients has placed `clients` clients. */
export function receiversPerDoc(docs: number, clients: number): number[] {
  return Array.from({ length: docs }, (_, d) => {
    const onDoc = Math.floor(clients / docs) + (d < clients % docs ? 1 : 0);
    return Math.max(0, onDoc - 1);
  });
}

export async function openClients(
  target: Target,
  workers: Child[],
  dealt: ClientSpec[][],
  timeoutMs: number,
): Promise<void> {
  const replies = await Promise.all(
    workers.map((worker, i) =>
      request<Extract<FromWorker, { type: "opened" }>>(
        worker,
        {
          type: "open",
          protocol: target.protocol,
          clients: dealt[i]!,
          // A bare relay never answers a lone client's sync step 1.
          awaitSync: target.name !== "relay",
          batch: 50,
          timeoutMs,
        },
        timeoutMs + 10_000,
      ),
    ),
  );
  const failed = replies.flatMap((reply) => reply.failed);
  if (failed.length > 0) {
    throw new Error(
      `${target.name}: ${failed.length} clients did not connect and sync: ${failed.slice(0, 5)}`,
    );
  }
}

function cpuOf(processes: MeasuredProcess[]): number {
  return processes.reduce((total, process) => total + cpuUs(process.pid), 0);
}

async function statsOf(workers: Child[]): Promise<WorkerStats[]> {
  const replies = await Promise.all(
    workers.map((worker) =>
      request<Extract<FromWorker, { type: "stats" }>>(worker, { type: "stats" }, 30_000),
    ),
  );
  return replies.map((reply) => reply.stats);
}

/** Measured receptions so far against those the measured inserts should cause, over every worker. */
export async function deliveryProgress(workers: Child[]): Promise<{ received: number; expected: number }> {
  const stats = await statsOf(workers);
  return {
    received: stats.reduce((total, s) => total + s.received, 0),
    expected: stats.reduce((total, s) => total + s.expected, 0),
  };
}

/** Stops every client's inserts (clients stay connected). */
export async function stopInserting(workers: Child[]): Promise<void> {
  await Promise.all(workers.map((worker) => request(worker, { type: "stop" }, 10_000)));
}

interface Merged {
  inserts: number;
  expected: number;
  delivered: number;
  complete: number;
  latenciesUs: Float64Array;
  closes: number;
  problems: string[];
}

/** Joins every worker's inserts and sightings: an insert is complete when all its receivers saw it. */
function merge(reports: WorkerReport[], receivers: number[]): Merged {
  const seen = new Map<string, [number, number]>();
  for (const report of reports) {
    for (const [key, count, max] of report.seen) {
      const entry = seen.get(key);
      if (entry) {
        entry[0] += count;
        if (max > entry[1]) entry[1] = max;
      } else {
        seen.set(key, [count, max]);
      }
    }
  }
  const latencies: number[] = [];
  let inserts = 0;
  let expected = 0;
  let delivered = 0;
  for (const report of reports) {
    for (const [key, doc] of report.inserts) {
      inserts++;
      const receiversPerInsert = receivers[doc] ?? 0;
      expected += receiversPerInsert;
      const entry = seen.get(key);
      if (!entry) continue;
      delivered += Math.min(entry[0], receiversPerInsert);
      if (entry[0] >= receiversPerInsert) latencies.push(entry[1]);
    }
  }
  const sorted = Float64Array.from(latencies).sort();
  return {
    inserts,
    expected,
    delivered,
    complete: latencies.length,
    latenciesUs: sorted,
    closes: reports.reduce((total, report) => total + report.closes, 0),
    problems: reports.flatMap((report) => report.problems).slice(0, 10),
  };
}

/** What CodePark's own metrics say happened in the window: commits, frames sent, compactions, journal flushes. */
function fromCounters(
  before: Record<string, number>,
  after: Record<string, number>,
  delivered: number,
): Record<string, number> {
  const delta = (name: string) => (after[name] ?? 0) - (before[name] ?? 0);
  const commits = delta("collab_update_log_batch_size_count");
  return {
    updatesReceived: delta("collab_updates_received_total"),
    // Updates in group commits that completed: durable, each before its broadcast.
    updatesLogged: delta("collab_update_log_batch_size_sum"),
    groupCommits: commits,
    updatesPerCommit: round(commits > 0 ? delta("collab_update_log_batch_size_sum") / commits : 0, 2),
    commitMsMean: round(commits > 0 ? (delta("collab_update_log_write_seconds_sum") * 1000) / commits : 0, 3),
    framesSent: delta("collab_updates_broadcast_total"),
    framesSentPerDelivery: round(delivered > 0 ? delta("collab_updates_broadcast_total") / delivered : 0, 3),
    compactions: delta('collab_compactions_total{result="compacted"}'),
    // Catch-ups from the durable log after cross-node messages may have been missed (clusters only).
    resyncs:
      delta('collab_resyncs_total{result="repaired"}') +
      delta('collab_resyncs_total{result="in_sync"}') +
      delta('collab_resyncs_total{result="failed"}'),
    compactionMsMean: round(
      delta("collab_compaction_seconds_count") > 0
        ? (delta("collab_compaction_seconds_sum") * 1000) / delta("collab_compaction_seconds_count")
        : 0,
      1,
    ),
    journalFlushes: delta("collab_journal_flush_seconds_count"),
    journalFlushMsMean: round(
      delta("collab_journal_flush_seconds_count") > 0
        ? (delta("collab_journal_flush_seconds_sum") * 1000) / delta("collab_journal_flush_seconds_count")
        : 0,
      2,
    ),
  };
}

/** What a storing peer's store did in the window, and what it had not stored yet at the end. */
function fromStoreCounters(before: StoreCounters, after: StoreCounters): Record<string, number> {
  const stores = after.stores - before.stores;
  return {
    updatesApplied: after.updatesApplied - before.updatesApplied,
    updatesStored: after.updatesStored - before.updatesStored,
    stores,
    storedMb: round((after.storeBytes - before.storeBytes) / MB, 2),
    storeMsMean: round(stores > 0 ? (after.storeMs - before.storeMs) / stores : 0, 2),
    // Applied but in no completed store: what a crash at that moment would lose.
    notStoredAtEnd: after.updatesApplied - after.updatesStored,
  };
}

export interface WindowSettings {
  /** Inserts per second per client (for clients not inserting yet). */
  rate: number;
  windowStartUs: number;
  windowEndUs: number;
  /**
   * When inserts stop (default windowEndUs). Later keeps the load going through the drain and
   * beyond (a saturation step); CPU is then read over the window alone, as the load is steady.
   */
  stopUs?: number;
  /** Receivers of an insert on each document (receiversPerDoc). */
  receivers: number[];
  /** Longest wait after the window for measured inserts still in flight. */
  drainMs: number;
}

/**
 * One measured window on clients already open: inserts start (or go on), CPU, RSS and the target's
 * counters are read around the window, in-flight measured inserts are waited for (bounded), and
 * every worker's report is merged. Returns the common fields of a load line (see bench/collab.ts).
 */
export async function measureWindow(
  target: Target,
  workers: Child[],
  settings: WindowSettings,
): Promise<Record<string, unknown>> {
  const stopUs = settings.stopUs ?? settings.windowEndUs;
  const continuing = stopUs > settings.windowEndUs;
  await Promise.all(
    workers.map((worker) =>
      request(
        worker,
        {
          type: "run",
          rate: settings.rate,
          windowStartUs: settings.windowStartUs,
          windowEndUs: settings.windowEndUs,
          stopUs,
          receiversPerDoc: settings.receivers,
        },
        10_000,
      ),
    ),
  );
  await sleep(Math.max(0, (settings.windowStartUs - nowUs()) / 1000));
  // The target's counters are asked for at the window's edges, but a busy server answers late:
  // CPU is read from /proc meanwhile, so its span is the window whatever the answer takes.
  const counters0Promise = target.counters?.();
  const store0Promise = target.storeCounters?.();
  const startedUs = nowUs();
  const helpers = target.helpers ?? [];
  const serverCpu0 = target.servers.map((server) => cpuUs(server.pid));
  const helperCpu0 = helpers.map((helper) => cpuUs(helper.pid));
  const clientCpu0 = cpuOf(workers);
  const postgres0 = target.usesPostgres ? postgresTicks() : undefined;
  const machine0 = machineBusyUs();
  const counters0 = await counters0Promise;
  const store0 = await store0Promise;
  await sleep(Math.max(0, (settings.windowEndUs - nowUs()) / 1000));
  const rssAtEnd = target.servers.map((server) => rss(server.pid));
  const readCpu = () => {
    const spanUs = nowUs() - startedUs;
    const serverCpus = target.servers.map((server, i) => cpuUs(server.pid) - serverCpu0[i]!);
    const helperCpus = helpers.map((helper, i) => cpuUs(helper.pid) - helperCpu0[i]!);
    const serverCpu = serverCpus.reduce((total, us) => total + us, 0);
    const helperCpu = helperCpus.reduce((total, us) => total + us, 0);
    const clientCpu = cpuOf(workers) - clientCpu0;
    let postgresTicksUsed = 0;
    if (postgres0) {
      for (const [pid, ticks] of postgresTicks()) postgresTicksUsed += ticks - (postgres0.get(pid) ?? 0);
    }
    const postgresCpu = postgresTicksUsed * 10_000;
    const otherCpu = Math.max(
      0,
      machineBusyUs() - machine0 - serverCpu - helperCpu - clientCpu - postgresCpu,
    );
    return { spanUs, serverCpus, helperCpus, serverCpu, clientCpu, postgresCpu, otherCpu };
  };
  const countersAtWindowEndPromise = continuing ? target.counters?.() : undefined;
  const storeAtWindowEndPromise = continuing ? target.storeCounters?.() : undefined;
  const atWindowEnd = continuing ? readCpu() : undefined;
  const countersAtWindowEnd = await countersAtWindowEndPromise;
  const storeAtWindowEnd = await storeAtWindowEndPromise;

  // Measured inserts still in flight: wait (bounded) until every receiver has them.
  const drainStarted = Date.now();
  let drained = false;
  while (Date.now() - drainStarted < settings.drainMs) {
    const progress = await deliveryProgress(workers);
    if (progress.received >= progress.expected) {
      drained = true;
      break;
    }
    await sleep(100);
  }
  const drainMs = Date.now() - drainStarted;
  const { spanUs, serverCpus, helperCpus, serverCpu, clientCpu, postgresCpu, otherCpu } =
    atWindowEnd ?? readCpu();
  const counters1 = countersAtWindowEnd ?? (await target.counters?.());
  const store1 = storeAtWindowEnd ?? (await target.storeCounters?.());

  const reports = await Promise.all(
    workers.map((worker) =>
      request<Extract<FromWorker, { type: "report" }>>(worker, { type: "report" }, 60_000),
    ),
  );
  const merged = merge(
    reports.map((reply) => reply.report),
    settings.receivers,
  );
  const seconds = (settings.windowEndUs - settings.windowStartUs) / 1e6;
  const ms = (us: number) => round(us / 1000, 2);
  const perDelivery = (us: number) => round(merged.delivered > 0 ? us / merged.delivered : Number.NaN, 2);
  const cpuFigures = (us: number) => ({
    cpuMs: round(us / 1000, 0),
    cpuUsPerDelivery: perDelivery(us),
    cpuPercent: round((us / spanUs) * 100, 1),
  });
  return {
    latencyP50Ms: ms(percentile(merged.latenciesUs, 50)),
    latencyP95Ms: ms(percentile(merged.latenciesUs, 95)),
    latencyP99Ms: ms(percentile(merged.latenciesUs, 99)),
    latencyMaxMs: ms(percentile(merged.latenciesUs, 100)),
    inserts: merged.inserts,
    insertsComplete: merged.complete,
    expected: merged.expected,
    delivered: merged.delivered,
    deliveredRatio: round(merged.expected > 0 ? merged.delivered / merged.expected : 0, 4),
    insertsPerSec: round(merged.inserts / seconds, 1),
    deliveriesPerSec: round(merged.delivered / seconds, 1),
    serverCpuMs: round(serverCpu / 1000, 0),
    serverCpuUsPerDelivery: perDelivery(serverCpu),
    serverCpuUsPerInsert: round(merged.inserts > 0 ? serverCpu / merged.inserts : Number.NaN, 2),
    serverCpuPercent: round((serverCpu / spanUs) * 100, 1),
    serverRssMb: round(rssAtEnd.reduce((total, r) => total + r.rss, 0) / MB, 1),
    serverPeakRssMb: round(rssAtEnd.reduce((total, r) => total + r.peak, 0) / MB, 1),
    // Several servers (a cluster's nodes): the totals above, and each one's share here.
    ...(target.servers.length > 1
      ? {
          servers: Object.fromEntries(
            target.servers.map((server, i) => [
              server.name,
              {
                ...cpuFigures(serverCpus[i]!),
                rssMb: round(rssAtEnd[i]!.rss / MB, 1),
                peakRssMb: round(rssAtEnd[i]!.peak / MB, 1),
              },
            ]),
          ),
        }
      : {}),
    ...(helpers.length > 0
      ? {
          helpers: Object.fromEntries(helpers.map((helper, i) => [helper.name, cpuFigures(helperCpus[i]!)])),
        }
      : {}),
    clientCpuPercent: round((clientCpu / spanUs) * 100, 1),
    ...(counters0 && counters1 ? { codepark: fromCounters(counters0, counters1, merged.delivered) } : {}),
    ...(store0 && store1 ? { store: fromStoreCounters(store0, store1) } : {}),
    clientProcs: workers.length,
    // Every postgres process on the machine (backends that exited in the window are missed).
    ...(postgres0 ? { postgresCpuPercent: round((postgresCpu / spanUs) * 100, 1) } : {}),
    otherCpuPercent: round((otherCpu / spanUs) * 100, 1),
    drained,
    drainMs,
    clientCloses: merged.closes,
    ...(merged.problems.length > 0 ? { problems: merged.problems } : {}),
  };
}

export async function runLoad(
  target: Target,
  scenario: LoadScenario,
  settings: RunSettings,
  label: string,
): Promise<Record<string, unknown>> {
  const [docs, workers] = await Promise.all([
    target.prepare(scenario.docs),
    startWorkers(settings.clientProcs, label),
  ]);
  try {
    const clients = scenario.docs * scenario.clientsPerDoc;
    const dealt = dealClients(docs, 0, clients, workers.length, scenario.serverUrls);
    await openClients(target, workers, dealt, 60_000);
    await sleep(500);

    const windowStartUs = nowUs() + settings.warmupS * 1e6;
    const measured = await measureWindow(target, workers, {
      rate: settings.rate,
      windowStartUs,
      windowEndUs: windowStartUs + scenario.seconds * 1e6,
      receivers: receiversPerDoc(scenario.docs, clients),
      drainMs: settings.drainMs,
    });
    return {
      bench: "collab",
      target: target.name,
      scenario: `${scenario.docs}x${scenario.clientsPerDoc}`,
      docs: scenario.docs,
      clientsPerDoc: scenario.clientsPerDoc,
      ratePerClient: settings.rate,
      seconds: scenario.seconds,
      ...measured,
      persistence: target.persistence,
    };
  } finally {
    await closeWorkers(workers);
  }
}

function probe(server: Child, gc: boolean): Promise<FromProbe> {
  return request<FromProbe>(server, { type: "probe", gc }, 30_000);
}

export interface IdleScenario {
  connections: number;
  docs: number;
  /** After the connections are open, before RSS is read. */
  settleMs: number;
  /** After a round's connections close, before the next baseline (above CodePark's 5 s unload grace). */
  quietMs: number;
}

/**
 * Memory per idle connection, in two rounds on a fresh server, each: baseline after a forced GC,
 * N synced connections opened and left idle, RSS delta / N, then a forced GC and RSS and live-heap
 * deltas / N again.
 *  - cold (the headline figures): the server's first N connections. Its RSS delta also holds
 *    one-time growth (V8's young generation growing from 8 to 32 MB is 16-25 KB per connection
 *    at N = 1,000 for a server that started small; allocator arenas);
 *  - warm: the same N connections closed, documents left to unload, then opened again.
 * The live-heap delta after GC is the steadiest of these numbers.
 */
export async function runIdle(
  target: Target,
  scenario: IdleScenario,
  clientProcs: number,
  label: string,
): Promise<Record<string, unknown>> {
  const clientsPerDoc = Math.ceil(scenario.connections / scenario.docs);
  const server = target.server;
  if (!server)
    throw new Error(`${target.name}: the idle scenario needs a single server child with the probe`);
  const [docs, workers] = await Promise.all([
    target.prepare(scenario.docs),
    startWorkers(clientProcs, label),
  ]);
  const pid = server.pid;
  const settled = async (gc: boolean) => {
    const probed = await probe(server, gc);
    await sleep(200);
    return { rss: rss(pid).rss, heapUsed: probed.heapUsed, gcForced: probed.gcForced };
  };
  try {
    const dealt = dealClients(docs, 0, scenario.docs * clientsPerDoc, workers.length);
    const connections = dealt.reduce((total, specs) => total + specs.length, 0);
    const kb = (bytes: number) => round(bytes / 1024 / connections, 1);
    const round1 = async () => {
      const base = await settled(true);
      await openClients(target, workers, dealt, 120_000);
      await sleep(scenario.settleMs);
      const open = rss(pid).rss;
      const collected = await settled(true);
      return {
        baseline: base.rss,
        open,
        collected: collected.rss,
        rssKb: kb(open - base.rss),
        rssAfterGcKb: kb(collected.rss - base.rss),
        heapAfterGcKb: kb(collected.heapUsed - base.heapUsed),
        gcForced: base.gcForced && collected.gcForced,
      };
    };
    await sleep(500);
    const cold = await round1();
    await Promise.all(workers.map((worker) => request(worker, { type: "close", exit: false }, 30_000)));
    await sleep(scenario.quietMs);
    const warm = await round1();
    const stats = await statsOf(workers);
    return {
      bench: "collab",
      target: target.name,
      scenario: `idle-${connections}x${scenario.docs}`,
      connections,
      docs: scenario.docs,
      rssBaselineMb: round(cold.baseline / MB, 1),
      rssOpenMb: round(cold.open / MB, 1),
      rssOpenAfterGcMb: round(cold.collected / MB, 1),
      rssPerConnectionKb: cold.rssKb,
      rssPerConnectionAfterGcKb: cold.rssAfterGcKb,
      heapPerConnectionAfterGcKb: cold.heapAfterGcKb,
      warmRssPerConnectionKb: warm.rssKb,
      warmRssPerConnectionAfterGcKb: warm.rssAfterGcKb,
      warmHeapPerConnectionAfterGcKb: warm.heapAfterGcKb,
      gcForced: cold.gcForced && warm.gcForced,
      clientCloses: stats.reduce((total, s) => total + s.closes, 0),
      persistence: target.persistence,
    };
  } finally {
    await closeWorkers(workers);
  }
}
