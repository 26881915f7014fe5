import { API_BASE_PATH, apiRoutes, type RouteContract } from "@codepark/protocol/api";
import { registerUser, startTestServer, type TestServer, type TestUser, testStores } from "@codepark/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { deeplyNested, fuzzParameters, nastyStrings, storeSalt } from "./fuzz-support.ts";

/**
 * Property-based fuzzing of every REST route that takes a body, straight from the contracts: any
 * JSON, and mutations of a plausible body (wrong types, huge and hostile strings, prototype-pollution
 * keys, deep nesting), sent with a valid session and the ids of real objects. Whatever arrives, the
 * answer is never a 5xx, and a 4xx is problem+json with a stable code. Requests go through
 * Fastify's inject (the whole request pipeline, no sockets), which keeps thousands of them fast and
 * lets the suite check the server process's own Object.prototype afterwards.
 */

const BODY_LIMIT = 256 * 1024;

const bodyRoutes: [string, RouteContract][] = Object.entries(apiRoutes).flatMap(([group, routes]) =>
  Object.entries(routes)
    .filter(([, route]) => route.body !== undefined)
    .map(([name, route]): [string, RouteContract] => [`${group}.${name}`, route]),
);

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  minLength?: number;
  minimum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
};

/** Strings some fields need to pass their checks (a schema's pipe hides its format from JSON Schema). */
const BY_NAME: Record<string, string> = {
  email: "fuzz@example.test",
  password: "a sturdy fuzzing passphrase",
  url: "http://127.0.0.1:9/hook",
  endpoint: "http://127.0.0.1:9/push",
  path: "fuzz/file.ts",
};

/** A plausible value for a JSON schema: enough to get past the shape checks to the rules behind. */
function plausible(schema: JsonSchema, defs: Record<string, JsonSchema>, depth = 0, name = ""): unknown {
  if (depth > 6) return null;
  if (schema.$ref) return plausible(defs[schema.$ref.split("/").pop()!] ?? {}, defs, depth + 1, name);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  const branch = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  if (branch?.[0]) return plausible(branch[0], defs, depth + 1, name);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "string":
      if (BY_NAME[name]) return BY_NAME[name];
      if (schema.format === "email") return "fuzz@example.test";
      if (schema.format === "uri" || schema.format === "url") return "https://example.test/hook";
      return "fuzz".padEnd(schema.minLength ?? 1, "z");
    case "number":
    case "integer":
      return schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1);
    case "boolean":
      return true;
    case "array":
      return schema.items && (schema.minItems ?? 0) > 0 ? [plausible(schema.items, defs, depth + 1)] : [];
    case "null":
      return null;
    default: {
      const body: Record<string, unknown> = {};
      for (const [key, property] of Object.entries(schema.properties ?? {}))
        body[key] = plausible(property, defs, depth + 1, key);
      return body;
    }
  }
}

