/**
 * Chat fan-out: N Socket.IO clients in one project channel, a fixed total rate of `chat:send`, and
 * how long each message takes to reach every client.
 *
 * The server is the real app (createApp, LOG_LEVEL=silent, PORT 0) in this process, on in-memory
 * PGlite and, when BENCH_DATABASE_URL (an admin URL) is set, on PostgreSQL in a throwaway database
 * dropped afterwards. Set-up goes through the API: one owner makes the project, U more accounts are
 * registered in parallel and added as editors, and the channel's id comes from
 * GET /api/v1/projects/:id/conversation. The N clients (socket i signs in as user i mod U, so U
 * accounts hold N sockets) run in P separate client processes — this same file started with
 * `--client-process` — so that the server's process.cpuUsage() and event loop are its own. Each
 * client is an unmodified socket.io-client (path /socket.io, auth {token}, websocket transport) that
 * sends `chat:join` and waits for the ack.
 *
 * Load: message k is due at start + k / RATE and sent, as `chat:send`, by sender k mod S (clients 0…S-1,
 * distinct users while S ≤ U; each stays well under the gateway's 30 events/s per connection). Its
 * body carries the send time on CLOCK_MONOTONIC (system-wide on Linux, so client processes share
 * it); every client stamps each `chat:message` on arrival. A warm-up at the same rate runs first,
 * unmeasured. After the last send, clients wait until every one of them has every message (or
 * BENCH_CHAT_DRAIN seconds).
 *
 * One JSON line per store:
 *   latencyP50/P95/P99/MaxMs   send → each receipt (every message × every client, the sender too)
 *   fanoutP50/P99Ms            send → the last client's receipt, per message (over complete messages)
 *   ackP50/P99Ms               send → the sender's ack (the message's transaction; the broadcast
 *                              leaves just before the ack)
 *   delivered / expected       receipts of measured messages / messages sent × N (acked = answered
 *                              ok; unanswered = no ack by the end of the drain)
 *   duplicates                 a client got the same seq twice; orderViolations: a lower seq after a
 *                              higher one (both over warm-up and measured messages, every client)
 *   statementsPerMessage       SQL statements the server sent over the window (every one, BEGIN/COMMIT
 *                              and the job runner's included, counted at the driver) per acked
 *                              message; statementsByKind the same by verb and table
 *   serverCpuPercent           this process (the server; the bench's own orchestration is idle
 *                              meanwhile) over first send → last client done, % of one core, and per
 *                              message / per delivery; postgresCpuPercent every `postgres` process;
 *                              clientCpuPercent the client processes; otherCpuPercent the rest of the
 *                              machine (should be ~0)
 *   rssMb / rssDeltaMb         server process RSS after the window / growth over it (the stores run
 *                              one after another in this process: PGlite's memory stays in later lines)
 *   eventLoopDelayP99/MaxMs    the server's event-loop delay over the window
 *   loadAverage1m              the machine's, at the end: well above the core count means other work
 *                              competed for the CPU and latencies are inflated
 * Exits non-zero when delivered < expected, on a duplicate, an order violation, a failed send or a
 * client disconnected mid-run (after running every store).
 *
 * Env: BENCH_CHAT_CLIENTS (N, default 200), BENCH_CHAT_USERS (U accounts, default 20),
 *      BENCH_CHAT_SENDERS (S, default 10), BENCH_CHAT_RATE (messages/s in total, default 20),
 *      BENCH_CHAT_SECONDS (measured sending, default 20), BENCH_CHAT_WARMUP (seconds, default 2),
 *      BENCH_CHAT_DRAIN (seconds to wait for stragglers, default 10),
 *      BENCH_CHAT_CLIENT_PROCS (P, default 1), BENCH_CHAT_STORES (default "pglite,postgres"),
 *      BENCH_CHAT_CPU_PROF (a directory: a V8 CPU profile of the server's measured window per store),
 *      BENCH_DATABASE_URL. BENCH_QUICK=1: 5 s measured, 1 s warm-up, 5 s drain (same load).
 * Run alone: `npm run bench:chat`; with every bench: `npm run bench`.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import type { AddressInfo } from "node:net";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import type { ClientToServerEvents, ServerToClientEvents } from "@codepark/protocol";
import type { ChatMessage } from "@codepark/protocol/api";
import { io as connectSocket, type Socket } from "socket.io-client";
import { type Child, cpuUs, nextMessage, request, spawnTs, stop, stopAll } from "./collab/processes.ts";
import { createBenchProject, registerAndSignIn } from "./lib/bench-project.ts";
import { cpuMark, cpuSince } from "./lib/cpu.ts";
import { benchQuick, listFromEnv, numberFromEnv } from "./lib/env.ts";
import { requestJson } from "./lib/request-json.ts";
import { percentiles, round } from "./lib/stats.ts";
import { withThrowawayDatabase } from "./lib/throwaway-postgres.ts";

const CLIENT_FLAG = "--client-process";
/** Per-connection limit of the gateway (apps/server/src/transport/realtime/handlers.ts: 30/s), with margin. */
const MAX_SENDS_PER_CLIENT_PER_SEC = 20;
const JOIN_TIMEOUT_MS = 60_000;
const OPEN_CONCURRENCY = 20;

