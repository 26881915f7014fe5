import { apiRoutes, routeRequest } from "@codepark/protocol/api";
import { ApiError, networkError, problemOf } from "./errors.ts";
import {
  adoptStored,
  endSession,
  getSession,
  readStored,
  secondsLeft,
  sessionFrom,
  setSession,
} from "./session.ts";
import type { AuthResult } from "./types.ts";

export const SESSION_ENDED = "Your session has ended. Sign in again to continue where you were.";

let inflight: Promise<string | null> | null = null;

/**
 * Exchanges the refresh token for a new pair. Refresh tokens are single-use (a reuse signs the whole
 * session out), so refreshes are serialised: one at a time in this tab (a shared promise) and across
 * tabs (a Web Lock), and a refresh whose token another caller already rotated adopts the result
 * instead of sending the old token again. `failedToken` is the access token that was found stale.
 * Resolves to the new access token, or null when the session is over.
 */
export function refreshAccessToken(failedToken: string): Promise<string | null> {
  const now = getSession();
  if (!now) return Promise.resolve(null);
  if (now.accessToken !== failedToken) return Promise.resolve(now.accessToken);
  inflight ??= withLock(() => rotate(failedToken)).finally(() => {
    inflight = null;
  });
  return inflight;
}

async function rotate(failedToken: string): Promise<string | null> {
  // Another tab may have rotated while we waited for the lock: use its tokens.
  const stored = readStored();
  if (!stored) {
    if (getSession()) endSession(SESSION_ENDED);
    return null;
  }
  if (stored.accessToken !== failedToken) {
    adoptStored(stored);
    return stored.accessToken;
  }
  // A raw fetch, not the client's call(): a refresh must not itself refresh and retry.
  const refresh = routeRequest(apiRoutes.auth.refresh, { body: { refreshToken: stored.refreshToken } });
  let response: Response;
  try {
    response = await fetch(refresh.url, {
      method: refresh.method,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(refresh.body),
    });
  } catch {
    throw networkError();
  }
  if (response.ok) {
    const result: AuthResult = await response.json();
    setSession(sessionFrom(result));
    return result.accessToken;
  }
  const error = await problemOf(response);
  if (error.status === 401 || error.status === 400) {
    endSession(SESSION_ENDED);
    return null;
  }
  throw error;
}

function withLock<T>(task: () => Promise<T>): Promise<T> {
  if (typeof navigator !== "undefined" && navigator.locks) {
    return navigator.locks.request("codepark-token-refresh", task) as Promise<T>;
  }
  return task();
}

/** The access token to send now: refreshed first when it expires within a minute. */
export async function currentAccessToken(): Promise<string | null> {
  const session = getSession();
  if (!session) return null;
  if (secondsLeft(session) > 60) return session.accessToken;
  try {
    return await refreshAccessToken(session.accessToken);
  } catch (error) {
    // Offline: send the token we have; the request will fail and say so.
    if (error instanceof ApiError && error.code === "network") return session.accessToken;
    throw error;
  }
}
