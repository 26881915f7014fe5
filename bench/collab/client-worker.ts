/**
 * A client process of the collaboration benchmark (never the server's process): opens unmodified
 * y-websocket clients (`ws` as the WebSocket, no BroadcastChannel), makes each insert
 * `<tag>:<seq>:<sentAtUs>|` at the end of Y.Text "content" at a fixed rate, and records, for every
 * marker a client sees arrive from someone else, the receive time minus the stamped send time.
 * Driven over the IPC channel by bench/collab.ts (messages in ./shared.ts).
 */
import * as decoding from "lib0/decoding";
import { WebSocket } from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { HocuspocusSocket } from "./hocuspocus-socket.ts";
import {
  type ClientSpec,
  encodeMarker,
  type FromWorker,
  nowUs,
  type Protocol,
  type ToWorker,
  type WorkerReport,
  type WorkerStats,
} from "./shared.ts";

interface Client {
  spec: ClientSpec;
  doc: Y.Doc;
  text: Y.Text;
  provider: WebsocketProvider;
  seq: number;
  timer: NodeJS.Timeout | null;
}

const clients: Client[] = [];
const problems: string[] = [];
let closes = 0;
let windowStartUs = Number.POSITIVE_INFINITY;
let windowEndUs = Number.NEGATIVE_INFINITY;
let stopUs = Number.NEGATIVE_INFINITY;
let receiversPerDoc: number[] = [];
let inserts: [string, number][] = [];
/** key → [receivers here, slowest latency µs] */
const seen = new Map<string, [number, number]>();
let received = 0;
let expected = 0;

function send(message: FromWorker): void {
  process.send?.(message);
}

function problem(text: string): void {
  if (problems.length < 20) problems.push(text);
}

/** Records every measured marker in an insert a client received from another client. */
function observe(client: Client, inserted: string, at: number): void {
  let start = 0;
  for (;;) {
    const end = inserted.indexOf("|", start);
    if (end < 0) return;
    const marker = inserted.slice(start, end);
    start = end + 1;
    const second = marker.lastIndexOf(":");
    if (second <= 0) continue;
    const sentAt = Number.parseInt(marker.slice(second + 1), 36);
    if (!(sentAt >= windowStartUs && sentAt < windowEndUs)) continue;
    const key = marker.slice(0, second);
    if (key.startsWith(`${client.spec.tag}:`)) continue;
    received++;
    const latency = at - sentAt;
    const entry = seen.get(key);
    if (entry) {
      entry[0]++;
      if (latency > entry[1]) entry[1] = latency;
    } else {
      seen.set(key, [1, latency]);
    }
  }
}

function socketClass(protocol: Protocol): typeof globalThis.WebSocket {
  const polyfill = protocol === "hocuspocus" ? HocuspocusSocket : WebSocket;
  return polyfill as unknown as typeof globalThis.WebSocket;
}

function openClient(spec: ClientSpec, protocol: Protocol): Client {
  const doc = new Y.Doc();
  const text = doc.getText("content");
  const provider = new WebsocketProvider(spec.serverUrl, spec.room, doc, {
    WebSocketPolyfill: socketClass(protocol),
    disableBc: true,
    params: spec.params,
    maxBackoffTime: 1_000,
  });
  const client: Client = { spec, doc, text, provider, seq: 0, timer: null };
  provider.on("connection-close", (event) => {
    if (!event) return;
    closes++;
    problem(`${spec.tag} closed ${event.code} ${event.reason}`);
  });
  // y-websocket only console.warns a permission-denied auth message; record it instead.
  provider.messageHandlers[2] = (_encoder, decoder) => {
    if (decoding.readVarUint(decoder) === 0)
      problem(`${spec.tag} denied: ${decoding.readVarString(decoder)}`);
  };
  // The inserts of a remote transaction are the structs between its before and after state
  // vectors; reading them there costs O(inserted). (event.delta walks the whole text on every
  // event, which at a few thousand items made the client processes the bottleneck.)
  text.observe((_event, transaction) => {
    if (transaction.local) return;
    const at = nowUs();
    transaction.afterState.forEach((after, clientId) => {
      const before = transaction.beforeState.get(clientId) ?? 0;
      const structs = after > before ? doc.store.clients.get(clientId) : undefined;
      if (!structs) return;
      for (let i = Y.findIndexSS(structs, before); i < structs.length; i++) {
        const struct = structs[i]!;
        if (struct.id.clock >= after) break;
        if (struct instanceof Y.Item && struct.parent === text && struct.content instanceof Y.ContentString) {
          observe(client, struct.content.str.slice(Math.max(0, before - struct.id.clock)), at);
        }
      }
    });
  });
  return client;
}