/** Microseconds on CLOCK_MONOTONIC: system-wide on Linux, so comparable across processes. */
const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

type Phase = "w" | "m";
type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

interface ClientSpec {
  /** Global client index (sender s is client s). */
  index: number;
  token: string;
}

type ToClientProcess =
  | { type: "open"; id: number; url: string; conversationId: string; clients: ClientSpec[] }
  | {
      type: "run";
      id: number;
      phase: Phase;
      count: number;
      rate: number;
      senders: number;
      startUs: number;
      drainMs: number;
    }
  | { type: "close"; id: number };

interface OpenReport {
  connectMs: number[];
  lastSeq: number;
}

interface RunReport {
  /** Messages this process emitted, and those acked ok. */
  sent: number;
  acked: number;
  ackErrors: Record<string, number>;
  ackMs: number[];
  /** Sends with no ack by the end of the drain. */
  unanswered: number;
  /** ms, every receipt here of this phase's messages. */
  latencies: number[];
  /** Per message k: receipts here and the slowest of them (ms). */
  perMessage: [number, number][];
  /** Receipts of this phase's messages per local client. */
  perClient: number[];
  /** Cumulative since open (all phases). */
  duplicates: number;
  orderViolations: number;
  disconnects: number;
  /** chat:message events whose body is not ours, or of another phase. */
  strays: number;
  firstSendUs: number;
  lastSendUs: number;
  lastReceiveUs: number;
  drained: boolean;
}

// ───────────────────────────── client process ─────────────────────────────

interface LocalClient {
  spec: ClientSpec;
  socket: ClientSocket;
  seqs: Set<number>;
  lastSeq: number;
  received: number;
}

