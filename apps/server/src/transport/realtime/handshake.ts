import { randomBytes } from "node:crypto";
import type { ErrorCode } from "@codepark/protocol";
import type { FastifyBaseLogger } from "fastify";
import type { ExtendedError } from "socket.io";
import type { Actor } from "../../domain/actor.ts";
import { authenticate } from "../../domain/auth/authenticate.ts";
import { AppError } from "../../domain/errors.ts";
import { getUser } from "../../domain/users/admin.ts";
import type { Services } from "../../services.ts";
import { BURST } from "./handlers.ts";
import type { RealtimeSocket } from "./types.ts";

/** Longest credential worth trying (JWTs and API keys are far shorter). */
const MAX_TOKEN_LENGTH = 4096;

/**
 * A refused handshake: the client's `connect_error` has message `unauthorized` (`internal` or
 * `service_unavailable` when the fault is ours) and `data.code` with the precise stable code
 * (`token_expired`, `session_revoked`, …).
 */
function refusal(code: ErrorCode, message = "unauthorized"): ExtendedError {
  const error: ExtendedError = new Error(message);
  error.data = { code };
  return error;
}

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
    const work = resolveCredential(ctx, token).then(
      ({ actor, name }) => {
        socket.data = {
          actor,
          name,
          deviceId: `dev_${randomBytes(12).toString("base64url")}`,
          budget: { tokens: BURST, at: Date.now() },
        };
        next();
      },
      (error: unknown) => {
        if (error instanceof AppError) return next(refusal(error.code));
        log.error({ err: error }, "realtime handshake failed");
        next(refusal("internal", "internal"));
      },
    );
    track(work);
  };
}
