import { type SessionStore, sessionCredential } from "@codepark/sdk";
import { adoptStored, endSession, getSession, readStored, sessionFrom, setSession } from "./session.ts";

export const SESSION_ENDED = "Your session has ended. Sign in again to continue where you were.";

/** The SDK's session over this tab's localStorage session (shared with the other tabs). */
const store: SessionStore = {
  get: getSession,
  // Another tab may have rotated the tokens (its storage event may not have arrived yet): adopt them.
  latest: () => {
    const stored = readStored();
    if (stored && stored.accessToken !== getSession()?.accessToken) adoptStored(stored);
    return stored;
  },
  set: (result) => setSession(sessionFrom(result)),
  end: () => endSession(SESSION_ENDED),
};

/** Refreshes in other tabs wait for this one: refresh tokens are single-use. */
function withLock<T>(task: () => Promise<T>): Promise<T> {
  if (typeof navigator !== "undefined" && navigator.locks) {
    return navigator.locks.request("codepark-token-refresh", task) as Promise<T>;
  }
  return task();
}

/** The signed-in session as the SDK sees it: tokens here, refresh rotation in the SDK. */
export const credential = sessionCredential({ baseUrl: "", store, lock: withLock });

/** A new access token after `failedToken` was refused, or null when the session is over. */
export const refreshAccessToken = (failedToken: string): Promise<string | null> =>
  credential.refresh(failedToken);

/** The access token to send now: refreshed first when it expires within a minute. */
export const currentAccessToken = (): Promise<string | null> => credential.accessToken();
