import type { Server as HttpServer, IncomingMessage } from "node:http";
import { REALTIME_PATH } from "@codepark/protocol";
import type { FastifyBaseLogger } from "fastify";
import type { Registry } from "prom-client";
import { Server, type ServerOptions } from "socket.io";
import { type ConnectionSlot, describeRefusal } from "../../domain/limits/connection-gate.ts";
import type { PresenceRegistry } from "../../domain/presence/registry.ts";
import type { Services } from "../../services.ts";
import { clientIpOf } from "../client-ip.ts";
import type { DoorLimits } from "../door-limits.ts";
import { ChatRelay, isChatEvent } from "./chat-relay.ts";
import { relayDomainEvent } from "./domain-events.ts";
import { registerClientHandlers } from "./handlers.ts";
import { type Admit, authenticateHandshake, handshakeToken, resolveCredential } from "./handshake.ts";
import { createRealtimeMetrics } from "./metrics.ts";
import { ProjectRooms } from "./project-rooms.ts";
import { joinedProjectIds, type RealtimeServer, type RealtimeSocket, userRoom } from "./types.ts";

export interface RealtimeDeps {
  httpServer: HttpServer;
  ctx: Services;
  registry: Registry;
  log: FastifyBaseLogger;
  /** Who is where: this node's (memory) or the cluster's (Redis); app.ts chooses. */
  presence: PresenceRegistry;
  /** How often expired presence (a dead node's devices) is swept and announced; default 5 s. */
  presenceSweepMs?: number;
  /** Browser origins allowed to use the HTTP long-polling transport (CORS_ORIGINS); none by default. */
  corsOrigins?: readonly string[];
  /** Reaches the sockets of every node (the Redis streams adapter); this node only by default. */
  adapter?: ServerOptions["adapter"];
  /** Connection caps and the rejection counter, shared with the collaboration endpoint; none: no caps. */
  limits?: DoorLimits;
}

/** The engine.io connection under a socket, as far as the connection caps need it. */
interface EngineConnection {
  id: string;
  request: IncomingMessage;
  once(event: "close", listener: () => void): void;
  close(): void;
}

export interface RealtimeGateway {
  /** Disconnects every socket and stops the engine; the shared HTTP server keeps running. */
  close(): Promise<void>;
}

/** Client payloads are a few hundred bytes; refuse megabyte frames before parsing them. */
const MAX_MESSAGE_BYTES = 64 * 1024;
/** An engine connection that has not authenticated within this long is dropped. */
const CONNECT_TIMEOUT_MS = 10_000;
/**
 * A client that reconnects within this long (to any node, with the Redis adapter) gets the packets
 * it missed and its rooms back, after authenticating again.
 */
const RECOVERY_WINDOW_MS = 2 * 60_000;
/** A dead node's users go offline within the registry's TTL plus this. */
const PRESENCE_SWEEP_MS = 5_000;

/**
 * Socket.IO on the API's HTTP server at /socket.io: authenticated connections, project rooms
 * guarded by the policy, presence, typing, and committed domain events relayed to the rooms.
 */