function plausibleBody(route: RouteContract): Record<string, unknown> {
  let schema: JsonSchema = {};
  try {
    schema = z.toJSONSchema(route.body!, { io: "input", unrepresentable: "any" }) as JsonSchema;
  } catch {
    // A schema JSON Schema cannot express: fall back to an empty object.
  }
  const value = plausible(schema, schema.$defs ?? {});
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** Wrong types and hostile values for any one field. */
const fieldValue = fc.oneof(
  nastyStrings,
  fc.constantFrom(0, -1, 1.5, -0, 2 ** 53 + 1, 1e308, -1e308, true, false, null, [], {}, [null], {
    $ne: null,
  }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Raw JSON text: the body as sent, so keys like __proto__ survive into the request. */
function bodyText(route: RouteContract): fc.Arbitrary<string> {
  const base = plausibleBody(route);
  const keys = Object.keys(base);
  const key = keys.length > 0 ? fc.constantFrom(...keys) : fc.constant("field");
  const withField = (name: string, valueJson: string) => {
    const rest = JSON.stringify(base).slice(1, -1);
    return `{${JSON.stringify(name)}:${valueJson}${rest ? `,${rest}` : ""}}`;
  };
  return fc.oneof(
    // Anything at all.
    fc.jsonValue().map((value) => JSON.stringify(value) ?? "null"),
    // The plausible body, each string field kept or made hostile (valid shapes reach the database).
    fc
      .record(
        Object.fromEntries(
          Object.entries(base).map(([name, value]) => [
            name,
            typeof value === "string" ? fc.oneof(fc.constant(value), nastyStrings) : fc.constant(value),
          ]),
        ),
      )
      .map((body) => JSON.stringify(body)),
    // One field replaced, dropped or added.
    fc.record({ key, value: fieldValue }).map(({ key, value }) => JSON.stringify({ ...base, [key]: value })),
    key.map((dropped) =>
      JSON.stringify(Object.fromEntries(Object.entries(base).filter(([k]) => k !== dropped))),
    ),
    fc
      .record({ name: nastyStrings, value: fieldValue })
      .map(({ name, value }) => withField(name, JSON.stringify(value))),
    // Prototype pollution, at the top level and inside a field.
    fc
      .constantFrom(
        '{"isAdmin":true,"role":"admin","polluted":"yes"}',
        '{"prototype":{"polluted":"yes"}}',
        '{"__proto__":{"polluted":"yes"}}',
      )
      .chain((payload) =>
        fc.oneof(
          fc.constant(withField("__proto__", payload)),
          fc.constant(withField("constructor", `{"prototype":${payload}}`)),
          key.map((name) =>
            JSON.stringify({ ...base, [name]: "__placeholder__" }).replace(
              '"__placeholder__"',
              `{"__proto__":${payload}}`,
            ),
          ),
        ),
      ),
    // Deep nesting, alone and inside a field.
    deeplyNested,
    fc.tuple(key, deeplyNested).map(([name, nested]) => withField(name, nested)),
  );
}

/** Raw bodies no JSON parser should take, and content types the API does not speak. */
const MALFORMED: { body: string | Buffer; type?: string; encoding?: string }[] = [
  { body: "{" },
  { body: "{'a': 1}" },
  { body: '{"a":1,}' },
  { body: "NaN" },
  { body: "\u0000" },
  { body: Buffer.from([0xff, 0xfe, 0x00, 0x7b]) },
  { body: "" },
  { body: '{"a":"\\ud800"}' },
  { body: `{"a":"${"x".repeat(BODY_LIMIT + 10)}"}` },
  { body: "a=1&b=2", type: "application/x-www-form-urlencoded" },
  { body: '{"name":"x"}', type: "text/plain" },
  { body: '{"name":"x"}', type: "application/xml" },
  {
    body: "--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--x--",
    type: "multipart/form-data; boundary=x",
  },
  { body: '{"name":"x"}', type: "application/json; charset=utf-16" },
  { body: '{"name":"x"}', type: "application/json", encoding: "gzip" },
  { body: '{"name":"x"}', type: "application/jsonx" },
];

describe.each(testStores())("REST body fuzzing on %s", (store) => {
  let server: TestServer;
  let admin: TestUser;
  let other: TestUser;
  /** The user /users/:id routes act on: a fresh one per route, as some delete or disable it. */
  let target: TestUser;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer(store, {
      BODY_LIMIT_BYTES: String(BODY_LIMIT),
      MAX_FILE_BYTES: String(64 * 1024),
      WEBHOOK_ALLOW_PRIVATE: "true",
      LOG_LEVEL: "warn",
    });
    admin = await registerUser(server.api, "Fuzz Admin");
    other = await registerUser(server.api, "Fuzz Other");
    const t = admin.accessToken;
    const made = async (path: string, body: unknown, token = t) => {
      const response = await server.api.post(`${API_BASE_PATH}${path}`, body, token);
      expect(response.status, `${path}: ${JSON.stringify(response.body)}`).toBeLessThan(300);
      return response.body;
    };
    ids.project = (await made("/projects", { name: "Fuzzed" })).id;
    await made(`/projects/${ids.project}/members`, { email: other.email, role: "editor" });
    ids.file = (
      await made(`/projects/${ids.project}/files`, { path: "src/a.ts", content: "let a = 1;\n" })
    ).id;
    ids.version = (await made(`/projects/${ids.project}/files/${ids.file}/versions`, { name: "v1" })).id;
    ids.webhook = (
      await made("/webhooks", { url: "http://127.0.0.1:9/hook", events: ["project.deleted"] })
    ).id;
    ids.message = (await made(`/projects/${ids.project}/messages`, { body: "hello" })).id;
    ids.conversation = (await made("/conversations", { userId: other.id })).id;
  });
  const stats = new Map<string, number>();
  afterAll(async () => {
    if (process.env.FUZZ_STATS) for (const [key, count] of [...stats].sort()) console.log(`${count}\t${key}`);
    await server?.stop();
  });

  /** Real ids for a path's parameters (unknown names get a well-formed id of nothing). */
  function urlOf(route: RouteContract): string {
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, (_match, name: string, offset: number) => {
      const before = route.path.slice(0, offset);
      if (name === "userId") return other.id;
      if (name === "fileId") return ids.file!;
      if (name === "versionId") return ids.version!;
      if (before.endsWith("/users/")) return target.id;
      if (before.endsWith("/projects/")) return ids.project!;
      if (before.endsWith("/webhooks/")) return ids.webhook!;
      if (before.endsWith("/conversations/")) return ids.conversation!;
      if (before.endsWith("/messages/")) return ids.message!;
      return "zz_unknown0000000000000000";
    });
    return `${API_BASE_PATH}${path}`;
  }

  async function send(
    route: RouteContract,
    body: string | Buffer,
    type = "application/json",
    encoding?: string,
  ) {
    const response = await server.app.http.inject({
      method: route.method,
      url: urlOf(route),
      headers: {
        authorization: `Bearer ${admin.accessToken}`,
        "content-type": type,
        ...(encoding ? { "content-encoding": encoding } : {}),
      },
      payload: body,
    });
    if (process.env.FUZZ_STATS) {
      const key = `${route.method} ${route.path} ${response.statusCode} ${response.statusCode >= 400 ? response.json().code : ""}`;
      stats.set(key, (stats.get(key) ?? 0) + 1);
    }
    return response;
  }

  function expectClean(response: Awaited<ReturnType<typeof send>>, what: string): void {
    const detail = `${what} → ${response.statusCode} ${response.body.slice(0, 300)}`;
    expect(response.statusCode, detail).toBeLessThan(500);
    if (response.statusCode >= 400) {
      expect(response.headers["content-type"], detail).toMatch(/^application\/problem\+json/);
      expect(response.json().code, detail).toMatch(/^[a-z][a-z0-9_]*$/);
    }
  }

  /** The fuzzed calls may sign the admin out (a valid logout body, say): sign in again if so. */
  async function keepSignedIn(): Promise<void> {
    const me = await server.api.get(`${API_BASE_PATH}/me`, admin.accessToken);
    if (me.status === 200) return;
    const login = await server.api.post(`${API_BASE_PATH}/auth/login`, {
      email: admin.email,
      password: admin.password,
    });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    admin = { ...admin, accessToken: login.body.accessToken, refreshToken: login.body.refreshToken };
  }

  it("covers every route with a body", () => {
    expect(bodyRoutes.length).toBeGreaterThanOrEqual(20);
  });

  it.each(bodyRoutes)(
    "never answers %s with a 5xx, whatever the JSON body",
    async (name, route) => {
      await keepSignedIn();
      if (route.path.startsWith("/users/:id")) target = await registerUser(server.api, "Fuzz Target");
      await fc.assert(
        fc.asyncProperty(bodyText(route), async (body) => {
          expectClean(await send(route, body), `${name} ${body.slice(0, 200)}`);
        }),
        fuzzParameters(12, storeSalt(store)),
      );
    },
    120_000,
  );

  it.each(bodyRoutes)(
    "refuses malformed bodies and foreign content types on %s with a 4xx problem",
    async (name, route) => {
      await keepSignedIn();
      if (route.path.startsWith("/users/:id")) target = await registerUser(server.api, "Fuzz Target");
      for (const { body, type, encoding } of MALFORMED) {
        const response = await send(route, body, type, encoding);
        expectClean(response, `${name} ${type ?? "application/json"} ${String(body).slice(0, 60)}`);
      }
    },
  );

  it("leaves the server's Object.prototype unpolluted and the server answering", async () => {
    const probe: Record<string, unknown> = {};
    expect(probe.polluted).toBeUndefined();
    expect(probe.isAdmin).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect((await server.api.get("/healthz")).status).toBe(200);
    // The member the project routes act on was left alone (only /users/:id targets may be deleted).
    expect((await server.api.get(`${API_BASE_PATH}/me`, other.accessToken)).status).toBe(200);
  });
});
