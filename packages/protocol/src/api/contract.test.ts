import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { apiKeyScopes } from "../auth.ts";
import {
  API_BASE_PATH,
  defineRoute,
  isRedirectResponse,
  pathParamNames,
  type RouteContract,
  type RouteInput,
  type RouteOutput,
  routeRequest,
  successStatuses,
} from "./contract.ts";
import { apiRoutes } from "./routes/index.ts";

const allRoutes: [string, RouteContract][] = Object.entries(apiRoutes).flatMap(([group, routes]) =>
  Object.entries(routes).map(([name, route]): [string, RouteContract] => [`${group}.${name}`, route]),
);

describe("routeRequest", () => {
  it("substitutes path params, percent-encoded", () => {
    const request = routeRequest(apiRoutes.chat.unreact, { params: { id: "msg_1", emoji: "👍 /?#" } });
    expect(request).toEqual({
      method: "DELETE",
      path: "/messages/msg_1/reactions/%F0%9F%91%8D%20%2F%3F%23",
      search: "",
      url: `${API_BASE_PATH}/messages/msg_1/reactions/%F0%9F%91%8D%20%2F%3F%23`,
      body: undefined,
    });
  });

  it("writes the query, leaving out what is undefined or null and repeating arrays", () => {
    const route = defineRoute({
      method: "GET",
      path: "/things/:id",
      tags: ["t"],
      summary: "t",
      auth: "user",
      params: z.object({ id: z.string() }),
      query: z.object({
        limit: z.number().optional(),
        flag: z.boolean().optional(),
        tag: z.array(z.string()).optional(),
        since: z.date().optional(),
        cursor: z.string().nullable().optional(),
        text: z.string().optional(),
      }),
      responses: { 200: z.object({ ok: z.boolean() }) },
    });
    const request = routeRequest(route, {
      params: { id: "a b" },
      query: {
        limit: 20,
        flag: true,
        tag: ["x", "y"],
        since: new Date("2026-01-02T03:04:05.000Z"),
        cursor: null,
        text: "a&b=c",
      },
    });
    expect(request.path).toBe("/things/a%20b");
    expect(request.search).toBe(
      "?limit=20&flag=true&tag=x&tag=y&since=2026-01-02T03%3A04%3A05.000Z&text=a%26b%3Dc",
    );
    expect(request.url).toBe(`/api/v1/things/a%20b${request.search}`);
    expect(routeRequest(route, { params: { id: "1" }, query: {} }).search).toBe("");
  });

  it("sends the body of routes that take one, and only theirs", () => {
    const body = { name: "Apollo" };
    expect(routeRequest(apiRoutes.projects.create, { body })).toEqual({
      method: "POST",
      path: "/projects",
      search: "",
      url: "/api/v1/projects",
      body,
    });
    const sneaked = { params: { id: "p1" }, body } as unknown as RouteInput<typeof apiRoutes.projects.get>;
    expect(routeRequest(apiRoutes.projects.get, sneaked).body).toBeUndefined();
  });

  it("needs no input for a route without params, query or body, and refuses a missing param", () => {
    expect(routeRequest(apiRoutes.account.me).url).toBe("/api/v1/me");
    expect(routeRequest(apiRoutes.projects.list).url).toBe("/api/v1/projects");
    const missing = { params: { id: "p1" } } as unknown as RouteInput<typeof apiRoutes.files.get>;
    expect(() => routeRequest(apiRoutes.files.get, missing)).toThrow(/missing path parameter 'fileId'/);
    const nested = { query: { limit: { deep: 1 } } } as unknown as RouteInput<typeof apiRoutes.projects.list>;
    expect(() => routeRequest(apiRoutes.projects.list, nested)).toThrow(/'limit'/);
  });

  it("types input and output from the schemas", () => {
    type FileGet = typeof apiRoutes.files.get;
    expectTypeOf<RouteInput<FileGet>["params"]>().toEqualTypeOf<{ id: string; fileId: string }>();
    expectTypeOf<RouteOutput<FileGet>>().toHaveProperty("content").toEqualTypeOf<string>();
    expectTypeOf<RouteOutput<typeof apiRoutes.projects.delete>>().toEqualTypeOf<undefined>();
    expectTypeOf<RouteInput<typeof apiRoutes.projects.create>>().toHaveProperty("body");
    expectTypeOf<RouteOutput<typeof apiRoutes.oidc.start>>().toEqualTypeOf<{ location: string }>();
    // @ts-expect-error a route with params needs them
    expect(() => routeRequest(apiRoutes.projects.get, {})).toThrow(/'id'/);
  });
});

describe("apiRoutes", () => {
  it("declares each method and path once", () => {
    const keys = allRoutes.map(([, route]) => `${route.method} ${route.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("gives every path param a schema, and no schema param without a place in the path", () => {
    for (const [name, route] of allRoutes) {
      const inPath = pathParamNames(route.path).sort();
      const inSchema =
        route.params instanceof z.ZodObject
          ? Object.keys(route.params.shape).sort()
          : route.params
            ? ["?"]
            : [];
      expect(inSchema, name).toEqual(inPath);
    }
  });

  it("has only success statuses (or a redirect), a body unless 204, a known scope, and no scope on public or session routes", () => {
    for (const [name, route] of allRoutes) {
      const statuses = successStatuses(route);
      expect(statuses.length, name).toBeGreaterThan(0);
      for (const status of statuses) {
        const response = route.responses[status];
        if (isRedirectResponse(response)) {
          // A redirect route is a browser navigation: a GET, redirecting and nothing else.
          expect([302, 303], `${name} ${status}`).toContain(status);
          expect([route.method, statuses.length], name).toEqual(["GET", 1]);
          continue;
        }
        expect(status >= 200 && status < 300, `${name} ${status}`).toBe(true);
        expect(response === null, `${name} ${status}`).toBe(status === 204);
      }
      if (route.scope) expect(apiKeyScopes, name).toContain(route.scope);
      if (route.auth !== "user") expect(route.scope, name).toBeUndefined();
      expect(route.path, name).toMatch(/^\/[a-z0-9/:.A-Z_-]+$/);
      // A GET never has a body; a DELETE only when it asks for confirmation (deleting an account:
      // the password and second factor), never for what to delete.
      if (route.method === "GET") expect(route.body, name).toBeUndefined();
      if (route.method === "DELETE" && route.body)
        expect(["privacy.deleteAccount", "userPrivacy.deleteUser"], name).toContain(name);
    }
  });
});
