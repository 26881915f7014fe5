import { describe, expect, it } from "vitest";
import {
  eventDescriptions,
  eventEnvelopeSchema,
  eventPayloadSchemas,
  eventTypeCatalogue,
} from "./event-schemas.ts";
import { webhookEventNames } from "./events.ts";

describe("event schemas", () => {
  it("has a payload schema and a description for every webhook event, and nothing else", () => {
    expect(Object.keys(eventPayloadSchemas).sort()).toEqual([...webhookEventNames].sort());
    expect(Object.keys(eventDescriptions).sort()).toEqual([...webhookEventNames].sort());
    for (const name of webhookEventNames) {
      expect(eventDescriptions[name], name).toMatch(/^\S.*\.$/);
      expect(eventDescriptions[name], name).not.toContain("\n");
    }
  });

  it("parses a webhook body and refuses a mismatched type or a bad timestamp", () => {
    const schema = eventEnvelopeSchema("member.role_changed");
    const body = {
      type: "member.role_changed",
      timestamp: "2025-01-02T03:04:05.678Z",
      data: { projectId: "prj_1", userId: "usr_2", role: "editor", previousRole: "viewer" },
    };
    expect(schema.parse(body)).toEqual(body);
    expect(schema.safeParse({ ...body, type: "member.added" }).success).toBe(false);
    expect(schema.safeParse({ ...body, timestamp: "yesterday" }).success).toBe(false);
    expect(schema.safeParse({ ...body, data: { ...body.data, role: "admin" } }).success).toBe(false);
  });

  it("lists the catalogue in webhookEventNames order with draft 2020-12 envelopes", () => {
    const catalogue = eventTypeCatalogue();
    expect(catalogue.map((entry) => entry.name)).toEqual([...webhookEventNames]);
    for (const entry of catalogue) {
      expect(entry.schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
      expect(entry.schema.required).toEqual(["type", "timestamp", "data"]);
    }
    // Callers get copies: changing one does not change the next answer.
    catalogue[0]!.schema.type = "string";
    expect(eventTypeCatalogue()[0]!.schema.type).toBe("object");
  });
});
