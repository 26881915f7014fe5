import {
  type AckResponse,
  type ClientToServerEventName,
  clientToServerEventNames,
  presenceUpdatePayload,
  projectJoinPayload,
  projectLeavePayload,
  type RealtimeError,
  typingPayload,
} from "@codepark/protocol";
import type { FastifyBaseLogger } from "fastify";
import type { z } from "zod";
import { AppError } from "../../domain/errors.ts";
import type { LimitName } from "../../domain/limits/connection-gate.ts";
import { SOCKET_EVENT_RATE, takeToken } from "../../domain/limits/token-bucket.ts";
import type { Services } from "../../services.ts";
import { registerChatHandlers } from "./chat-handlers.ts";
import type { RealtimeMetrics } from "./metrics.ts";
import type { ProjectRooms } from "./project-rooms.ts";
import { projectRoom, type RealtimeSocket } from "./types.ts";

export interface HandlerDeps {
  ctx: Services;
  rooms: ProjectRooms;
  metrics: RealtimeMetrics;
  log: FastifyBaseLogger;
  /** Keeps in-flight work visible to close(). */
  track(work: Promise<unknown>): void;
  /** Counts a refusal by a limit (codepark_limit_rejections_total). */
  refused(limit: LimitName): void;
}

type Reply = (response: AckResponse<object>) => void;
const known = new Set<string>(clientToServerEventNames);

function failure(code: RealtimeError["code"], message: string, errors?: RealtimeError["errors"]) {
  return { ok: false as const, error: { code, message, ...(errors ? { errors } : {}) } };
}

function notJoined(): never {
  throw new AppError("forbidden", "Join the project first");
}

/** Socket.IO hands listeners whatever the client sent: the acknowledgement, if any, comes last. */
function splitArgs(args: unknown[]): { payload: unknown; reply: Reply | undefined } {
  const last = args.at(-1);
  if (typeof last === "function") {
    const ack = last as Reply;
    const reply: Reply = (response) => {
      try {
        ack(response);
      } catch {
        // The connection went away; nothing to answer.
      }
    };
    return { payload: args.length > 1 ? args[0] : undefined, reply };
  }
  return { payload: args[0], reply: undefined };
}

/**
 * Registers the client → server events of one socket. Every payload is validated (zod) and
 * answered on its acknowledgement; nothing a client sends can throw out of a listener.
 */
export function registerClientHandlers(socket: RealtimeSocket, deps: HandlerDeps): void {
  const { ctx, rooms, metrics, log } = deps;
  /** Per connection: bursts of 60 client events, refilled at 30 a second (SOCKET_EVENT_RATE). */
  const allowed = (): boolean => {
    if (takeToken(socket.data.budget, SOCKET_EVENT_RATE, Date.now())) return true;
    deps.refused("socket_messages");
    return false;
  };

  const handle = <S extends z.ZodType>(
    event: ClientToServerEventName,
    schema: S,
    run: (payload: z.infer<S>) => Promise<AckResponse<object>>,
  ) => {
    (socket.on as (event: string, listener: (...args: unknown[]) => void) => void)(event, (...args) => {
      const { payload, reply } = splitArgs(args);
      if (!allowed()) return reply?.(failure("rate_limited", "Too many realtime events; slow down"));
      const parsed = schema.safeParse(payload);
      if (!parsed.success) {
        const errors = parsed.error.issues.map((issue) => ({
          path: issue.path.join(".") || "(payload)",
          message: issue.message,
        }));
        const summary = errors.map((e) => `${e.path}: ${e.message}`).join("; ");
        return reply?.(failure("validation_failed", summary, errors));
      }
      const work = run(parsed.data).then(
        (response) => reply?.(response),
        (error: unknown) => {
          if (error instanceof AppError) return reply?.(failure(error.code, error.message));
          log.error({ err: error, event, socketId: socket.id }, "realtime handler failed");
          reply?.(failure("internal", "Something went wrong on our side; it has been logged"));
        },
      );
      deps.track(work);
    });
  };

  socket.onAny((event: unknown, ...args: unknown[]) => {
    const name = typeof event === "string" && known.has(event) ? event : "unknown";
    metrics.events.inc({ direction: "in", event: name });
    if (name !== "unknown") return;
    const { reply } = splitArgs(args);
    if (allowed()) reply?.(failure("bad_request", "Unknown event"));
  });

  registerChatHandlers(socket, handle, { ctx, rooms });

  handle("project:join", projectJoinPayload, async ({ projectId }) => {
    const presence = await rooms.join(socket, projectId);
    return { ok: true, deviceId: socket.data.deviceId, presence };
  });

  handle("project:leave", projectLeavePayload, async ({ projectId }) => {
    if (socket.rooms.has(projectRoom(projectId))) await rooms.leave(socket, projectId);
    return { ok: true };
  });

  handle("presence:update", presenceUpdatePayload, async ({ projectId, status, fileId }) => {
    if (!rooms.isIn(socket, projectId)) notJoined();
    const update = await rooms.presence.update(
      projectId,
      socket.data.deviceId,
      { status, fileId },
      ctx.clock.now(),
    );
    if (!update) notJoined();
    if (update.changed) rooms.publishPresence(update.state);
    return { ok: true, presence: update.state };
  });

  handle("typing", typingPayload, async ({ projectId, fileId }) => {
    if (!rooms.isIn(socket, projectId)) notJoined();
    rooms.emit(
      projectId,
      "typing",
      { projectId, fileId: fileId ?? null, userId: socket.data.actor.userId, name: socket.data.name },
      { except: socket },
    );
    return { ok: true };
  });
}