function ready(client: Client, awaitSync: boolean): Promise<void> {
  const { provider } = client;
  const done = () => provider.wsconnected && (!awaitSync || provider.synced);
  if (done()) return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => {
      if (!done()) return;
      provider.off("status", check);
      provider.off("sync", check);
      resolve();
    };
    provider.on("status", check);
    provider.on("sync", check);
  });
}

async function open(message: Extract<ToWorker, { type: "open" }>): Promise<FromWorker> {
  const deadline = Date.now() + message.timeoutMs;
  const failed: string[] = [];
  for (let i = 0; i < message.clients.length; i += message.batch) {
    const batch = message.clients
      .slice(i, i + message.batch)
      .map((spec) => openClient(spec, message.protocol));
    clients.push(...batch);
    const remaining = Math.max(0, deadline - Date.now());
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), remaining);
    });
    const outcome = await Promise.race([
      Promise.all(batch.map((client) => ready(client, message.awaitSync))),
      timeout,
    ]);
    clearTimeout(timer);
    if (outcome === "timeout") {
      for (const client of clients) {
        if (!client.provider.wsconnected || (message.awaitSync && !client.provider.synced)) {
          failed.push(client.spec.tag);
        }
      }
      break;
    }
  }
  return { type: "opened", id: message.id, opened: clients.length - failed.length, failed };
}

/**
 * Inserts at `rate` per second per client until `stopUs`, on every client not already inserting;
 * a late tick skips, never bursts. Starts a new measurement.
 */
function run(message: Extract<ToWorker, { type: "run" }>): FromWorker {
  windowStartUs = message.windowStartUs;
  windowEndUs = message.windowEndUs;
  stopUs = message.stopUs ?? message.windowEndUs;
  receiversPerDoc = message.receiversPerDoc;
  inserts = [];
  seen.clear();
  received = 0;
  expected = 0;
  const periodMs = 1000 / message.rate;
  for (const client of clients) {
    if (client.timer) continue;
    let due = performance.now() + Math.random() * periodMs;
    const tick = () => {
      client.timer = null;
      const sentAt = nowUs();
      if (sentAt >= stopUs) return;
      client.seq++;
      client.text.insert(client.text.length, encodeMarker(client.spec.tag, client.seq, sentAt));
      if (sentAt >= windowStartUs && sentAt < windowEndUs) {
        inserts.push([`${client.spec.tag}:${client.seq.toString(36)}`, client.spec.doc]);
        expected += receiversPerDoc[client.spec.doc] ?? 0;
      }
      const now = performance.now();
      due += periodMs;
      if (due < now - periodMs) due = now;
      client.timer = setTimeout(tick, Math.max(0, due - now));
    };
    client.timer = setTimeout(tick, Math.max(0, due - performance.now()));
  }
  return { type: "running", id: message.id };
}

function stopInserting(): void {
  stopUs = Number.NEGATIVE_INFINITY;
  for (const client of clients) {
    if (client.timer) clearTimeout(client.timer);
    client.timer = null;
  }
}

function stats(): WorkerStats {
  const denied = HocuspocusSocket.denied.slice(0, 5).map((reason) => `hocuspocus denied: ${reason}`);
  return { sent: inserts.length, received, expected, closes, problems: [...problems, ...denied] };
}

function report(): WorkerReport {
  return {
    ...stats(),
    inserts,
    seen: [...seen].map(([key, [receivers, max]]) => [key, receivers, max]),
  };
}

function closeAll(): void {
  stopInserting();
  for (const client of clients.splice(0)) {
    client.provider.destroy();
    client.doc.destroy();
  }
}

async function handle(message: ToWorker): Promise<void> {
  try {
    switch (message.type) {
      case "open":
        send(await open(message));
        return;
      case "run":
        send(run(message));
        return;
      case "stop":
        stopInserting();
        send({ type: "stopped", id: message.id });
        return;
      case "stats":
        send({ type: "stats", id: message.id, stats: stats() });
        return;
      case "report":
        send({ type: "report", id: message.id, report: report() });
        return;
      case "close":
        closeAll();
        send({ type: "closed", id: message.id });
        if (message.exit) setTimeout(() => process.exit(0), 50).unref();
        return;
    }
  } catch (error) {
    send({ type: "error", id: message.id, message: error instanceof Error ? error.message : String(error) });
  }
}

// Every WebsocketProvider adds a process "exit" listener; hundreds are expected here.
process.setMaxListeners(0);
if (!process.send) {
  process.stderr.write("client-worker.ts is started by bench/collab.ts with an IPC channel\n");
  process.exit(2);
}
process.on("message", (message: ToWorker) => void handle(message));
// The parent went away (crashed or killed): nothing left to report to.
process.on("disconnect", () => process.exit(0));
send({ type: "ready" });
