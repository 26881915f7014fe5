import type { ClientToServerEvents, RealtimeError, ServerToClientEvents } from "@codepark/protocol";
import { useEffect, useSyncExternalStore } from "react";
import type { Socket } from "socket.io-client";
import { apiRoutes, call } from "../api/client.ts";
import { ProblemError } from "../api/errors.ts";
import { currentAccessToken, refreshAccessToken } from "../api/refresh.ts";
import { getSession, subscribeSession } from "../api/session.ts";

export type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type RealtimeStatus = "connecting" | "connected" | "offline";

export interface RealtimeState {
  /** null until the Socket.IO client has loaded (it is a separate chunk), and while signed out. */
  socket: AppSocket | null;
  status: RealtimeStatus;
}

/**
 * One Socket.IO connection per tab while signed in, shared by everything live: the notification
 * bell (the server sends a person's notifications to all their connections), the workspace's
 * project room (presence, project events) and chat. The client library loads on first use, so
 * the initial bundle does not carry it.
 */
let state: RealtimeState = { socket: null, status: "connecting" };
let ownerId: string | null = null;
let generation = 0;
let loading = false;
let teardown: (() => void) | null = null;
const listeners = new Set<() => void>();

function update(patch: Partial<RealtimeState>): void {
  state = { ...state, ...patch };
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Connects (once) for the signed-in person; a no-op when already connected or signed out. */
export function ensureRealtime(): void {
  const session = getSession();
  if (!session || loading || state.socket) return;
  loading = true;
  ownerId = session.user.id;
  const mine = ++generation;
  import("socket.io-client").then(
    ({ io }) => {
      loading = false;
      if (mine !== generation || !getSession()) return;
      connect(io);
    },
    () => {
      // The chunk could not be downloaded (offline): the next caller (or going online) retries.
      loading = false;
      update({ status: "offline" });
    },
  );
}

/** How long a connection refused for the plan's connection cap waits before trying again. */
const CONNECTION_LIMIT_RETRY_MS = 30_000;

function connect(io: typeof import("socket.io-client").io): void {
  /** The token the last handshake sent: the one to report as stale if the server refuses it. */
  let handshakeToken = "";
  const socket: AppSocket = io({
    path: "/socket.io",
    // WebSocket only: long-polling needs every request of a session on the same node, and CodePark's
    // nodes sit behind a plain round-robin balancer (no sticky sessions).
    transports: ["websocket"],
    auth: (callback) => {
      const send = (token: string | null | undefined) => {
        handshakeToken = token ?? "";
        callback({ token: handshakeToken });
      };
      currentAccessToken().then(send, () => send(getSession()?.accessToken));
    },
  });
  let authRetries = 0;
  let limitRetry: ReturnType<typeof setTimeout> | undefined;

  socket.on("connect", () => {
    authRetries = 0;
    update({ status: "connected" });
  });
  socket.on("disconnect", (reason) => {
    update({ status: "offline" });
    // The server ends sockets whose session was revoked: find out (the API signs out if so).
    if (reason === "io server disconnect") {
      void call(apiRoutes.account.me).then(
        () => socket.connect(),
        () => undefined,
      );
    }
  });
  socket.on("connect_error", (failure: Error & { data?: { code?: string } }) => {
    update({ status: "offline" });
    if (socket.active) return; // a network failure: socket.io retries by itself
    if (failure.data?.code === "connection_limit") {
      // Every connection the plan allows is open (other tabs and editors): try again in a while.
      clearTimeout(limitRetry);
      limitRetry = setTimeout(() => socket.connect(), CONNECTION_LIMIT_RETRY_MS);
      return;
    }
    // Refused by the server's auth check: refresh the token once, then confirm the session.
    authRetries += 1;
    if (failure.data?.code === "token_expired" && handshakeToken && authRetries <= 2) {
      void refreshAccessToken(handshakeToken).then(
        (fresh) => fresh && socket.connect(),
        () => undefined,
      );
    } else {
      void call(apiRoutes.account.me).then(
        () => authRetries <= 2 && socket.connect(),
        () => undefined,
      );
    }
  });

  const onOffline = () => socket.disconnect();
  const onOnline = () => socket.connect();
  window.addEventListener("offline", onOffline);
  window.addEventListener("online", onOnline);
  teardown = () => {
    clearTimeout(limitRetry);
    window.removeEventListener("offline", onOffline);
    window.removeEventListener("online", onOnline);
    socket.disconnect();
  };
  update({ socket, status: "connecting" });
}

function close(): void {
  generation += 1;
  loading = false;
  teardown?.();
  teardown = null;
  ownerId = null;
  update({ socket: null, status: "connecting" });
}

// Signing out (or in as someone else) ends this connection; a token refresh does not.
subscribeSession(() => {
  const session = getSession();
  if (session && session.user.id === ownerId) return;
  if (ownerId !== null || state.socket) close();
  if (session && listeners.size > 0) ensureRealtime();
});
window.addEventListener("online", () => {
  if (!state.socket && listeners.size > 0) ensureRealtime();
});

/** The shared connection and its status; connects on first use. */
export function useRealtime(): RealtimeState {
  const snapshot = useSyncExternalStore(subscribe, () => state);
  useEffect(() => ensureRealtime(), []);
  return snapshot;
}

/** Runs `run` now when connected and again on every reconnect (re-joining rooms, catching up). */
export function onEveryConnect(socket: AppSocket, run: () => void): () => void {
  socket.on("connect", run);
  if (socket.connected) run();
  return () => {
    socket.off("connect", run);
  };
}

/** A failed acknowledgement, as an error the page can show in words (with field messages). */
export function ackError(error: RealtimeError): ProblemError {
  return new ProblemError({
    status: 0,
    title: error.code,
    detail: error.message,
    code: error.code,
    errors: error.errors,
  });
}

/** Socket.IO acks have no deadline of their own: this gives up after `ms` with an error in words. */
export function withTimeout<T>(promise: Promise<T>, ms = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new ProblemError({
            status: 0,
            title: "Timeout",
            detail: "The server did not answer in time. Check your connection and try again.",
            code: "timeout",
          }),
        ),
      ms,
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