async function clientProcess(): Promise<void> {
  const clients: LocalClient[] = [];
  let duplicates = 0;
  let orderViolations = 0;
  let disconnects = 0;
  let closing = false;
  /** The phase being measured and its tallies (replaced by each run). */
  let current: {
    phase: Phase;
    count: number;
    latencies: number[];
    perMessage: [number, number][];
    complete: number;
    lastReceiveUs: number;
    strays: number;
    onComplete: (() => void) | null;
  } | null = null;

  const reply = (message: Record<string, unknown>) => process.send?.(message);
  const bodyPattern = /^bench ([wm])(\d+) (\d+)$/;

  const onMessage = (client: LocalClient, message: ChatMessage) => {
    const at = nowUs();
    if (client.seqs.has(message.seq)) duplicates++;
    else {
      if (message.seq < client.lastSeq) orderViolations++;
      client.seqs.add(message.seq);
    }
    client.lastSeq = Math.max(client.lastSeq, message.seq);
    const match = bodyPattern.exec(message.body);
    const run = current;
    if (!run) return;
    if (!match || match[1] !== run.phase) {
      run.strays++;
      return;
    }
    const k = Number(match[2]);
    const entry = run.perMessage[k];
    if (!entry) {
      run.strays++;
      return;
    }
    const ms = (at - Number(match[3])) / 1000;
    run.latencies.push(ms);
    entry[0]++;
    if (ms > entry[1]) entry[1] = ms;
    client.received++;
    run.lastReceiveUs = at;
    if (entry[0] === clients.length) {
      run.complete++;
      if (run.complete === run.count) run.onComplete?.();
    }
  };

  const open = async (url: string, conversationId: string, specs: ClientSpec[]): Promise<OpenReport> => {
    const connectMs: number[] = [];
    let lastSeq = 0;
    const openOne = async (spec: ClientSpec) => {
      const started = performance.now();
      const socket: ClientSocket = connectSocket(url, {
        path: "/socket.io",
        auth: { token: spec.token },
        transports: ["websocket"],
        reconnection: false,
        forceNew: true,
      });
      const client: LocalClient = { spec, socket, seqs: new Set(), lastSeq: 0, received: 0 };
      clients.push(client);
      await new Promise<void>((done, fail) => {
        socket.once("connect", () => done());
        socket.once("connect_error", (error) => fail(new Error(`client ${spec.index}: ${error.message}`)));
      });
      socket.on("disconnect", () => {
        if (!closing) disconnects++;
      });
      socket.on("chat:message", (message) => onMessage(client, message));
      const joined = await socket.timeout(JOIN_TIMEOUT_MS).emitWithAck("chat:join", { conversationId });
      if (!joined.ok) throw new Error(`client ${spec.index}: chat:join ${JSON.stringify(joined.error)}`);
      const seq = joined.missed.at(-1)?.seq ?? 0;
      client.lastSeq = seq;
      lastSeq = Math.max(lastSeq, seq);
      connectMs.push(performance.now() - started);
    };
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(OPEN_CONCURRENCY, specs.length) }, async () => {
        while (next < specs.length) await openOne(specs[next++]!);
      }),
    );
    return { connectMs, lastSeq };
  };

  const run = async (
    message: Extract<ToClientProcess, { type: "run" }>,
    conversationId: string,
  ): Promise<RunReport> => {
    const { phase, count, rate, senders, startUs, drainMs } = message;
    const bySender = new Map<number, LocalClient>();
    for (const client of clients) if (client.spec.index < senders) bySender.set(client.spec.index, client);
    for (const client of clients) client.received = 0;
    let onComplete: () => void = () => {};
    const completed = new Promise<void>((done) => {
      onComplete = done;
    });
    current = {
      phase,
      count,
      latencies: [],
      perMessage: Array.from({ length: count }, () => [0, 0] as [number, number]),
      complete: 0,
      lastReceiveUs: 0,
      strays: 0,
      onComplete,
    };
    if (clients.length === 0 || count === 0) onComplete();
    const report = {
      sent: 0,
      acked: 0,
      ackErrors: {} as Record<string, number>,
      ackMs: [] as number[],
      firstSendUs: 0,
      lastSendUs: 0,
    };
    // Acks are awaited without a client-side timeout (a slow server shows as a slow ack, not an
    // error); what is still unanswered after the drain is reported as such.
    let unanswered = 0;
    let allAnswered: (() => void) | null = null;
    const sendOne = (k: number, client: LocalClient) => {
      const sentUs = nowUs();
      if (report.sent === 0) report.firstSendUs = sentUs;
      report.lastSendUs = sentUs;
      report.sent++;
      unanswered++;
      client.socket.emit("chat:send", { conversationId, body: `bench ${phase}${k} ${sentUs}` }, (answer) => {
        if (answer.ok) {
          report.acked++;
          report.ackMs.push((nowUs() - sentUs) / 1000);
        } else {
          report.ackErrors[answer.error.code] = (report.ackErrors[answer.error.code] ?? 0) + 1;
        }
        if (--unanswered === 0) allAnswered?.();
      });
    };
    // Every process walks the same global schedule and sends the messages of its own senders.
    const mine: number[] = [];
    for (let k = 0; k < count; k++) if (bySender.has(k % senders)) mine.push(k);
    for (const k of mine) {
      const dueUs = startUs + (k * 1_000_000) / rate;
      const waitMs = (dueUs - nowUs()) / 1000;
      if (waitMs > 1) await new Promise((done) => setTimeout(done, waitMs));
      sendOne(k, bySender.get(k % senders)!);
    }
    const lastDueUs = startUs + ((count - 1) * 1_000_000) / rate;
    const untilMs = Math.max(0, (lastDueUs - nowUs()) / 1000) + drainMs;
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      completed.then(() => true),
      new Promise<boolean>((done) => {
        timer = setTimeout(() => done(false), untilMs);
      }),
    ]);
    clearTimeout(timer);
    if (unanswered > 0) {
      await Promise.race([
        new Promise<void>((done) => {
          allAnswered = done;
        }),
        new Promise<void>((done) => {
          timer = setTimeout(done, drainMs);
        }),
      ]);
      clearTimeout(timer);
    }
    const tally = current;
    current = null;
    return {
      ...report,
      ackErrors: { ...report.ackErrors },
      unanswered,
      latencies: tally.latencies,
      perMessage: tally.perMessage,
      perClient: clients.map((client) => client.received),
      duplicates,
      orderViolations,
      disconnects,
      strays: tally.strays,
      lastReceiveUs: tally.lastReceiveUs,
      drained,
    };
  };

  let conversationId = "";
  process.on("message", (message: ToClientProcess) => {
    const work = async (): Promise<Record<string, unknown>> => {
      switch (message.type) {
        case "open":
          conversationId = message.conversationId;
          return { type: "opened", ...(await open(message.url, message.conversationId, message.clients)) };
        case "run":
          return { type: "ran", report: await run(message, conversationId) };
        case "close":
          closing = true;
          for (const client of clients) client.socket.disconnect();
          return { type: "closed" };
      }
    };
    work().then(
      (answer) => reply({ ...answer, id: message.id }),
      (error: unknown) =>
        reply({
          type: "error",
          id: message.id,
          message: error instanceof Error ? error.message : String(error),
        }),
    );
  });
  process.on("disconnect", () => process.exit(0));
  reply({ type: "ready" });
}

