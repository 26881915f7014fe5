/**
 * Where a client's bearer credential comes from. The HTTP layer asks for a token before each call
 * and for a fresh one when the server says it expired; it never stores tokens itself.
 */
export interface Credential {
  /** The token to send now (refreshed first when about to expire), null when signed out. */
  accessToken(): Promise<string | null>;
  /** A new token after `stale` was refused as expired, null when the session is over. */
  refresh(stale: string): Promise<string | null>;
  /** Whether there is a session to end (for the error thrown when there is none). */
  hasSession(): boolean;
  /** The server says the session is gone (revoked, refresh refused): forget it. */
  endSession(): void;
  /** Starts a new session after the old one ended (sign in again with credentials); null when it cannot. */
  renew?(): Promise<string | null>;
}

/** A fixed token: an API key (`cpk_…`) or an access token someone else refreshes. */
export function fixedCredential(token: string): Credential {
  let current: string | null = token;
  return {
    accessToken: async () => current,
    refresh: async () => null,
    hasSession: () => current !== null,
    endSession: () => {
      current = null;
    },
  };
}
