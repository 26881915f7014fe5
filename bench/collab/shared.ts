/**
 * What the collaboration benchmark's parent, its client workers and its server probe share:
 * the clock every process stamps inserts with, the insert marker, and the IPC message shapes.
 */

/**
 * Microseconds on CLOCK_MONOTONIC. On Linux that clock is system-wide, so a timestamp taken in
 * one client process can be subtracted from one taken in another (unlike `performance.now()`,
 * whose origin is per process, or `Date.now()`, which has millisecond resolution and can step).
 */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** `<tag>:<seq>:<sentAtUs>|`, all base 36: about 16 characters per insert. */
export function encodeMarker(tag: string, seq: number, sentAtUs: number): string {
  return `${tag}:${seq.toString(36)}:${sentAtUs.toString(36)}|`;
}

/** How a client reaches its document. */
export type Protocol = "y-websocket" | "hocuspocus";

export interface ClientSpec {
  /** Unique across the run, short (it is part of every insert). */
  tag: string;
  /** Index of the document, to count receivers per document. */
  doc: number;
  /** y-websocket `serverUrl` (the room is appended to it). */
  serverUrl: string;
  room: string;
  params: Record<string, string>;
}

export type ToWorker =
  | {
      type: "open";
      id: number;
      protocol: Protocol;
      clients: ClientSpec[];
      /** Wait for sync step 2 as well as the open socket (a bare relay never sends one to a lone client). */
      awaitSync: boolean;
      batch: number;
      timeoutMs: number;
    }
  | {
      /**
       * Starts inserting on every client not already inserting (clients keep the rate they were
       * started with) and begins a new measurement: what earlier runs measured is forgotten.
       */
      type: "run";
      id: number;
      /** Inserts per second per client. */
      rate: number;
      /** Inserts stamped in [windowStartUs, windowEndUs) are measured. */
      windowStartUs: number;
      windowEndUs: number;
      /** No insert is made from here on (default windowEndUs); later keeps the load going past the window. */
      stopUs?: number;
      /** Receivers of an insert on each document (its other clients, in every worker). */
      receiversPerDoc: number[];
    }
  /** Stops every client's inserts (the measurement stays for "stats" and "report"). */
  | { type: "stop"; id: number }
  | { type: "stats"; id: number }
  | { type: "report"; id: number }
  /** Destroys every client; with `exit`, the worker exits too. */
  | { type: "close"; id: number; exit: boolean };

export interface WorkerStats {
  /** Measured inserts this worker's clients made. */
  sent: number;
  /** Measured inserts this worker's clients received from others. */
  received: number;
  /** Receptions the measured inserts made here should cause (in every worker): sent × receivers. */
  expected: number;
  /** Connections that closed after opening (reconnects included). */
  closes: number;
  /** Permission-denied or unexpected messages from the server. */
  problems: string[];
}

export interface WorkerReport extends WorkerStats {
  /** Measured inserts made here: key `<tag>:<seq36>` and the document it went to. */
  inserts: [key: string, doc: number][];
  /** Per measured insert seen here: receivers in this worker and the slowest of them (µs). */
  seen: [key: string, receivers: number, maxLatencyUs: number][];
}

export type FromWorker =
  | { type: "ready" }
  | { type: "opened"; id: number; opened: number; failed: string[] }
  | { type: "running"; id: number }
  | { type: "stopped"; id: number }
  | { type: "stats"; id: number; stats: WorkerStats }
  | { type: "report"; id: number; report: WorkerReport }
  | { type: "closed"; id: number }
  | { type: "error"; id: number; message: string };

/** Server probe (preloaded into every server child): a forced GC and the heap figures. */
export type ToProbe = { type: "probe"; id: number; gc: boolean };
export interface FromProbe {
  type: "probe";
  id: number;
  gcForced: boolean;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** The servers CodePark is compared with (bench/collab/peer-server.ts starts them). */
export const PEER_TARGETS = ["relay", "y-websocket-server", "hocuspocus"] as const;
/** Every server peer-server.ts starts: the peers, and Hocuspocus storing documents (bench/collab-saturation.ts). */
export const PEER_SERVERS = [...PEER_TARGETS, "hocuspocus-database"] as const;
export type PeerTarget = (typeof PEER_SERVERS)[number];

/**
 * What the hocuspocus-database peer has stored so far (asked over IPC), cumulative:
 * updates it applied, updates covered by a completed store, stores, bytes and milliseconds spent.
 */
export type ToStoreCounters = { type: "store-counters"; id: number };
export interface StoreCounters {
  updatesApplied: number;
  updatesStored: number;
  stores: number;
  storeBytes: number;
  storeMs: number;
}