// ───────────────────────────── parent: server + orchestration ─────────────────────────────

const clientCount = Math.floor(numberFromEnv("BENCH_CHAT_CLIENTS", 200, 1));
const userCount = Math.min(clientCount, Math.floor(numberFromEnv("BENCH_CHAT_USERS", 20, 1)));
const senderCount = Math.min(clientCount, Math.floor(numberFromEnv("BENCH_CHAT_SENDERS", 10, 1)));
const rate = numberFromEnv("BENCH_CHAT_RATE", 20, 0.1);
const quick = benchQuick();
const seconds = numberFromEnv("BENCH_CHAT_SECONDS", quick ? 5 : 20, 1);
const warmupS = numberFromEnv("BENCH_CHAT_WARMUP", quick ? 1 : 2, 0);
const drainS = numberFromEnv("BENCH_CHAT_DRAIN", quick ? 5 : 10, 1);
const clientProcs = Math.min(clientCount, Math.floor(numberFromEnv("BENCH_CHAT_CLIENT_PROCS", 1, 1)));
type Store = "pglite" | "postgres";
const stores = listFromEnv("BENCH_CHAT_STORES", "pglite,postgres") as Store[];
const cpuProfDir = process.env.BENCH_CHAT_CPU_PROF || undefined;
const adminUrl = process.env.BENCH_DATABASE_URL || undefined;

