import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  API_BASE_PATH,
  apiRoutes,
  isRedirectResponse,
  type RouteContract,
  redirectResponse,
} from "@codepark/protocol/api";
import Fastify from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type App, createApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { mount, onlyContractRoutes } from "../src/transport/http/route.ts";

const contracts: [string, RouteContract][] = Object.entries(apiRoutes).flatMap(([group, routes]) =>
  Object.entries(routes).map(([name, route]): [string, RouteContract] => [`${group}.${name}`, route]),
);
const key = (method: string, path: string) => `${method.toUpperCase()} ${path}`;
/** `/projects/:id` → `/api/v1/projects/{id}`, as OpenAPI spells it. */
const openApiPath = (path: string) => `${API_BASE_PATH}${path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")}`;

describe("route contracts on the server", () => {
  let app: App;
  let dataDir: string;
  let doc: { paths: Record<string, Record<string, Record<string, unknown>>> };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "codepark-contracts-"));
    const config = loadConfig({
      LOG_LEVEL: "error",
      PORT: "0",
      DATA_DIR: dataDir,
      RATE_LIMIT_ENABLED: "false",
    });
    app = await createApp(config, { database: { kind: "pglite" }, logStream: { write: () => {} } });
    await app.http.ready();
    doc = (await app.http.inject({ method: "GET", url: `${API_BASE_PATH}/openapi.json` })).json();
  });

  afterAll(async () => {
    await app?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("declares each method and path once", () => {
    const keys = contracts.map(([, route]) => key(route.method, route.path));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("registers every contract", () => {
    for (const [name, route] of contracts) {
      expect(app.http.hasRoute({ method: route.method, url: `${API_BASE_PATH}${route.path}` }), name).toBe(
        true,
      );
    }
  });

  it("documents exactly the contracts that are not hidden, with their summary, tags and security", () => {
    const documented = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => key(method, path)),
    );
    const visible = contracts.filter(([, route]) => !route.hidden);
    expect(documented.sort()).toEqual(
      visible.map(([, route]) => key(route.method, openApiPath(route.path))).sort(),
    );
    for (const [name, route] of visible) {
      const operation = doc.paths[openApiPath(route.path)]?.[route.method.toLowerCase()];
      expect(operation?.summary, name).toBe(route.summary);
      expect(operation?.tags, name).toEqual(route.tags);
      expect(operation?.security, name).toEqual(route.auth === "public" ? undefined : [{ bearerAuth: [] }]);
      expect(operation?.["x-api-key-scope"], name).toBe(route.scope);
      expect(operation?.["x-session-only"], name).toBe(route.auth === "session" ? true : undefined);
    }
  });

  it("documents a redirect with its Location header and no body", () => {
    const response = doc.paths[openApiPath(apiRoutes.oidc.start.path)]?.get?.responses as Record<
      string,
      Record<string, unknown>
    >;
    expect(Object.keys(response)).toEqual(["302"]);
    expect(response["302"]).toMatchObject({
      description: "To the provider's authorization endpoint",
      headers: { location: { schema: { type: "string" } } },
    });
    expect(response["302"]?.content).toBeUndefined();
  });

  it("answers a public route without a token and refuses an authenticated one", async () => {
    for (const [name, route] of contracts) {
      if (route.method !== "GET" || route.params) continue;
      // Browser navigations (OIDC sign-in) depend on configuration: oidc.test.ts covers them.
      if (Object.values(route.responses).some(isRedirectResponse)) continue;
      const response = await app.http.inject({ method: "GET", url: `${API_BASE_PATH}${route.path}` });
      if (route.auth === "public") expect(response.statusCode, name).toBe(200);
      else expect(response.json().code, name).toBe("unauthorized");
    }
  });
});

describe("the /api/v1 scope", () => {
  const route = {
    method: "GET",
    path: "/ping",
    tags: ["test"],
    summary: "Ping",
    auth: "public",
    query: z.strictObject({ n: z.coerce.number().int() }),
    responses: { 200: z.object({ n: z.number() }) },
  } as const satisfies RouteContract;

  async function scope(register: (api: ReturnType<typeof Fastify>) => void) {
    const app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    await app.register(
      async (api) => {
        onlyContractRoutes(api);
        register(api);
      },
      { prefix: API_BASE_PATH },
    );
    return app;
  }

  it("mounts a contract: validated input, typed handler, the contract's status", async () => {
    const app = await scope((api) => mount(api, route, ({ query }) => ({ n: query.n + 1 })));
    const ok = await app.inject({ method: "GET", url: `${API_BASE_PATH}/ping?n=41` });
    expect([ok.statusCode, ok.json()]).toEqual([200, { n: 42 }]);
    const bad = await app.inject({ method: "GET", url: `${API_BASE_PATH}/ping?n=x` });
    expect(bad.statusCode).toBe(400);
    await app.close();
  });

  it("answers a 204 without a body, and lets a handler pick another of its statuses", async () => {
    const gone = { ...route, method: "DELETE", query: undefined, responses: { 204: null } } as const;
    const made = {
      ...route,
      method: "POST",
      query: undefined,
      responses: { 200: z.object({ made: z.boolean() }), 201: z.object({ made: z.boolean() }) },
    } as const;
    const app = await scope((api) => {
      mount(api, gone, () => ({ ignored: true }));
      mount(api, made, ({ reply }) => {
        reply.code(201);
        return { made: true };
      });
    });
    const deleted = await app.inject({ method: "DELETE", url: `${API_BASE_PATH}/ping` });
    expect([deleted.statusCode, deleted.body]).toEqual([204, ""]);
    const created = await app.inject({ method: "POST", url: `${API_BASE_PATH}/ping` });
    expect([created.statusCode, created.json()]).toEqual([201, { made: true }]);
    await app.close();
  });

  it("sends a redirect route's { location } as its status with a Location header and no body", async () => {
    const away = { ...route, query: undefined, responses: { 302: redirectResponse("Elsewhere") } } as const;
    const app = await scope((api) => mount(api, away, () => ({ location: "https://example.test/next?a=1" })));
    const response = await app.inject({ method: "GET", url: `${API_BASE_PATH}/ping` });
    expect([response.statusCode, response.headers.location, response.body]).toEqual([
      302,
      "https://example.test/next?a=1",
      "",
    ]);
    await app.close();
  });

  it("refuses a route that is not a contract", async () => {
    await expect(scope((api) => api.get("/hand-written", async () => ({})))).rejects.toThrow(
      /GET \/api\/v1\/hand-written is not declared as a route contract/,
    );
  });
});
