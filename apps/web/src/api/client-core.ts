import { type RouteContract, type RouteInput, type RouteOutput, routeRequest } from "@codepark/protocol/api";
import { ApiError, networkError, problemOf } from "./errors.ts";

/** 401 codes that mean the credential itself is stale or gone (as opposed to e.g. a wrong 2FA code). */
const SESSION_CODES = new Set(["token_expired", "unauthorized", "session_revoked"]);

/** How many items getAll asks for per page (the API's maximum). */
export const PAGE_LIMIT = 100;

export interface CallOptions {
  signal?: AbortSignal;
}

type Empty = Record<never, never>;

/** A route's input, left out when every part of it is optional; then the call's options. */
export type CallArgs<R extends RouteContract> =
  Empty extends RouteInput<R>
    ? [input?: RouteInput<R>, options?: CallOptions]
    : [input: RouteInput<R>, options?: CallOptions];

/** R when it is a GET route answering with one page of a cursor-paginated list (never otherwise). */
export type PagedRoute<R extends RouteContract> = R["method"] extends "GET"
  ? RouteOutput<R> extends { items: unknown[]; nextCursor: string | null }
    ? R
    : never
  : never;

/** The item type of a paged route's list. */
export type PageItem<R extends RouteContract> = RouteOutput<R> extends { items: (infer T)[] } ? T : never;

/** A paged route's input without the paging (getAll pages through it). */
type ListInput<R extends RouteContract> = Omit<RouteInput<R>, "query"> & {
  query?: Omit<NonNullable<RouteInput<R> extends { query?: infer Q } ? Q : never>, "limit" | "cursor">;
};
type ListArgs<R extends RouteContract> =
  Empty extends ListInput<R>
    ? [input?: ListInput<R>, options?: CallOptions]
    : [input: ListInput<R>, options?: CallOptions];

/** What the client needs from the session (injected, so the logic is testable without a browser). */
export interface ClientDeps {
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  /** The access token to send now (refreshed first when about to expire), null when signed out. */
  accessToken(): Promise<string | null>;
  /** A new access token after `stale` was refused, null when the session is over. */
  refresh(stale: string): Promise<string | null>;
  hasSession(): boolean;
  /** The session ended without the person signing out: back to sign-in, saying so. */
  endSession(): void;
  /** The words endSession shows, for the error thrown when there is no session. */
  sessionEndedDetail: string;
}

export interface ApiClient {
  /** Calls one route of the API, typed by its contract. */
  call<R extends RouteContract>(route: R, ...args: CallArgs<R>): Promise<RouteOutput<R>>;
  /** Every page of a cursor-paginated list (projects' files, members: small lists). */
  getAll<R extends RouteContract>(route: R & PagedRoute<R>, ...args: ListArgs<R>): Promise<PageItem<R>[]>;
}

/** The fetch arguments for one call: the contract's method and URL, the bearer token, the JSON body. */
export function fetchArgs(
  route: RouteContract,
  input: unknown,
  token: string | null,
  signal?: AbortSignal,
): { url: string; init: RequestInit } {
  const request = routeRequest(route, input as never);
  const headers: Record<string, string> = { accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  if (request.body !== undefined) headers["content-type"] = "application/json";
  return {
    url: request.url,
    init: {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal,
    },
  };
}

/**
 * The REST client. Sends the access token (not to the `public` routes: register, login, refresh),
 * retries once after a refresh when the server says the token expired, and turns every failure into
 * an ApiError whose `detail` is the server's explanation.
 */
export function createApiClient(deps: ClientDeps): ApiClient {
  const sessionEnded = (): ApiError => {
    if (deps.hasSession()) deps.endSession();
    return new ApiError({
      status: 401,
      title: "Signed out",
      detail: deps.sessionEndedDetail,
      code: "unauthorized",
    });
  };

  const send = async (route: RouteContract, input: unknown, token: string | null, options: CallOptions) => {
    const { url, init } = fetchArgs(route, input, token, options.signal);
    try {
      return await deps.fetch(url, init);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw networkError();
    }
  };

  async function call<R extends RouteContract>(route: R, ...args: CallArgs<R>): Promise<RouteOutput<R>> {
    const [input, options = {}] = args as [unknown, CallOptions | undefined];
    const auth = route.auth !== "public";
    let token = auth ? await deps.accessToken() : null;
    if (auth && !token) throw sessionEnded();
    let response = await send(route, input, token, options);
    if (auth && token && response.status === 401) {
      const failure = await problemOf(response.clone());
      // Other 401s (a wrong 2FA code, …) are ordinary errors for the page to show.
      if (!SESSION_CODES.has(failure.code)) throw failure;
      if (failure.code === "session_revoked") {
        deps.endSession();
        throw failure;
      }
      token = await deps.refresh(token);
      if (!token) throw sessionEnded();
      response = await send(route, input, token, options);
      if (response.status === 401) {
        const again = await problemOf(response);
        if (SESSION_CODES.has(again.code)) deps.endSession();
        throw again;
      }
    }
    if (!response.ok) throw await problemOf(response);
    if (response.status === 204) return undefined as RouteOutput<R>;
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as RouteOutput<R>;
  }

  async function getAll<R extends RouteContract>(
    route: R & PagedRoute<R>,
    ...args: ListArgs<R>
  ): Promise<PageItem<R>[]> {
    const [input, options] = args as [{ query?: object } | undefined, CallOptions | undefined];
    const items: PageItem<R>[] = [];
    let cursor: string | null = null;
    do {
      const query: object = { ...input?.query, limit: PAGE_LIMIT, ...(cursor ? { cursor } : {}) };
      const page = (await call<R>(route, ...([{ ...input, query }, options] as unknown as CallArgs<R>))) as {
        items: PageItem<R>[];
        nextCursor: string | null;
      };
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }

  return { call, getAll };
}