function checkKnobs(): void {
  for (const store of stores)
    if (store !== "pglite" && store !== "postgres") throw new Error(`BENCH_CHAT_STORES: "${store}"?`);
  if (rate / senderCount > MAX_SENDS_PER_CLIENT_PER_SEC) {
    throw new Error(
      `BENCH_CHAT_RATE / BENCH_CHAT_SENDERS = ${round(rate / senderCount, 1)} messages/s per sender: ` +
        `keep it ≤ ${MAX_SENDS_PER_CLIENT_PER_SEC} (the gateway allows 30 events/s per connection)`,
    );
  }
}

interface Member {
  token: string;
  email: string;
}

async function registerMember(api: string, n: number): Promise<Member> {
  const email = `bench-chat-${n}-${randomBytes(4).toString("hex")}@example.test`;
  const auth = await registerAndSignIn(api, {
    email,
    password: "a sturdy benchmark passphrase",
    name: `Bench ${n}`,
  });
  return { token: auth.accessToken, email };
}

interface ClientProcess {
  child: Child;
  specs: ClientSpec[];
}

const self = fileURLToPath(import.meta.url);

async function startClientProcesses(specs: ClientSpec[]): Promise<ClientProcess[]> {
  const procs: ClientProcess[] = [];
  for (let p = 0; p < clientProcs; p++) {
    const child = spawnTs(`chat-clients-${p}`, self, {
      args: [CLIENT_FLAG],
      env: process.env,
      ipc: true,
      forwardStderr: true,
    });
    procs.push({ child, specs: specs.filter((spec) => spec.index % clientProcs === p) });
  }
  await Promise.all(procs.map(({ child }) => nextMessage(child, "ready", 30_000)));
  return procs;
}

async function runPhase(
  procs: ClientProcess[],
  phase: Phase,
  count: number,
): Promise<{ reports: RunReport[]; startUs: number }> {
  // Every process gets the same schedule, starting a little ahead so all are listening.
  const startUs = nowUs() + 200_000;
  const timeoutMs = (count / rate + drainS) * 1000 + 30_000;
  const answers = await Promise.all(
    procs.map(({ child }) =>
      request<{ id: number; type: string; report: RunReport }>(
        child,
        {
          type: "run",
          phase,
          count,
          rate,
          senders: senderCount,
          startUs,
          drainMs: drainS * 1000,
        },
        timeoutMs,
      ),
    ),
  );
  return { reports: answers.map((answer) => answer.report), startUs };
}

