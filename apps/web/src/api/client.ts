import { ApiError, networkError, problemOf } from "./errors.ts";
import { currentAccessToken, refreshAccessToken, SESSION_ENDED } from "./refresh.ts";
import { endSession, getSession } from "./session.ts";
import type { Page } from "./types.ts";

const BASE = "/api/v1";
/** 401 codes that mean the credential itself is stale or gone (as opposed to e.g. a wrong 2FA code). */
const SESSION_CODES = new Set(["token_expired", "unauthorized", "session_revoked"]);

interface RequestOptions {
  body?: unknown;
  /** false for the sign-in endpoints, which take no bearer token. */
  auth?: boolean;
  signal?: AbortSignal;
}

/**
 * Calls the REST API. Sends the access token (refreshed first when about to expire), retries once
 * after a refresh when the server says the token expired, and turns every failure into an ApiError
 * whose `detail` is the server's explanation.
 */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const auth = options.auth ?? true;
  let token = auth ? await currentAccessToken() : null;
  if (auth && !token) throw sessionEnded();
  let response = await send(method, path, token, options);
  if (auth && token && response.status === 401) {
    const failure = await problemOf(response.clone());
    // Other 401s (a wrong 2FA code, …) are ordinary errors for the page to show.
    if (!SESSION_CODES.has(failure.code)) throw failure;
    if (failure.code === "session_revoked") {
      endSession(SESSION_ENDED);
      throw failure;
    }
    token = await refreshAccessToken(token);
    if (!token) throw sessionEnded();
    response = await send(method, path, token, options);
    if (response.status === 401) {
      const again = await problemOf(response);
      if (SESSION_CODES.has(again.code)) endSession(SESSION_ENDED);
      throw again;
    }
  }
  if (!response.ok) throw await problemOf(response);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

async function send(method: string, path: string, token: string | null, options: RequestOptions) {
  const headers: Record<string, string> = { accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  try {
    return await fetch(`${BASE}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw networkError();
  }
}

function sessionEnded(): ApiError {
  if (getSession()) endSession(SESSION_ENDED);
  return new ApiError({ status: 401, title: "Signed out", detail: SESSION_ENDED, code: "unauthorized" });
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>("GET", path, { signal }),
  post: <T>(path: string, body?: unknown) => request<T>("POST", path, { body }),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, { body }),
  put: <T>(path: string, body: unknown) => request<T>("PUT", path, { body }),
  delete: (path: string) => request<void>("DELETE", path),
};

/** Every page of a cursor-paginated list (projects' files, members: small lists). */
export async function getAll<T>(path: string, signal?: AbortSignal): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  const join = path.includes("?") ? "&" : "?";
  do {
    const query: string = `${join}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const page: Page<T> = await api.get<Page<T>>(`${path}${query}`, signal);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}