export function createRealtimeGateway({
  httpServer,
  ctx,
  registry,
  log,
  presence,
  presenceSweepMs = PRESENCE_SWEEP_MS,
  corsOrigins = [],
  adapter,
  limits,
}: RealtimeDeps): RealtimeGateway {
  let closing = false;
  const io: RealtimeServer = new Server(httpServer, {
    path: REALTIME_PATH,
    serveClient: false,
    maxHttpBufferSize: MAX_MESSAGE_BYTES,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // Other upgrade listeners on this server (the collaboration endpoint) own their paths: the engine
    // must not end upgrades it does not recognise.
    destroyUpgrade: false,
    allowRequest: (_request, answer) => answer(closing ? "shutting down" : null, !closing),
    connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_WINDOW_MS, skipMiddlewares: false },
    ...(adapter ? { adapter } : {}),
    ...(corsOrigins.length > 0
      ? { cors: { origin: corsOrigins.includes("*") ? true : [...corsOrigins] } }
      : {}),
  });
  const metrics = createRealtimeMetrics(registry, io, presence);
  const rooms = new ProjectRooms(io, ctx, presence, metrics, log);

  const pending = new Set<Promise<void>>();
  const track = (work: Promise<unknown>): void => {
    const tracked = work.then(
      () => undefined,
      (error: unknown) => log.error({ err: error }, "realtime work failed"),
    );
    pending.add(tracked);
    void tracked.then(() => pending.delete(tracked));
  };

  /** Access events that landed while the handshake was authenticating: authenticate again. */
  const reauthenticate = async (socket: RealtimeSocket): Promise<void> => {
    const token = handshakeToken(socket);
    try {
      if (!token) throw new Error("no token");
      socket.data.actor = (await resolveCredential(ctx, token)).actor;
    } catch {
      socket.disconnect(true);
      return;
    }
    // Projects joined with the actor as it was before: ask the policy again.
    await Promise.all(joinedProjectIds(socket).map((projectId) => rooms.recheck(projectId, [socket])));
  };

  // Connection caps: an engine connection counts against its IP until its handshake authenticates
  // (at most CONNECT_TIMEOUT_MS: the engine drops it then), against the person from then on, and
  // gives its slot back when it closes. Over the IP's figure it is closed at once (the client
  // retries after its backoff); over the person's, the handshake is refused with connection_limit.
  const slots = new WeakMap<object, { slot: ConnectionSlot; anonymous: Promise<boolean> }>();
  const refused = limits?.refused ?? (() => {});
  io.engine.on("connection", (conn: EngineConnection) => {
    if (!limits) return;
    const slot = limits.gate.open(`sio:${conn.id}`, clientIpOf(conn.request, limits.trustProxy));
    const anonymous = slot.enterAnonymous().then(
      (entered) => {
        if (!entered) conn.close();
        return entered;
      },
      (error: unknown) => {
        log.error({ err: error }, "connection ledger failed; connection let in");
        return true;
      },
    );
    slots.set(conn, { slot, anonymous });
    conn.once("close", () => void slot.close());
  });
  const admit: Admit = async (socket, actor) => {
    const entry = slots.get(socket.conn);
    if (!entry) return { ok: true };
    if ((await entry.anonymous) && (await entry.slot.enterAs(actor))) return { ok: true };
    return { ok: false, detail: describeRefusal(entry.slot.refusal) };
  };

  const authEpochs = new WeakMap<RealtimeSocket, number>();
  const handshake = authenticateHandshake(ctx, log, () => closing, track, admit);
  io.use((socket, next) => {
    authEpochs.set(socket, rooms.accessEpoch);
    handshake(socket, next);
  });

  io.on("connection", (socket) => {
    socket.join(userRoom(socket.data.actor.userId));
    if (authEpochs.get(socket) !== rooms.accessEpoch) track(reauthenticate(socket));
    registerClientHandlers(socket, { ctx, rooms, metrics, log, track, refused });
    if (socket.recovered) track(rooms.restored(socket));
    socket.on("disconnect", () => track(rooms.disconnected(socket)));
    log.debug({ socketId: socket.id, userId: socket.data.actor.userId }, "realtime connected");
  });

  const chat = new ChatRelay(io, rooms, ctx);
  // The domain's port to a person's own connections (notifications): emits to `user:<id>`.
  ctx.notifications.channel.attach({
    emit: (userId, event, payload) => {
      if (closing) return;
      (io.to(userRoom(userId)).emit as (event: string, payload: unknown) => boolean)(event, payload);
      metrics.events.inc({ direction: "out", event });
    },
  });

  const unsubscribe = ctx.events.subscribe((event) => {
    if (closing) return;
    const work = isChatEvent(event) ? chat.relay(event) : relayDomainEvent(rooms, event);
    if (work) track(work);
  });

  // Devices whose node stopped keeping them alive (killed): every node sweeps, each change is
  // announced by the one node the registry hands it to. One sweep at a time per node. A registry
  // whose devices never expire is not swept (no timer waking an idle server for nothing).
  let sweeping = false;
  const sweeper = presence.expires
    ? setInterval(() => {
        if (closing || sweeping) return;
        sweeping = true;
        track(rooms.sweepExpired().finally(() => (sweeping = false)));
      }, presenceSweepMs)
    : undefined;
  sweeper?.unref();

  let closed: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    closing = true;
    clearInterval(sweeper);
    unsubscribe();
    ctx.notifications.channel.attach(null);
    // Not io.close(): that also closes the HTTP server, which Fastify owns. Closing the engine ends
    // every connection ("transport close", so clients reconnect to the next node) and fires each
    // socket's disconnect handler, which empties presence.
    io.engine.close();
    while (pending.size > 0) await Promise.all([...pending]);
    // The Redis adapter's readers stop with it.
    await io.of("/").adapter.close();
    metrics.remove();
  };
  return { close: () => (closed ??= close()) };
}