async function runScenario(store: Store, databaseUrl: string | undefined): Promise<Record<string, unknown>> {
  const [{ createApp, databaseOptionsFrom }, { loadConfig }] = await Promise.all([
    import("../apps/server/src/app.ts"),
    import("../apps/server/src/config.ts"),
  ]);
  // Every statement the server sends, by text, counted over the measured window only (and sorted
  // into kinds afterwards, so the count costs the server next to nothing).
  const byText = new Map<string, number>();
  let counting = false;
  const observe = (text: string) => {
    if (counting) byText.set(text, (byText.get(text) ?? 0) + 1);
  };
  const dataDir = await mkdtemp(join(tmpdir(), "codepark-bench-chat-"));
  let procs: ClientProcess[] = [];
  try {
    const config = loadConfig({
      LOG_LEVEL: "silent",
      HOST: "127.0.0.1",
      PORT: "0",
      DATA_DIR: dataDir,
      ACCESS_TOKEN_TTL_SECONDS: "3600",
      // Many sockets per account from one address: the connection caps would refuse most of them
      // (their cost is bench/limits.ts's to measure, not this one's).
      RATE_LIMIT_ENABLED: "false",
      HTTP_MAX_CONNECTIONS_PER_IP: "0",
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    });
    const app = await createApp(config, {
      database: databaseUrl ? { ...databaseOptionsFrom(config), observe } : { kind: "pglite", observe },
    });
    try {
      await app.http.listen({ host: "127.0.0.1", port: 0 });
      const baseUrl = `http://127.0.0.1:${(app.http.server.address() as AddressInfo).port}`;
      const api = `${baseUrl}/api/v1`;

      // Accounts: the owner, then the others registered in parallel and added as editors.
      const setupStarted = performance.now();
      const owner = await createBenchProject(api, { name: "bench chat", description: "chat fan-out" });
      const others = await Promise.all(
        Array.from({ length: userCount - 1 }, (_, n) => registerMember(api, n + 1)),
      );
      // Only verified accounts can be added to a project: these are fixtures, verified in the store.
      await app.database.execute(
        "UPDATE users SET email_verified_at = now() WHERE email_verified_at IS NULL",
        [],
      );
      const members = `${api}/projects/${owner.projectId}/members`;
      await Promise.all(
        others.map((member) =>
          requestJson(
            members,
            { method: "POST", token: owner.token, body: { email: member.email, role: "editor" } },
            201,
          ),
        ),
      );
      const tokens = [owner.token, ...others.map((member) => member.token)];
      const { id: conversationId } = await requestJson<{ id: string }>(
        `${api}/projects/${owner.projectId}/conversation`,
        { token: owner.token },
        200,
      );
      const registerS = (performance.now() - setupStarted) / 1000;

      // Sockets: client i signs in as user i mod U; each joins the channel.
      const specs = Array.from({ length: clientCount }, (_, index) => ({
        index,
        token: tokens[index % tokens.length]!,
      }));
      const connectStarted = performance.now();
      procs = await startClientProcesses(specs);
      const opened = await Promise.all(
        procs.map(({ child, specs }) =>
          request<{ id: number; type: string } & OpenReport>(
            child,
            { type: "open", url: baseUrl, conversationId, clients: specs },
            120_000,
          ),
        ),
      );
      const connectS = (performance.now() - connectStarted) / 1000;
      const [connectP50, connectP99] = percentiles(
        opened.flatMap((answer) => answer.connectMs),
        [50, 99],
      );

      if (warmupS > 0) await runPhase(procs, "w", Math.max(1, Math.round(rate * warmupS)));

      // The measured window: first send → every client has every message (or the drain limit).
      const count = Math.max(1, Math.round(rate * seconds));
      const loopDelay = monitorEventLoopDelay({ resolution: 5 });
      const rssBefore = process.memoryUsage().rss;
      const profiler = cpuProfDir ? new Session() : undefined;
      if (profiler) {
        profiler.connect();
        await profiler.post("Profiler.enable");
        await profiler.post("Profiler.start");
      }
      const clientCpuBefore = procs.map(({ child }) => cpuUs(child.pid));
      const cpu = cpuMark();
      const windowStarted = performance.now();
      loopDelay.enable();
      counting = true;
      const { reports } = await runPhase(procs, "m", count);
      counting = false;
      loopDelay.disable();
      const windowMs = performance.now() - windowStarted;
      const cpuUse = cpuSince(cpu);
      const serverCpuUs = process.cpuUsage(cpu.process);
      const clientCpuUs = procs.reduce(
        (sum, { child }, p) => sum + cpuUs(child.pid) - clientCpuBefore[p]!,
        0,
      );
      if (profiler) {
        const { profile } = await profiler.post("Profiler.stop");
        profiler.disconnect();
        await mkdir(cpuProfDir!, { recursive: true });
        const file = resolve(cpuProfDir!, `chat-${store}-${Date.now()}.cpuprofile`);
        await writeFile(file, JSON.stringify(profile));
        process.stderr.write(`bench/chat: ${store} CPU profile of the measured window: ${file}\n`);
      }
      const memory = process.memoryUsage();

      // Merge the client processes' tallies.
      const sent = reports.reduce((sum, report) => sum + report.sent, 0);
      const acked = reports.reduce((sum, report) => sum + report.acked, 0);
      const ackErrors: Record<string, number> = {};
      for (const report of reports)
        for (const [code, n] of Object.entries(report.ackErrors))
          ackErrors[code] = (ackErrors[code] ?? 0) + n;
      const latencies = reports.flatMap((report) => report.latencies);
      const delivered = latencies.length;
      const unanswered = reports.reduce((sum, report) => sum + report.unanswered, 0);
      const expected = sent * clientCount;
      const fanout: number[] = [];
      for (let k = 0; k < count; k++) {
        let receipts = 0;
        let slowest = 0;
        for (const report of reports) {
          const [n, max] = report.perMessage[k]!;
          receipts += n;
          slowest = Math.max(slowest, max);
        }
        if (receipts === clientCount) fanout.push(slowest);
      }
      const perClient = reports.flatMap((report) => report.perClient);
      const firstSendUs = Math.min(...reports.filter((r) => r.sent > 0).map((r) => r.firstSendUs));
      const lastSendUs = Math.max(...reports.map((r) => r.lastSendUs));
      const lastReceiveUs = Math.max(...reports.map((r) => r.lastReceiveUs));
      const [p50, p95, p99, max] = percentiles(latencies, [50, 95, 99, 100]);
      const [fanoutP50, fanoutP99] = percentiles(fanout, [50, 99]);
      const [ackP50, ackP99] = percentiles(
        reports.flatMap((report) => report.ackMs),
        [50, 99],
      );
      const clientCpuPercent = Math.round((clientCpuUs / 1000 / windowMs) * 100);
      const serverUs = serverCpuUs.user + serverCpuUs.system;
      const activeS = (lastReceiveUs - firstSendUs) / 1e6;
      return {
        bench: "chat",
        store,
        clients: clientCount,
        users: userCount,
        senders: senderCount,
        ratePerSec: rate,
        seconds,
        messages: count,
        sent,
        acked,
        ackErrors,
        unanswered,
        expected,
        delivered,
        deliveredRatio: expected > 0 ? round(delivered / expected, 4) : null,
        fewestPerClient: Math.min(...perClient),
        duplicates: reports.reduce((sum, report) => sum + report.duplicates, 0),
        orderViolations: reports.reduce((sum, report) => sum + report.orderViolations, 0),
        disconnects: reports.reduce((sum, report) => sum + report.disconnects, 0),
        strays: reports.reduce((sum, report) => sum + report.strays, 0),
        drained: reports.every((report) => report.drained),
        latencyP50Ms: p50,
        latencyP95Ms: p95,
        latencyP99Ms: p99,
        latencyMaxMs: max,
        fanoutP50Ms: fanoutP50,
        fanoutP99Ms: fanoutP99,
        ackP50Ms: ackP50,
        ackP99Ms: ackP99,
        sentPerSec: round(sent / Math.max(1e-3, (lastSendUs - firstSendUs) / 1e6), 1),
        deliveriesPerSec: round(delivered / Math.max(1e-3, activeS), 0),
        drainAfterLastSendMs: round((lastReceiveUs - lastSendUs) / 1000, 1),
        windowS: round(windowMs / 1000, 2),
        statementsPerMessage: acked > 0 ? round(sum(byText.values()) / acked, 2) : null,
        statementsByKind: Object.fromEntries(
          [...byKind(byText)]
            .sort((a, b) => b[1] - a[1])
            .map(([kind, n]) => [kind, acked > 0 ? round(n / acked, 2) : n]),
        ),
        serverCpuPercent: cpuUse.processCpuPercent,
        serverCpuUsPerMessage: acked > 0 ? Math.round(serverUs / acked) : null,
        serverCpuUsPerDelivery: delivered > 0 ? round(serverUs / delivered, 1) : null,
        postgresCpuPercent: cpuUse.postgresCpuPercent,
        clientCpuPercent,
        otherCpuPercent:
          cpuUse.otherCpuPercent === null ? null : Math.max(0, cpuUse.otherCpuPercent - clientCpuPercent),
        rssMb: round(memory.rss / 2 ** 20, 0),
        rssDeltaMb: round((memory.rss - rssBefore) / 2 ** 20, 1),
        heapUsedMb: round(memory.heapUsed / 2 ** 20, 0),
        eventLoopDelayP50Ms: round(loopDelay.percentile(50) / 1e6, 1),
        eventLoopDelayP99Ms: round(loopDelay.percentile(99) / 1e6, 1),
        eventLoopDelayMaxMs: round(loopDelay.max / 1e6, 1),
        loadAverage1m: round(loadavg()[0]!, 1),
        setup: {
          registerAndAddS: round(registerS, 2),
          connectAndJoinS: round(connectS, 2),
          connectJoinP50Ms: connectP50,
          connectJoinP99Ms: connectP99,
        },
      };
    } finally {
      for (const { child } of procs) {
        await request(child, { type: "close" }, 10_000).catch(() => {});
        await stop(child, 5_000);
      }
      await app.close();
    }
  } finally {
    await stopAll(1_000);
    await rm(dataDir, { recursive: true, force: true });
  }
}

