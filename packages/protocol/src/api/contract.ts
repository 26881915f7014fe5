import type { z } from "zod";
import type { ApiKeyScope } from "../auth.ts";

/** Where the API lives; every contract's `path` is relative to it. */
export const API_BASE_PATH = "/api/v1";

export const httpMethods = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type HttpMethod = (typeof httpMethods)[number];

/**
 * Who may call a route:
 * - `public`: anyone, no credential;
 * - `user`: a bearer credential, an access token (a signed-in session) or an API key;
 * - `session`: a signed-in session only; API keys are refused with `session_required`.
 */
export type RouteAuth = "public" | "user" | "session";

/**
 * A redirect (302/303): no body, the destination in `Location`. For routes a browser navigates to
 * (sign-in with an identity provider), not for API clients. Its handler returns `{ location }`.
 */
export interface RedirectResponse {
  readonly redirect: true;
  /** Where it sends the browser, for the docs. */
  readonly description: string;
}

export function redirectResponse(description: string): RedirectResponse {
  return { redirect: true, description };
}

export function isRedirectResponse(response: unknown): response is RedirectResponse {
  return (
    typeof response === "object" && response !== null && (response as RedirectResponse).redirect === true
  );
}

/** What a redirect route's handler answers with: where the browser goes next. */
export interface RedirectTarget {
  location: string;
}

/** A success status and what it carries: a schema, null for no body (204), or a redirect (302/303). */
export type RouteResponses = { readonly [status: number]: z.ZodType | null | RedirectResponse };

/**
 * One HTTP route as data. The server registers it (validation, OpenAPI), clients call it (typed input
 * and output), docs and the SDK read it. `scope` is the API-key scope the route needs: the server's
 * domain policy is what enforces it; the contract states it.
 */
export interface RouteContract {
  readonly method: HttpMethod;
  /** Fastify style, relative to API_BASE_PATH: `/projects/:id/files/:fileId`. */
  readonly path: string;
  readonly tags: readonly string[];
  readonly summary: string;
  readonly description?: string;
  readonly auth: RouteAuth;
  readonly scope?: ApiKeyScope;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  readonly responses: RouteResponses;
  /** Left out of the OpenAPI document. */
  readonly hidden?: boolean;
}

/** Routes of one area, by name: `apiRoutes.projects.get`. */
export type RouteGroup = { readonly [name: string]: RouteContract };

/** Declares a route; only checks its shape and keeps its literal types. */
export function defineRoute<const R extends RouteContract>(route: R): R {
  return route;
}

/**
 * Statuses a route answers with on success (or, for a redirect route, with its redirect); the first
 * (lowest) is the one it uses unless it says otherwise.
 */
export function successStatuses(route: RouteContract): number[] {
  return Object.keys(route.responses)
    .map(Number)
    .sort((a, b) => a - b);
}

/** The names of a path's `:params`, in order. */
export function pathParamNames(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1]!);
}

type SchemaOf<R, K extends "params" | "query" | "body"> = R extends {
  readonly [P in K]: infer S extends z.ZodType;
}
  ? S
  : undefined;

/** The empty object type: `Empty extends T` holds when every key of T is optional. */
type Empty = Record<never, never>;

/** `{ [key]: input }`, optional when the input may be left out; absent when the route has no such part. */
type InputPart<K extends string, S> = S extends z.ZodType
  ? Empty extends z.input<S>
    ? { [P in K]?: z.input<S> }
    : undefined extends z.input<S>
      ? { [P in K]?: z.input<S> }
      : { [P in K]: z.input<S> }
  : { [P in K]?: never };

type Simplify<T> = { [K in keyof T]: T[K] } & Empty;

/** What a caller gives a route: `{ params, query, body }`, each typed by the contract's schema input. */
export type RouteInput<R extends RouteContract> = Simplify<
  InputPart<"params", SchemaOf<R, "params">> &
    InputPart<"query", SchemaOf<R, "query">> &
    InputPart<"body", SchemaOf<R, "body">>
>;

type OutputOf<S> = S extends z.ZodType
  ? z.output<S>
  : S extends RedirectResponse
    ? RedirectTarget
    : undefined;

/** What a route answers with on success (undefined for a 204). */
export type RouteOutput<R extends RouteContract> = OutputOf<R["responses"][keyof R["responses"]]>;

/** The success statuses of a route, as a type. */
export type RouteStatus<R extends RouteContract> = Extract<keyof R["responses"], number>;

/** An HTTP request for one route call, ready for fetch: `fetch(base + url, { method, body })`. */
export interface RouteRequest {
  method: HttpMethod;
  /** The path relative to API_BASE_PATH, its params substituted and percent-encoded. */
  path: string;
  /** `""` or `?a=1&b=2`. */
  search: string;
  /** API_BASE_PATH + path + search. */
  url: string;
  /** The JSON body to send, undefined when the route takes none. */
  body: unknown;
}

type QueryValue = string | number | boolean | bigint | Date | null | undefined;

function queryString(value: QueryValue, key: string): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object" || typeof value === "function" || typeof value === "symbol") {
    throw new TypeError(`Query parameter '${key}' must be a string, number, boolean or date`);
  }
  return String(value);
}

/**
 * Turns a contract and a typed input into the request to send: params substituted into the path
 * (percent-encoded), the query as a string (undefined and null left out, arrays repeated), the body.
 * Pure: no validation (the server validates), no I/O.
 */
export function routeRequest<R extends RouteContract>(
  route: R,
  ...[input]: Empty extends RouteInput<R> ? [input?: RouteInput<R>] : [input: RouteInput<R>]
): RouteRequest {
  const given = (input ?? {}) as { params?: Record<string, unknown>; query?: unknown; body?: unknown };
  const path = route.path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    const value = given.params?.[name];
    if (value === undefined || value === null || value === "") {
      throw new TypeError(`${route.method} ${route.path}: missing path parameter '${name}'`);
    }
    return encodeURIComponent(queryString(value as QueryValue, name));
  });
  const search = new URLSearchParams();
  if (given.query !== undefined && given.query !== null) {
    if (typeof given.query !== "object")
      throw new TypeError(`${route.method} ${route.path}: query must be an object`);
    for (const [key, value] of Object.entries(given.query)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item !== undefined && item !== null) search.append(key, queryString(item as QueryValue, key));
      }
    }
  }
  const query = search.toString();
  const suffix = query ? `?${query}` : "";
  return {
    method: route.method,
    path,
    search: suffix,
    url: `${API_BASE_PATH}${path}${suffix}`,
    body: route.body ? given.body : undefined,
  };
}
