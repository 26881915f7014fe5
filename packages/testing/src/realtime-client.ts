import type { ClientToServerEvents, ServerToClientEvents } from "@codepark/protocol";
import { io as connectSocket, type Socket } from "socket.io-client";
import { expect } from "vitest";

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export const WAIT_MS = 5_000;

/** Rejects after `ms` with a message naming what was awaited: no test hangs until vitest's timeout. */
export function within<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A real socket.io-client that records everything it receives, so a test can wait for an event that
 * may already have arrived. `next` consumes per event name: successive calls see successive events.
 */
export class Client {
  readonly received: { event: string; payload: any }[] = [];
  readonly #cursor = new Map<string, number>();
  readonly #waiters = new Set<() => void>();

  constructor(readonly socket: ClientSocket) {
    socket.onAny((event: string, payload: unknown) => this.#record(event, payload));
    socket.on("disconnect", (reason) => this.#record("disconnect", reason));
    socket.on("connect_error", (error) => this.#record("connect_error", error));
  }

  #record(event: string, payload: unknown) {
    this.received.push({ event, payload });
    for (const wake of this.#waiters) wake();
  }

  seen(event: string): any[] {
    return this.received.filter((entry) => entry.event === event).map((entry) => entry.payload);
  }

  next(event: string, match: (payload: any) => boolean = () => true): Promise<any> {
    const find = () => {
      for (let i = this.#cursor.get(event) ?? 0; i < this.received.length; i++) {
        const entry = this.received[i]!;
        if (entry.event === event && match(entry.payload)) {
          this.#cursor.set(event, i + 1);
          return entry;
        }
      }
      return undefined;
    };
    const found = find();
    if (found) return Promise.resolve(found.payload);
    let wake!: () => void;
    const arrived = new Promise<any>((resolve) => {
      wake = () => {
        const entry = find();
        if (entry) resolve(entry.payload);
      };
      this.#waiters.add(wake);
    });
    return within(arrived, `'${event}'`).finally(() => this.#waiters.delete(wake));
  }

  /** Emits with an acknowledgement. Untyped on purpose: tests send what real clients must not. */
  ack(event: string, ...args: unknown[]): Promise<any> {
    return (this.socket.timeout(WAIT_MS) as any).emitWithAck(event, ...args);
  }

  join(projectId: string) {
    return this.ack("project:join", { projectId });
  }

  /** A round trip: everything the server sent this socket before answering has arrived. */
  async barrier() {
    expect(await this.ack("project:leave", { projectId: "prj_barrier" })).toEqual({ ok: true });
  }
}

/**
 * A real socket.io-client as the web app opens it (WebSocket only, no automatic reconnection, its
 * own connection), not yet connected: `auth` undefined sends no credentials.
 */
export function openClient(baseUrl: string, auth: Record<string, unknown> | undefined): Client {
  return new Client(
    connectSocket(baseUrl, {
      path: "/socket.io",
      ...(auth ? { auth } : {}),
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
    }),
  );
}

/** Opens a client with `token` and resolves once connected (rejects with the server's refusal). */
export async function connectClient(baseUrl: string, token: string): Promise<Client> {
  const client = openClient(baseUrl, { token });
  await within(
    new Promise<void>((resolve, reject) => {
      client.socket.once("connect", resolve);
      client.socket.once("connect_error", reject);
    }),
    "connect",
  );
  return client;
}
