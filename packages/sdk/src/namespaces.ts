import {
  type ApiRoutes,
  pathParamNames,
  type RouteContract,
  type RouteInput,
  type RouteOutput,
} from "@codepark/protocol/api";
import type { CallOptions, Http, PagedRoute, PageItem, RouteEntry } from "./http.ts";

type Empty = Record<never, never>;
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;
type Simplify<T> = { [K in keyof T]: T[K] } & Empty;

/** A route's input as one object: path params, query and body merged (`{ id, name }`). */
export type FlatInput<R extends RouteContract> = Simplify<
  UnionToIntersection<
    {
      [K in keyof RouteInput<R>]-?: Exclude<RouteInput<R>[K], undefined> extends infer V
        ? [V] extends [never]
          ? Empty
          : V extends object
            ? undefined extends RouteInput<R>[K]
              ? Partial<V>
              : V
            : Empty
        : never;
    }[keyof RouteInput<R>]
  >
>;

type FlatArgs<I> = Empty extends I ? [input?: I, options?: CallOptions] : [input: I, options?: CallOptions];

/** The paging parameters a pager fills in itself. */
type PagerInput<R extends RouteContract> = Omit<FlatInput<R>, "limit" | "cursor">;

/** `list` → `all`, `listMessages` → `allMessages`. */
export type PagerName<N extends string> = N extends "list"
  ? "all"
  : N extends `list${infer Rest}`
    ? `all${Rest}`
    : never;

/** One method per route of a group, plus an async-iterating pager per paged list. */
export type Namespace<G extends Record<string, RouteContract>> = {
  [N in keyof G]: (...args: FlatArgs<FlatInput<G[N]>>) => Promise<RouteOutput<G[N]>>;
} & {
  [N in keyof G & string as G[N] extends PagedRoute<G[N]> ? PagerName<N> : never]: (
    ...args: FlatArgs<PagerInput<G[N]>>
  ) => AsyncIterable<PageItem<G[N]>>;
};

export type Namespaces<T extends Record<string, Record<string, RouteContract>>> = {
  [G in keyof T]: Namespace<T[G]>;
};

/**
 * Whether a route answers with a page (`{ items, nextCursor }`): the web bundle's table says so; a
 * contract's success schema shows it (read by shape, so zod is not needed at run time).
 */
export function isPaged(route: RouteEntry): boolean {
  if (route.paged !== undefined) return route.paged;
  const responses = (route as { responses?: Record<string, unknown> }).responses ?? {};
  const ok = responses[Object.keys(responses).sort()[0] ?? ""] as
    | { shape?: Record<string, unknown> }
    | undefined;
  return Boolean(ok?.shape && "items" in ok.shape && "nextCursor" in ok.shape);
}

/** The pager a route gets at run time: GET lists named `list…` answering with a page. */
export function pagerName(name: string, route: RouteEntry): string | null {
  if (route.method !== "GET" || !name.startsWith("list") || !isPaged(route)) return null;
  return name === "list" ? "all" : `all${name.slice(4)}`;
}

/** Splits a flat input back into the contract's parts: the path's params, then body or query. */
export function splitInput(route: RouteEntry, input: Record<string, unknown> = {}) {
  const names = new Set(pathParamNames(route.path));
  const params: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) (names.has(key) ? params : rest)[key] = value;
  // No route takes both a query and a body (a test checks it), so the rest is one or the other.
  return route.body ? { params, body: rest } : { params, query: rest };
}

/**
 * `client.projects.get({ id })` for every route in the table, derived from it: a new contract in
 * packages/protocol appears here with no code written.
 */
export function createNamespaces(routes: ApiRoutes, http: Http): Namespaces<ApiRoutes> {
  const groups: Record<string, Record<string, unknown>> = {};
  for (const [group, members] of Object.entries(routes)) {
    const namespace: Record<string, unknown> = {};
    for (const [name, route] of Object.entries(members as Record<string, RouteContract>)) {
      namespace[name] = (input?: Record<string, unknown>, options?: CallOptions) =>
        http.call(route, splitInput(route, input) as never, options);
      const pager = pagerName(name, route);
      if (pager) {
        namespace[pager] = (input?: Record<string, unknown>, options?: CallOptions) =>
          http.pages(route as never, splitInput(route, input) as never, options);
      }
    }
    groups[group] = namespace;
  }
  return groups as Namespaces<ApiRoutes>;
}
