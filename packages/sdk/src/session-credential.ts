import { type AuthResult, apiRoutes, routeRequest } from "@codepark/protocol/api";
import type { Credential } from "./credential.ts";
import { networkError, ProblemError, problemOf } from "./problem-error.ts";
import { secondsLeft } from "./token-lifetime.ts";

/** A signed-in session's tokens, and when the access token arrived (its age is measured locally). */
export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
  receivedAt: number;
}

/** Where a session's tokens live: memory by default; the web app keeps them in localStorage. */
export interface SessionStore {
  get(): SessionTokens | null;
  /** The tokens as shared storage holds them right now (another tab may have rotated them). */
  latest?(): SessionTokens | null;
  /** A sign-in or a refresh answered: keep the new pair. */
  set(result: AuthResult): void;
  /** The session is over (revoked, refresh refused). */
  end(): void;
}

export function memorySessionStore(initial: SessionTokens | null = null): SessionStore {
  let tokens = initial;
  return {
    get: () => tokens,
    set: (result) => {
      tokens = { accessToken: result.accessToken, refreshToken: result.refreshToken, receivedAt: Date.now() };
    },
    end: () => {
      tokens = null;
    },
  };
}

export interface SessionCredentialOptions {
  /** Origin of the API; "" for same-origin (a browser page served by CodePark). */
  baseUrl: string;
  /** Defaults to globalThis.fetch. */
  fetch?: typeof globalThis.fetch;
  store: SessionStore;
  /** Signs in when there is no session (or it ended): `credentials` in createClient. */
  signIn?: () => Promise<AuthResult>;
  /** Serialises refreshes across processes or tabs (the web app passes a Web Lock). */
  lock?: <T>(task: () => Promise<T>) => Promise<T>;
  /** Refresh this many seconds before the access token expires. */
  refreshAheadSeconds?: number;
}

export interface SessionCredential extends Credential {
  readonly store: SessionStore;
}

/**
 * A signed-in session with a rotating refresh token. Refresh tokens are single-use (a reuse signs the
 * whole session out), so refreshes are serialised: one at a time here (a shared promise) and, with
 * `lock`, across tabs; a refresh whose token someone else already rotated adopts their result
 * instead of sending the old token again.
 */
export function sessionCredential(options: SessionCredentialOptions): SessionCredential {
  const { store, lock = (task) => task() } = options;
  const fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const ahead = options.refreshAheadSeconds ?? 60;
  let refreshing: Promise<string | null> | null = null;
  let signingIn: Promise<string> | null = null;

  const signIn = (): Promise<string> => {
    if (!options.signIn) throw new Error("no sign-in configured");
    signingIn ??= options
      .signIn()
      .then((result) => {
        store.set(result);
        return result.accessToken;
      })
      .finally(() => {
        signingIn = null;
      });
    return signingIn;
  };

  const rotate = async (stale: string): Promise<string | null> => {
    const stored = store.latest ? store.latest() : store.get();
    if (!stored) return options.signIn ? signIn() : null;
    if (stored.accessToken !== stale) return stored.accessToken;
    // A raw fetch, not the client's call(): a refresh must not itself refresh and retry.
    const request = routeRequest(apiRoutes.auth.refresh, { body: { refreshToken: stored.refreshToken } });
    let response: Response;
    try {
      response = await fetch(`${options.baseUrl}${request.url}`, {
        method: request.method,
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(request.body),
      });
    } catch (error) {
      throw networkError(error);
    }
    if (response.ok) {
      const result = (await response.json()) as AuthResult;
      store.set(result);
      return result.accessToken;
    }
    const failure = await problemOf(response);
    if (failure.status === 401 || failure.status === 400) {
      store.end();
      // With credentials the client signs in again rather than stop.
      return options.signIn ? signIn() : null;
    }
    throw failure;
  };

  const refresh = (stale: string): Promise<string | null> => {
    const now = store.get();
    if (!now) return options.signIn ? signIn() : Promise.resolve(null);
    if (now.accessToken !== stale) return Promise.resolve(now.accessToken);
    refreshing ??= lock(() => rotate(stale)).finally(() => {
      refreshing = null;
    });
    return refreshing;
  };

  return {
    store,
    refresh,
    hasSession: () => store.get() !== null,
    endSession: () => store.end(),
    renew: async () => (options.signIn ? signIn() : null),
    async accessToken() {
      const session = store.get();
      if (!session) return options.signIn ? signIn() : null;
      if (secondsLeft(session.accessToken, session.receivedAt) > ahead) return session.accessToken;
      try {
        return await refresh(session.accessToken);
      } catch (error) {
        // Offline: send the token we have; the request will fail and say so.
        if (error instanceof ProblemError && error.code === "network") return session.accessToken;
        throw error;
      }
    },
  };
}
