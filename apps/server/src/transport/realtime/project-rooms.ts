import type { PresenceState, ProjectLeftEvent, ServerToClientEvents } from "@codepark/protocol";
import type { FastifyBaseLogger } from "fastify";
import type { Actor } from "../../domain/actor.ts";
import { AppError } from "../../domain/errors.ts";
import type { PresenceRegistry } from "../../domain/presence/registry.ts";
import { readProjectFor } from "../../domain/projects/access.ts";
import type { Services } from "../../services.ts";
import type { RealtimeMetrics } from "./metrics.ts";
import {
  heldRoom,
  joinedProjectIds,
  projectRoom,
  type RealtimeServer,
  type RealtimeSocket,
  userRoom,
} from "./types.ts";

/** How often a join re-reads access when access changes keep landing during its check. */
const JOIN_ATTEMPTS = 5;

/**
 * Project rooms on this node: who may be in them (the policy, checked on join and re-checked when
 * access changes), presence of the devices in them, and broadcasts to them.
 */
export class ProjectRooms {
  readonly #io: RealtimeServer;
  readonly #ctx: Services;
  readonly #presence: PresenceRegistry;
  readonly #metrics: RealtimeMetrics;
  readonly #log: FastifyBaseLogger;
  /** `${socketId} ${projectId}` → re-checks in flight (a socket stays held until all finish). */
  readonly #holds = new Map<string, number>();
  /** Bumped on every access-changing event: a join whose check straddles one checks again. */
  #accessEpoch = 0;

  constructor(
    io: RealtimeServer,
    ctx: Services,
    presence: PresenceRegistry,
    metrics: RealtimeMetrics,
    log: FastifyBaseLogger,
  ) {
    this.#io = io;
    this.#ctx = ctx;
    this.#presence = presence;
    this.#metrics = metrics;
    this.#log = log;
  }

  get presence(): PresenceRegistry {
    return this.#presence;
  }

  get accessEpoch(): number {
    return this.#accessEpoch;
  }

  accessChanged(): void {
    this.#accessEpoch += 1;
  }

  /** This node's sockets in a room (each node re-checks and revokes its own connections). */
  localSockets(room: string): RealtimeSocket[] {
    const ids = this.#io.of("/").adapter.rooms.get(room);
    if (!ids) return [];
    const sockets: RealtimeSocket[] = [];
    for (const id of ids) {
      const socket = this.#io.of("/").sockets.get(id);
      if (socket) sockets.push(socket);
    }
    return sockets;
  }

  /** Joined and not held for an access re-check. */
  isIn(socket: RealtimeSocket, projectId: string): boolean {
    return socket.rooms.has(projectRoom(projectId)) && !socket.rooms.has(heldRoom(projectId));
  }

