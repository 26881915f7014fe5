import { randomBytes } from "node:crypto";
import type { ErrorCode } from "@codepark/protocol";
import type { FastifyBaseLogger } from "fastify";
import type { ExtendedError } from "socket.io";
import type { Actor } from "../../domain/actor.ts";
import { authenticate } from "../../domain/auth/authenticate.ts";
import { AppError } from "../../domain/errors.ts";
import { fullBucket, SOCKET_EVENT_RATE } from "../../domain/limits/token-bucket.ts";
import { getUser } from "../../domain/users/admin.ts";
import type { Services } from "../../services.ts";
import type { RealtimeSocket } from "./types.ts";

/** Longest credential worth trying (JWTs and API keys are far shorter). */
const MAX_TOKEN_LENGTH = 4096;

/**
 * A refused handshake: the client's `connect_error` has message `unauthorized` (`internal` or
 * `service_unavailable` when the fault is ours, `connection_limit` when the person has their plan's
 * number of connections open) and `data.code` with the precise stable code (`token_expired`,
 * `session_revoked`, …), and `data.detail` in words where there is more to say.
 */
function refusal(code: ErrorCode, message = "unauthorized", detail?: string): ExtendedError {
  const error: ExtendedError = new Error(message);
  error.data = detail ? { code, detail } : { code };
  return error;
}

/** Whether the authenticated connection may open: refused, the words why. */
export type Admit = (
  socket: RealtimeSocket,
  actor: Actor,
) => Promise<{ ok: true } | { ok: false; detail: string }>;

export function handshakeToken(socket: RealtimeSocket): string | undefined {
  const token: unknown = (socket.handshake.auth as Record<string, unknown> | undefined)?.token;
  return typeof token === "string" && token.length > 0 && token.length <= MAX_TOKEN_LENGTH
    ? token
    : undefined;
}

/** Resolves the handshake credential to an actor and the user's display name. Throws AppError. */
export async function resolveCredential(
  ctx: Services,
  token: string,
): Promise<{ actor: Actor; name: string }> {
  const actor = await authenticate(ctx, token);
  const user = await getUser(ctx, actor.userId);
  return { actor, name: user.name };
}

/** io.use middleware: `auth: { token }` (access token or API key), or `connect_error` "unauthorized". */
export function authenticateHandshake(
  ctx: Services,
  log: FastifyBaseLogger,
  isClosing: () => boolean,
  track: (work: Promise<unknown>) => void,
  admit: Admit,
) {
  return (socket: RealtimeSocket, next: (error?: ExtendedError) => void): void => {
    if (isClosing()) {
      next(refusal("service_unavailable", "service_unavailable"));
      return;
    }
    const token = handshakeToken(socket);
    if (!token) {
      next(refusal("unauthorized"));
      return;
    }
    const work = (async () => {
      let admitted: Awaited<ReturnType<Admit>>;
      let credential: Awaited<ReturnType<typeof resolveCredential>>;
      try {
        credential = await resolveCredential(ctx, token);
        admitted = await admit(socket, credential.actor);
      } catch (error) {
        if (error instanceof AppError) return next(refusal(error.code));
        log.error({ err: error }, "realtime handshake failed");
        return next(refusal("internal", "internal"));
      }
      if (!admitted.ok) return next(refusal("connection_limit", "connection_limit", admitted.detail));
      socket.data = {
        actor: credential.actor,
        name: credential.name,
        deviceId: `dev_${randomBytes(12).toString("base64url")}`,
        budget: fullBucket(SOCKET_EVENT_RATE, Date.now()),
      };
      next();
    })();
    track(work);
  };
}
