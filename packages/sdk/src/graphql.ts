import type { Credential } from "./credential.ts";
import type { Http } from "./http.ts";
import { ProblemError } from "./problem-error.ts";

export type Variables = Record<string, unknown>;

/** A GraphQL error as CodePark sends it: the problem code in `extensions.code`. */
export interface GraphQLErrorShape {
  message: string;
  path?: readonly (string | number)[];
  extensions?: { code?: string; status?: number; [key: string]: unknown };
}

/** The first error of a GraphQL answer as a ProblemError (code from `extensions.code`); all of them in `errors`. */
export function graphqlProblem(errors: readonly GraphQLErrorShape[], httpStatus = 200): ProblemError {
  const first = errors[0] ?? { message: "GraphQL request failed" };
  const extensions = first.extensions ?? {};
  const status =
    typeof extensions.status === "number" ? extensions.status : httpStatus === 200 ? 400 : httpStatus;
  return new ProblemError({
    ...extensions,
    status,
    code: extensions.code ?? "unknown",
    title: "GraphQL error",
    detail: first.message,
    graphqlErrors: errors,
  });
}

type GraphqlBody<T> = { data?: T | null; errors?: GraphQLErrorShape[] };

async function post<T>(http: Http, query: string, variables?: Variables, signal?: AbortSignal) {
  const response = await http.authorized(
    "/graphql",
    {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json",
      },
      body: JSON.stringify({ query, variables }),
    },
    signal,
  );
  const text = await response.text();
  let body: GraphqlBody<T> | undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { response, body };
}

/**
 * POSTs one operation to `/graphql` with the client's credential, refreshed like REST calls (also
 * when the server reports the expiry as a GraphQL error rather than a 401). Any error in the answer
 * rejects with a ProblemError; partial data is on `error.problem.data`.
 */
export async function graphqlRequest<T>(
  http: Http,
  credential: Credential,
  query: string,
  variables?: Variables,
  signal?: AbortSignal,
): Promise<T> {
  let { response, body } = await post<T>(http, query, variables, signal);
  if (body?.errors?.[0]?.extensions?.code === "token_expired") {
    const stale = await credential.accessToken();
    if (stale && (await credential.refresh(stale)))
      ({ response, body } = await post<T>(http, query, variables, signal));
  }
  if (body?.errors?.length) {
    const problem = graphqlProblem(body.errors, response.status);
    Object.assign(problem.problem, { data: body.data ?? null });
    throw problem;
  }
  if (!response.ok || !body || body.data === undefined || body.data === null) {
    throw new ProblemError({
      status: response.status,
      code: "unknown",
      title: "GraphQL error",
      detail: `The server answered ${response.status} without data`,
    });
  }
  return body.data;
}

export interface SubscribeOptions {
  /** A WebSocket implementation; defaults to globalThis.WebSocket (Node 20 has none: pass `ws`). */
  WebSocket?: unknown;
}

/**
 * A subscription over graphql-ws on `/graphql`: each result's `data` as it arrives. The credential
 * goes in the connection_init payload (`{ authorization: "Bearer …" }`). Ending the loop (break,
 * return) completes the subscription and closes its connection; an error result rejects the loop
 * with a ProblemError. graphql-ws loads on first use.
 */
export async function* subscribeGraphql<T>(
  baseUrl: string,
  credential: Credential,
  query: string,
  variables: Variables | undefined,
  options: SubscribeOptions = {},
): AsyncGenerator<T> {
  const { createClient } = await import("graphql-ws/client");
  const origin = baseUrl || globalThis.location.origin;
  const client = createClient({
    url: `${origin.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: options.WebSocket ?? globalThis.WebSocket,
    lazy: true,
    retryAttempts: 0,
    connectionParams: async () => {
      const token = await credential.accessToken();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
  });
  const results = client.iterate<T>({ query, variables: variables ?? {} });
  try {
    for (;;) {
      let next: IteratorResult<{ data?: T | null; errors?: readonly GraphQLErrorShape[] }>;
      try {
        next = await results.next();
      } catch (error) {
        throw closeProblem(error);
      }
      if (next.done) return;
      if (next.value.errors?.length) throw graphqlProblem(next.value.errors);
      if (next.value.data !== undefined && next.value.data !== null) yield next.value.data;
    }
  } finally {
    await results.return?.(undefined);
    await client.dispose();
  }
}

/** graphql-ws rejects with errors from the server, a CloseEvent, or an Error: all as ProblemErrors. */
function closeProblem(error: unknown): ProblemError {
  if (error instanceof ProblemError) return error;
  if (Array.isArray(error)) return graphqlProblem(error as GraphQLErrorShape[]);
  const close = error as { code?: unknown; reason?: unknown };
  if (typeof close?.code === "number") {
    const reason = typeof close.reason === "string" ? close.reason : "";
    const code = close.code === 4403 ? "forbidden" : close.code === 4401 ? "unauthorized" : "unknown";
    return new ProblemError({
      status: close.code === 4403 ? 403 : close.code === 4401 ? 401 : 0,
      code,
      title: "Subscription closed",
      detail: reason || `The subscription closed with code ${close.code}`,
      closeCode: close.code,
    });
  }
  return new ProblemError({
    status: 0,
    code: "network",
    title: "Subscription failed",
    detail: error instanceof Error ? error.message : String(error),
  });
}
