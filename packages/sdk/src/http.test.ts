import { apiRoutes } from "@codepark/protocol/api";
import { describe, expect, it } from "vitest";
import type { Credential } from "./credential.ts";
import { createHttp, fetchArgs, PAGE_LIMIT } from "./http.ts";
import { ProblemError } from "./problem-error.ts";

interface Sent {
  url: string;
  method: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

/** A client over a fake fetch answering from `replies` in order; records what was sent. */
function fakeClient(
  replies: Response[],
  session: { token: string | null; fresh?: string | null } = { token: "t1" },
) {
  const sent: Sent[] = [];
  const events: string[] = [];
  const credential: Credential = {
    accessToken: async () => session.token,
    refresh: async (stale) => {
      events.push(`refresh ${stale}`);
      return session.fresh ?? null;
    },
    hasSession: () => session.token !== null,
    endSession: () => events.push("ended"),
  };
  const fetch = async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = String(input);
    const headers = init.headers as Record<string, string>;
    sent.push({
      url,
      method: init.method ?? "GET",
      authorization: headers.authorization,
      contentType: headers["content-type"],
      body: init.body === undefined ? undefined : JSON.parse(init.body as string),
    });
    const reply = replies.shift();
    if (!reply) throw new Error(`unexpected request ${init.method} ${url}`);
    return reply;
  };
  const client = createHttp({ baseUrl: "", fetch, credential, signedOutDetail: "Session over" });
  return { client, sent, events };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const problem = (status: number, code: string) =>
  json(status, { title: "No", detail: `because ${code}`, code });

describe("fetchArgs", () => {
  it("builds the URL from the contract's path, params (encoded) and query; JSON body with its content type", () => {
    const { url, init } = fetchArgs(
      apiRoutes.files.update,
      { params: { id: "p 1", fileId: "f/2" }, body: { path: "src/a.ts" } },
      "tok",
    );
    expect(url).toBe("/api/v1/projects/p%201/files/f%2F2");
    expect(init.method).toBe("PATCH");
    expect(init.headers).toEqual({
      accept: "application/json",
      authorization: "Bearer tok",
      "content-type": "application/json",
    });
    expect(init.body).toBe('{"path":"src/a.ts"}');

    const list = fetchArgs(apiRoutes.notifications.list, { query: { unread: "true", limit: 20 } }, null);
    expect(list.url).toBe("/api/v1/notifications?unread=true&limit=20");
    expect(list.init.body).toBeUndefined();
    expect(list.init.headers).toEqual({ accept: "application/json" });
  });
});

describe("call", () => {
  it("sends the access token to user routes and no credential to public ones", async () => {
    const { client, sent } = fakeClient([json(200, { id: "p1" }), json(200, { accessToken: "a" })]);
    const project = await client.call(apiRoutes.projects.get, { params: { id: "p1" } });
    expect(project).toEqual({ id: "p1" });
    await client.call(apiRoutes.auth.login, { body: { email: "a@b.c", password: "pw" } });
    expect(sent.map((request) => [request.method, request.url, request.authorization])).toEqual([
      ["GET", "/api/v1/projects/p1", "Bearer t1"],
      ["POST", "/api/v1/auth/login", undefined],
    ]);
    expect(sent[1]!.body).toEqual({ email: "a@b.c", password: "pw" });
  });

  it("answers undefined for a 204", async () => {
    const { client } = fakeClient([new Response(null, { status: 204 })]);
    await expect(client.call(apiRoutes.projects.delete, { params: { id: "p1" } })).resolves.toBeUndefined();
  });

  it("refreshes once after token_expired and retries with the new token", async () => {
    const { client, sent, events } = fakeClient([problem(401, "token_expired"), json(200, { unread: 3 })], {
      token: "old",
      fresh: "new",
    });
    await expect(client.call(apiRoutes.notifications.unreadCount)).resolves.toEqual({ unread: 3 });
    expect(events).toEqual(["refresh old"]);
    expect(sent.map((request) => request.authorization)).toEqual(["Bearer old", "Bearer new"]);
  });

  it("ends the session on session_revoked without refreshing", async () => {
    const { client, sent, events } = fakeClient([problem(401, "session_revoked")]);
    const failure = await client.call(apiRoutes.account.me).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProblemError);
    expect((failure as ProblemError).code).toBe("session_revoked");
    expect(events).toEqual(["ended"]);
    expect(sent).toHaveLength(1);
  });

  it("passes other 401s (a wrong 2FA code) to the page, keeping the session", async () => {
    const { client, events } = fakeClient([problem(401, "invalid_code")]);
    await expect(client.call(apiRoutes.auth.twoFactorDisable, { body: { code: "1" } })).rejects.toMatchObject(
      {
        status: 401,
        code: "invalid_code",
      },
    );
    expect(events).toEqual([]);
  });

  it("refuses a user route without a session, sending nothing", async () => {
    const { client, sent } = fakeClient([], { token: null });
    await expect(client.call(apiRoutes.account.me)).rejects.toMatchObject({
      status: 401,
      detail: "Session over",
    });
    expect(sent).toEqual([]);
  });

  it("turns a failed fetch into a network error", async () => {
    const { client } = fakeClient([]);
    await expect(client.call(apiRoutes.account.me)).rejects.toMatchObject({ status: 0, code: "network" });
  });
});

describe("getAll", () => {
  it("follows nextCursor with the largest page, keeping the route's params and filters", async () => {
    const { client, sent } = fakeClient([
      json(200, { items: [{ id: "a" }, { id: "b" }], nextCursor: "c1" }),
      json(200, { items: [{ id: "c" }], nextCursor: null }),
    ]);
    const files = await client.getAll(apiRoutes.files.list, { params: { id: "p1" } });
    expect(files.map((file) => file.id)).toEqual(["a", "b", "c"]);
    expect(sent.map((request) => request.url)).toEqual([
      `/api/v1/projects/p1/files?limit=${PAGE_LIMIT}`,
      `/api/v1/projects/p1/files?limit=${PAGE_LIMIT}&cursor=c1`,
    ]);

    const second = fakeClient([json(200, { items: [], nextCursor: null })]);
    await second.client.getAll(apiRoutes.notifications.list, { query: { archived: "true" } });
    expect(second.sent[0]!.url).toBe(`/api/v1/notifications?archived=true&limit=${PAGE_LIMIT}`);
  });
});

/** Compile-time checks: `npm run lint` type-checks this file, so a loosened client fails there. */
export function typeChecks(client: ReturnType<typeof createHttp>) {
  // @ts-expect-error a string path is not a route
  void client.call("/projects");
  // @ts-expect-error the params are required
  void client.call(apiRoutes.projects.get);
  // @ts-expect-error getAll takes only paged lists
  void client.getAll(apiRoutes.projects.get, { params: { id: "p" } });
  // @ts-expect-error the body is checked against the contract
  void client.call(apiRoutes.projects.create, { body: { title: "x" } });
}
