import { type ApiRoutes, type AuthResult, apiRoutes, routeRequest } from "@codepark/protocol/api";
import { type CollabOptions, type CollabSession, openCollab } from "./collab.ts";
import { type Credential, fixedCredential } from "./credential.ts";
import { graphqlRequest, type SubscribeOptions, subscribeGraphql, type Variables } from "./graphql.ts";
import { createHttp, type Http } from "./http.ts";
import { createNamespaces, type Namespaces } from "./namespaces.ts";
import { networkError, problemOf } from "./problem-error.ts";
import { openRealtime, type RealtimeOptions, type RealtimeSocket } from "./realtime.ts";
import { memorySessionStore, type SessionStore, sessionCredential } from "./session-credential.ts";

/** An account's sign-in: `totp` is the current 2FA code, or a function giving one when asked. */
export interface Credentials {
  email: string;
  password: string;
  totp?: string | (() => string | Promise<string>);
}

interface CommonOptions {
  /** Where CodePark runs: `https://codepark.example`. "" in a browser page served by CodePark. */
  baseUrl: string;
  /** Defaults to globalThis.fetch. */
  fetch?: typeof globalThis.fetch;
  /** WebSocket implementation for collab and subscriptions; Node 20 has none: pass `ws`'s. */
  WebSocket?: unknown;
  /** What the error says when a call needs a session and there is none. */
  signedOutDetail?: string;
}

/** How the client authenticates: exactly one of these. */
export type ClientAuth =
  /** An access token; with its refresh token the client keeps the session alive itself. */
  | {
      token: string;
      refreshToken?: string;
      apiKey?: never;
      credentials?: never;
      session?: never;
      credential?: never;
    }
  /** An API key (`cpk_…`), scoped and long-lived. */
  | { apiKey: string; token?: never; credentials?: never; session?: never; credential?: never }
  /** Signs in on first use, and again when the session ends. */
  | { credentials: Credentials; token?: never; apiKey?: never; session?: never; credential?: never }
  /** Tokens kept somewhere of your own (the web app: localStorage, Web Locks across tabs). */
  | {
      session: SessionStore;
      lock?: <T>(task: () => Promise<T>) => Promise<T>;
      token?: never;
      apiKey?: never;
      credentials?: never;
      credential?: never;
    }
  /** A credential of your own making (see sessionCredential). */
  | { credential: Credential; token?: never; apiKey?: never; credentials?: never; session?: never }
  /** Public routes only (register, sign in, event types). */
  | { token?: never; apiKey?: never; credentials?: never; session?: never; credential?: never };

export type ClientOptions = CommonOptions & ClientAuth;

export type CodeParkClient = Namespaces<ApiRoutes> & {
  /** Calls a route contract directly: `client.call(apiRoutes.projects.get, { params: { id } })`. */
  call: Http["call"];
  /** Every item of a paged route's list, page by page. */
  paginate: Http["pages"];
  /** Every item of a paged route's list in one array. */
  getAll: Http["getAll"];
  /** The credential in use: the access token to send now, refreshing when needed. */
  accessToken(): Promise<string | null>;
  /** A Socket.IO connection typed by the protocol's event maps, authenticated as you. */
  realtime(options?: RealtimeOptions): Promise<RealtimeSocket>;
  collab: {
    /** A file's live Yjs document over y-websocket: `{ doc, text, provider, awareness }`. */
    open(fileId: string, options?: CollabOptions): Promise<CollabSession>;
  };
  /** One GraphQL operation over HTTP; errors reject with a ProblemError (code from extensions.code). */
  graphql<T = Record<string, unknown>>(
    query: string,
    variables?: Variables,
    signal?: AbortSignal,
  ): Promise<T>;
  /** A GraphQL subscription over graphql-ws: `for await (const data of client.subscribe(…))`. */
  subscribe<T = Record<string, unknown>>(
    query: string,
    variables?: Variables,
    options?: SubscribeOptions,
  ): AsyncIterable<T>;
};

/** Signs in with email and password (and 2FA code), as the `credentials` option does. */
async function signInWith(baseUrl: string, fetch: typeof globalThis.fetch, credentials: Credentials) {
  const totp = typeof credentials.totp === "function" ? await credentials.totp() : credentials.totp;
  const request = routeRequest(apiRoutes.auth.login, {
    body: { email: credentials.email, password: credentials.password, ...(totp ? { otp: totp } : {}) },
  });
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${request.url}`, {
      method: request.method,
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(request.body),
    });
  } catch (error) {
    throw networkError(error);
  }
  if (!response.ok) throw await problemOf(response);
  return (await response.json()) as AuthResult;
}

function credentialFor(options: ClientOptions, fetch: typeof globalThis.fetch): Credential {
  const baseUrl = options.baseUrl;
  if (options.credential) return options.credential;
  if (options.apiKey) return fixedCredential(options.apiKey);
  if (options.session)
    return sessionCredential({ baseUrl, fetch, store: options.session, lock: options.lock });
  if (options.credentials) {
    const credentials = options.credentials;
    return sessionCredential({
      baseUrl,
      fetch,
      store: memorySessionStore(),
      signIn: () => signInWith(baseUrl, fetch, credentials),
    });
  }
  if (options.token && options.refreshToken) {
    const store = memorySessionStore({
      accessToken: options.token,
      refreshToken: options.refreshToken,
      receivedAt: Date.now(),
    });
    return sessionCredential({ baseUrl, fetch, store });
  }
  if (options.token) return fixedCredential(options.token);
  return {
    accessToken: async () => null,
    refresh: async () => null,
    hasSession: () => false,
    endSession() {},
  };
}

/**
 * A CodePark client: every REST route as `client.<area>.<route>(input)`, typed by the protocol's
 * contracts, plus realtime, collaboration and GraphQL, all on one credential.
 */
export function createClient(options: ClientOptions): CodeParkClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const credential = credentialFor({ ...options, baseUrl }, fetch);
  const http = createHttp({ baseUrl, fetch, credential, signedOutDetail: options.signedOutDetail });
  return {
    ...createNamespaces(apiRoutes, http),
    call: http.call,
    paginate: http.pages,
    getAll: http.getAll,
    accessToken: () => credential.accessToken(),
    realtime: (realtimeOptions) => openRealtime(baseUrl, credential, realtimeOptions),
    collab: {
      open: (fileId, collabOptions) =>
        openCollab(baseUrl, credential, fileId, { WebSocket: options.WebSocket, ...collabOptions }),
    },
    graphql: (query, variables, signal) => graphqlRequest(http, credential, query, variables, signal),
    subscribe: (query, variables, subscribeOptions) =>
      subscribeGraphql(baseUrl, credential, query, variables, {
        WebSocket: options.WebSocket,
        ...subscribeOptions,
      }),
  };
}
