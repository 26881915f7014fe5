import { type RouteContract, type RouteInput, type RouteOutput, routeRequest } from "@codepark/protocol/api";
import type { Credential } from "./credential.ts";
import { networkError, ProblemError, problemOf } from "./problem-error.ts";

/** 401 codes that mean the credential itself is stale or gone (as opposed to e.g. a wrong 2FA code). */
const SESSION_CODES = new Set(["token_expired", "unauthorized", "session_revoked"]);

/** How many items a pager asks for per page (the API's maximum). */
export const PAGE_LIMIT = 100;

/** What a route needs at run time: the contract, or the web bundle's schema-free table entry. */
export type RouteEntry = Pick<RouteContract, "method" | "path" | "auth"> & {
  body?: unknown;
  query?: unknown;
  /** Answers with a page `{ items, nextCursor }` (the web bundle's table; contracts show it in their schema). */
  paged?: boolean;
};

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

/** A paged route's input without the paging (the pager pages through it). */
export type ListInput<R extends RouteContract> = Omit<RouteInput<R>, "query"> & {
  query?: Omit<NonNullable<RouteInput<R> extends { query?: infer Q } ? Q : never>, "limit" | "cursor">;
};
export type ListArgs<R extends RouteContract> =
  Empty extends ListInput<R>
    ? [input?: ListInput<R>, options?: CallOptions]
    : [input: ListInput<R>, options?: CallOptions];

export interface HttpOptions {
  /** Origin the API is served from (`https://codepark.example`); "" for same-origin (a browser). */
  baseUrl: string;
  fetch: typeof globalThis.fetch;
  credential: Credential;
  /** What the error says when a call needs a session and there is none. */
  signedOutDetail?: string;
}

export interface Http {
  /** Calls one route of the API, typed by its contract. */
  call<R extends RouteContract>(route: R, ...args: CallArgs<R>): Promise<RouteOutput<R>>;
  /** Every item of a cursor-paginated list, page by page as it is read. */
  pages<R extends RouteContract>(route: R & PagedRoute<R>, ...args: ListArgs<R>): AsyncIterable<PageItem<R>>;
  /** Every item of a cursor-paginated list, in one array (small lists: a project's files, members). */
  getAll<R extends RouteContract>(route: R & PagedRoute<R>, ...args: ListArgs<R>): Promise<PageItem<R>[]>;
  /**
   * A request with the bearer credential, refreshed and retried once when it expired (GraphQL over
   * HTTP uses it). Resolves with the response whatever its status, except a stale session.
   */
  authorized(url: string, init: RequestInit, signal?: AbortSignal): Promise<Response>;
}

/** The fetch arguments for one call: the contract's method and URL, the bearer token, the JSON body. */
export function fetchArgs(
  route: RouteEntry,
  input: unknown,
  token: string | null,
  signal?: AbortSignal,
): { url: string; init: RequestInit } {
  const request = routeRequest(route as RouteContract, input as never);
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
 * The REST transport. Sends the credential (not to `public` routes: register, login, refresh),
 * retries once after a refresh when the server says the token expired, and turns every failure into
 * a ProblemError carrying the server's problem.
 */
export function createHttp(options: HttpOptions): Http {
  const { credential, baseUrl } = options;
  const signedOut = (): ProblemError => {
    if (credential.hasSession()) credential.endSession();
    return new ProblemError({
      status: 401,
      title: "Signed out",
      detail: options.signedOutDetail ?? "Not signed in",
      code: "unauthorized",
    });
  };

  const send = async (url: string, init: RequestInit) => {
    try {
      return await options.fetch(`${baseUrl}${url}`, init);
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw networkError(error);
    }
  };

  const withToken = (init: RequestInit, token: string): RequestInit => ({
    ...init,
    headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
  });

  /** Sends with the credential; refreshes once when the server says it is stale. */
  async function authorized(url: string, init: RequestInit): Promise<Response> {
    let token = await credential.accessToken();
    if (!token) throw signedOut();
    let response = await send(url, withToken(init, token));
    if (response.status !== 401) return response;
    const failure = await problemOf(response.clone());
    // Other 401s (a wrong 2FA code, …) are ordinary errors for the caller.
    if (!SESSION_CODES.has(failure.code)) return response;
    if (failure.code === "session_revoked") {
      credential.endSession();
      // A client with credentials signs in again; any other has no session left.
      token = (await credential.renew?.()) ?? null;
      if (!token) throw failure;
    } else {
      token = await credential.refresh(token);
      if (!token) throw signedOut();
    }
    response = await send(url, withToken(init, token));
    if (response.status === 401) {
      const again = await problemOf(response);
      if (SESSION_CODES.has(again.code)) credential.endSession();
      throw again;
    }
    return response;
  }

  async function call<R extends RouteContract>(route: R, ...args: CallArgs<R>): Promise<RouteOutput<R>> {
    const [input, callOptions = {}] = args as [unknown, CallOptions | undefined];
    const { url, init } = fetchArgs(route, input, null, callOptions.signal);
    const response = route.auth === "public" ? await send(url, init) : await authorized(url, init);
    if (!response.ok) throw await problemOf(response);
    if (response.status === 204) return undefined as RouteOutput<R>;
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as RouteOutput<R>;
  }

  async function* pages<R extends RouteContract>(
    route: R & PagedRoute<R>,
    ...args: ListArgs<R>
  ): AsyncGenerator<PageItem<R>> {
    const [input, callOptions] = args as [{ query?: object } | undefined, CallOptions | undefined];
    if (!route.query) {
      // A list the server answers in one page (no limit or cursor to send).
      const page = (await call<R>(route, ...(args as unknown as CallArgs<R>))) as { items: PageItem<R>[] };
      yield* page.items;
      return;
    }
    let cursor: string | null = null;
    do {
      const query: object = { ...input?.query, limit: PAGE_LIMIT, ...(cursor ? { cursor } : {}) };
      const page = (await call<R>(
        route,
        ...([{ ...input, query }, callOptions] as unknown as CallArgs<R>),
      )) as {
        items: PageItem<R>[];
        nextCursor: string | null;
      };
      yield* page.items;
      cursor = page.nextCursor;
    } while (cursor);
  }

  async function getAll<R extends RouteContract>(
    route: R & PagedRoute<R>,
    ...args: ListArgs<R>
  ): Promise<PageItem<R>[]> {
    const items: PageItem<R>[] = [];
    for await (const item of pages<R>(route, ...args)) items.push(item as PageItem<R>);
    return items;
  }

  return { call, pages, getAll, authorized: (url, init, signal) => authorized(url, { ...init, signal }) };
}
