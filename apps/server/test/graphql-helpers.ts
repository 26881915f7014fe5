import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";

/** A server (or a cluster node) by its base URL. */
export interface Target {
  baseUrl: string;
}

export interface GraphqlAnswer<T = any> {
  status: number;
  body: {
    data?: T | null;
    errors?: { message: string; path?: string[]; extensions: { code: string; status: number } }[];
  };
  headers: Headers;
}

/** A GraphQL operation over plain HTTP POST, as any client sends it. */
export async function gql<T = any>(
  server: Target,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
  extra: Record<string, unknown> = {},
): Promise<GraphqlAnswer<T>> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${server.baseUrl}/graphql`, {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables, ...extra }),
  });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

/** The codes of an answer's errors, in order. */
export const codes = (answer: GraphqlAnswer) =>
  (answer.body.errors ?? []).map((error) => error.extensions.code);

/** A real graphql-ws client on /graphql, authenticated by its connection_init payload. */
export function wsClient(server: Target, token?: string): Client {
  return createClient({
    url: `${server.baseUrl.replace("http", "ws")}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
}

export interface Subscription<T> {
  received: T[];
  errors: unknown[];
  completed: boolean;
  stop(): void;
}

/** Subscribes and collects what arrives (data, errors, completion) for the test to wait on. */
export function subscribe<T = any>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): Subscription<T> {
  const state: Subscription<T> = { received: [], errors: [], completed: false, stop: () => {} };
  state.stop = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors) state.errors.push(...value.errors);
        if (value.data) state.received.push(value.data as T);
      },
      // graphql-ws hands an operation's errors as a list (a socket failure as a close event).
      error: (error) => {
        if (Array.isArray(error)) state.errors.push(...error);
        else state.errors.push(error);
      },
      complete: () => {
        state.completed = true;
      },
    },
  );
  return state;
}
