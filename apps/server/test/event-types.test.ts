import { webhookEventNames } from "@codepark/protocol";
import { startTestServer, type TestServer, testStores } from "@codepark/testing";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

interface CatalogueEntry {
  name: string;
  description: string;
  schema: Record<string, any>;
}

const at = "2025-06-01T12:00:00.000Z";
const file = {
  id: "fil_1",
  projectId: "prj_1",
  path: "src/main.ts",
  language: "typescript",
  size: 120,
  updatedAt: at,
};

/** Realistic bodies, as a webhook would deliver them. */
const samples: Record<string, unknown> = {
  "project.created": {
    projectId: "prj_1",
    project: {
      id: "prj_1",
      name: "Demo",
      description: "",
      visibility: "private",
      createdAt: at,
      updatedAt: at,
    },
  },
  "project.updated": {
    projectId: "prj_1",
    changedFields: ["name", "visibility"],
    project: {
      id: "prj_1",
      name: "Renamed",
      description: "",
      visibility: "public",
      createdAt: at,
      updatedAt: "2025-06-01T12:05:00.000Z",
    },
  },
  "file.renamed": { projectId: "prj_1", file, previousPath: "main.ts" },
  "member.role_changed": { projectId: "prj_1", userId: "usr_2", role: "editor", previousRole: "viewer" },
  "version.created": {
    projectId: "prj_1",
    fileId: "fil_1",
    version: { id: "ver_1", fileId: "fil_1", name: null, kind: "auto", size: 120, createdAt: at },
  },
  "webhook.disabled": {
    webhookId: "whk_1",
    ownerId: "usr_1",
    url: "https://hooks.example.test/codepark",
    reason: "gone",
  },
};

describe("event types", () => {
  const store = testStores()[0]!;
  let server: TestServer;
  let catalogue: CatalogueEntry[];
  const ajv = new Ajv2020({ strict: true, allErrors: true, validateFormats: false });

  beforeAll(async () => {
    server = await startTestServer(store);
    const response = await server.api.get<{ items: CatalogueEntry[] }>("/api/v1/event-types");
    expect(response.status).toBe(200);
    catalogue = response.body.items;
  });
  afterAll(() => server?.stop());

  const validatorFor = (name: string) => {
    const entry = catalogue.find((item) => item.name === name);
    if (!entry) throw new Error(`no ${name} in the catalogue`);
    return ajv.compile(entry.schema);
  };

  it("lists exactly the webhook events, in order, without a token", () => {
    expect(catalogue.map((entry) => entry.name)).toEqual([...webhookEventNames]);
    for (const entry of catalogue) {
      expect(entry.description, entry.name).toMatch(/\S/);
    }
    expect(catalogue.find((entry) => entry.name === "project.updated")?.description).toContain(
      "changedFields",
    );
  });

  it("publishes a valid draft 2020-12 schema of the webhook body for every event", () => {
    for (const { name, schema } of catalogue) {
      expect(schema.$schema, name).toBe("https://json-schema.org/draft/2020-12/schema");
      expect(ajv.validateSchema(schema), `${name}: ${ajv.errorsText(ajv.errors)}`).toBe(true);
      expect(schema.type, name).toBe("object");
      expect(schema.required, name).toEqual(expect.arrayContaining(["type", "timestamp", "data"]));
      expect(schema.properties.type.const, name).toBe(name);
      expect(schema.properties.data.type, name).toBe("object");
    }
  });

  it.each(Object.entries(samples))("accepts a realistic %s body", (name, data) => {
    const validate = validatorFor(name);
    const ok = validate({ type: name, timestamp: at, data });
    expect(ok, ajv.errorsText(validate.errors)).toBe(true);
  });

  it("rejects wrong bodies", () => {
    const body = (name: string, data: unknown, extra: Record<string, unknown> = {}) => ({
      type: name,
      timestamp: at,
      data,
      ...extra,
    });
    const roleChanged = validatorFor("member.role_changed");
    const good = samples["member.role_changed"] as Record<string, unknown>;
    // A role that is not a project role.
    expect(roleChanged(body("member.role_changed", { ...good, role: "admin" }))).toBe(false);
    // A missing field.
    const { previousRole: _dropped, ...missing } = good;
    expect(roleChanged(body("member.role_changed", missing))).toBe(false);
    expect(roleChanged.errors?.some((error) => error.params.missingProperty === "previousRole")).toBe(true);
    // Another event's type, and a timestamp that is not ISO-8601.
    expect(roleChanged(body("member.added", good))).toBe(false);
    expect(roleChanged(body("member.role_changed", good, { timestamp: "1 June 2025" }))).toBe(false);
    // No data at all.
    expect(roleChanged({ type: "member.role_changed", timestamp: at })).toBe(false);

    const renamed = validatorFor("file.renamed");
    // A size that is not a non-negative integer, inside a nested object.
    const badFile = { ...file, size: -1 };
    expect(renamed(body("file.renamed", { ...(samples["file.renamed"] as object), file: badFile }))).toBe(
      false,
    );
    const version = validatorFor("version.created");
    const sample = samples["version.created"] as { version: object };
    // A version kind that does not exist.
    expect(
      version(body("version.created", { ...sample, version: { ...sample.version, kind: "manual" } })),
    ).toBe(false);
  });

  it("appears in the OpenAPI document as a public operation", async () => {
    const doc = await server.api.get("/api/v1/openapi.json");
    expect(doc.status).toBe(200);
    const operation = doc.body.paths["/api/v1/event-types"]?.get;
    expect(operation).toBeDefined();
    expect(operation.security ?? []).toEqual([]);
    const schema = operation.responses["200"].content["application/json"].schema;
    expect(schema.required).toContain("items");
    expect(schema.properties.items.items.required).toEqual(
      expect.arrayContaining(["name", "description", "schema"]),
    );
    expect(schema.properties.items.items.properties.name.enum).toEqual([...webhookEventNames]);
  });
});