const sum = (values: Iterable<number>) => {
  let total = 0;
  for (const value of values) total += value;
  return total;
};

function byKind(byText: Map<string, number>): Map<string, number> {
  const kinds = new Map<string, number>();
  for (const [text, n] of byText) {
    const kind = statementKind(text);
    kinds.set(kind, (kinds.get(kind) ?? 0) + n);
  }
  return kinds;
}

/** A statement's kind for the per-message tally: its verb and first table (or the whole, if short). */
function statementKind(text: string): string {
  const flat = text.replace(/\s+/g, " ").replace(/"/g, "").trim();
  const cte = /^with (\w+) as \((\w+)/i.exec(flat);
  if (cte) return `WITH ${cte[1]} (${cte[2]!.toUpperCase()}…)`;
  const verb = /^(select|insert into|update|delete from)\s+(?:.*?\bfrom\s+)?([\w.]+)/i.exec(flat);
  if (verb) return `${verb[1]!.toUpperCase()} ${verb[2]}`;
  return flat.slice(0, 40);
}

function isFailure(line: Record<string, unknown>): boolean {
  return (
    line.delivered !== line.expected ||
    line.acked !== line.messages ||
    line.duplicates !== 0 ||
    line.orderViolations !== 0 ||
    line.disconnects !== 0
  );
}

async function main(): Promise<void> {
  checkKnobs();
  const note =
    `${availableParallelism()} cores shared by the server (this process), ${clientProcs} client process(es)` +
    `${adminUrl ? " and PostgreSQL" : ""}; ${clientCount} sockets on ${userCount} accounts, ` +
    `${senderCount} senders; ${warmupS}s unmeasured warm-up`;
  const failures: string[] = [];
  for (const store of stores) {
    if (store === "postgres" && !adminUrl) continue;
    try {
      const line =
        store === "postgres"
          ? await withThrowawayDatabase(adminUrl!, (url) => runScenario(store, url))
          : await runScenario(store, undefined);
      line.note = note;
      process.stdout.write(`${JSON.stringify(line)}\n`);
      if (isFailure(line)) failures.push(store);
    } catch (error) {
      failures.push(`${store}: ${error instanceof Error ? error.message : error}`);
      process.stderr.write(`bench/chat: ${store} failed: ${error instanceof Error ? error.stack : error}\n`);
    }
  }
  if (failures.length > 0) {
    process.stderr.write(`bench/chat failures:\n  ${failures.join("\n  ")}\n`);
    process.exitCode = 1;
  }
}

if (process.argv.includes(CLIENT_FLAG)) {
  clientProcess().catch((error: unknown) => {
    process.stderr.write(`bench/chat client: ${error instanceof Error ? error.stack : error}\n`);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    process.stderr.write(
      `bench/chat failed: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`,
    );
    process.exitCode = 1;
  });
}