  /**
   * Emits to a project room (and, given `user`, that user's own room too: each socket gets it once),
   * skipping sockets whose access is being re-checked (fail closed) and the `except` socket. Reaches
   * every node's sockets, unless `local`: committed domain events reach every node through the
   * event bus, and each node relays them to its own sockets.
   */
  emit<E extends keyof ServerToClientEvents>(
    projectId: string,
    event: E,
    payload: Parameters<ServerToClientEvents[E]>[0],
    options: { except?: RealtimeSocket; user?: string; local?: boolean } = {},
  ): void {
    const rooms = options.user ? [projectRoom(projectId), userRoom(options.user)] : projectRoom(projectId);
    const origin = options.except ?? (options.local ? this.#io.local : this.#io);
    const target = origin.to(rooms).except(heldRoom(projectId));
    (target.emit as (event: string, payload: unknown) => boolean)(event, payload);
    this.#metrics.events.inc({ direction: "out", event });
  }

  publishPresence(state: PresenceState): void {
    this.emit(state.projectId, "presence:update", state);
  }

  /** Authorizes (the policy: project:read) and joins; answers everyone present. Throws AppError. */
  async join(socket: RealtimeSocket, projectId: string): Promise<PresenceState[]> {
    for (let attempt = 1; ; attempt++) {
      const epoch = this.#accessEpoch;
      await readProjectFor(this.#ctx, socket.data.actor, projectId, "project:read");
      if (!socket.connected) throw new AppError("unauthorized", "Disconnected");
      if (epoch === this.#accessEpoch) break;
      if (attempt === JOIN_ATTEMPTS) throw new AppError("service_unavailable", "Access is changing; retry");
    }
    const room = projectRoom(projectId);
    if (!socket.rooms.has(room)) {
      socket.join(room);
      const state = await this.#presence.join(
        projectId,
        socket.data.deviceId,
        { userId: socket.data.actor.userId, name: socket.data.name },
        this.#ctx.clock.now(),
      );
      // Disconnected or evicted while presence was being written: undo, as nothing else will.
      if (!socket.connected || !socket.rooms.has(room)) {
        socket.leave(room);
        await this.#presence.leave(projectId, socket.data.deviceId, this.#ctx.clock.now());
        throw new AppError("not_found", "Project not found");
      }
      this.publishPresence(state);
    }
    return this.#presence.list(projectId);
  }

  async leave(socket: RealtimeSocket, projectId: string): Promise<void> {
    socket.leave(projectRoom(projectId));
    socket.leave(heldRoom(projectId));
    const state = await this.#presence.leave(projectId, socket.data.deviceId, this.#ctx.clock.now());
    if (state) this.publishPresence(state);
  }

  /** Takes a socket out of a project room and tells it why. */
  async evict(socket: RealtimeSocket, projectId: string, reason: ProjectLeftEvent["reason"]): Promise<void> {
    if (!socket.rooms.has(projectRoom(projectId))) return;
    socket.leave(projectRoom(projectId));
    socket.leave(heldRoom(projectId));
    socket.emit("project:left", { projectId, reason });
    this.#metrics.events.inc({ direction: "out", event: "project:left" });
    const state = await this.#presence.leave(projectId, socket.data.deviceId, this.#ctx.clock.now());
    if (state && reason !== "project_deleted") this.publishPresence(state);
  }

  /**
   * A socket whose connection state was recovered (a reconnect within the recovery window, possibly
   * to another node) is back in its project rooms: each is re-checked against the policy, and the
   * device is present again where it may stay.
   */
  async restored(socket: RealtimeSocket): Promise<void> {
    for (const projectId of joinedProjectIds(socket)) {
      await this.recheck(projectId, [socket]);
      if (!socket.connected || !socket.rooms.has(projectRoom(projectId))) continue;
      const state = await this.#presence.join(
        projectId,
        socket.data.deviceId,
        { userId: socket.data.actor.userId, name: socket.data.name },
        this.#ctx.clock.now(),
      );
      this.publishPresence(state);
    }
  }

  /** On disconnect: out of every project's presence, and the rooms are told. */
  async disconnected(socket: RealtimeSocket): Promise<void> {
    const states = await this.#presence.leaveAll(socket.data.deviceId, this.#ctx.clock.now());
    for (const state of states) this.publishPresence(state);
  }

  /** Devices that expired (their node died) leave presence, and the rooms are told, as on a leave. */
  async sweepExpired(): Promise<void> {
    const states = await this.#presence.sweep(this.#ctx.clock.now());
    for (const state of states) this.publishPresence(state);
  }

  /**
   * Re-asks the policy whether these sockets may still read the project and evicts those that may
   * not. Until the answer, the sockets are held: project broadcasts skip them (fail closed).
   */
  async recheck(projectId: string, sockets: RealtimeSocket[]): Promise<void> {
    const joined = sockets.filter((socket) => socket.rooms.has(projectRoom(projectId)));
    if (joined.length === 0) return;
    for (const socket of joined) this.#hold(socket, projectId);
    try {
      const verdicts = new Map<string, Promise<boolean>>();
      await Promise.all(
        joined.map(async (socket) => {
          const key = credentialKey(socket.data.actor);
          let verdict = verdicts.get(key);
          if (!verdict) {
            verdict = this.#mayRead(socket.data.actor, projectId);
            verdicts.set(key, verdict);
          }
          if (!(await verdict)) await this.evict(socket, projectId, "access_revoked");
        }),
      );
    } finally {
      for (const socket of joined) this.#release(socket, projectId);
    }
  }

  async #mayRead(actor: Actor, projectId: string): Promise<boolean> {
    try {
      await readProjectFor(this.#ctx, actor, projectId, "project:read");
      return true;
    } catch (error) {
      if (!(error instanceof AppError)) {
        this.#log.error({ err: error, projectId }, "realtime access re-check failed; evicting");
      }
      return false;
    }
  }

  #hold(socket: RealtimeSocket, projectId: string): void {
    const key = `${socket.id} ${projectId}`;
    this.#holds.set(key, (this.#holds.get(key) ?? 0) + 1);
    socket.join(heldRoom(projectId));
  }

  #release(socket: RealtimeSocket, projectId: string): void {
    const key = `${socket.id} ${projectId}`;
    const count = (this.#holds.get(key) ?? 1) - 1;
    if (count > 0) {
      this.#holds.set(key, count);
      return;
    }
    this.#holds.delete(key);
    socket.leave(heldRoom(projectId));
  }
}

/** Sockets sharing a credential share a verdict. */
function credentialKey(actor: Actor): string {
  return actor.kind === "session"
    ? `s ${actor.sessionId} ${actor.role}`
    : `k ${actor.apiKeyId} ${actor.role}`;
}
