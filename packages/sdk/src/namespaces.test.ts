import { apiRoutes, pathParamNames, type RouteContract } from "@codepark/protocol/api";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type CodeParkClient, createClient } from "./client.ts";
import { pagerName, splitInput } from "./namespaces.ts";

const routes = Object.entries(apiRoutes).flatMap(([group, members]) =>
  Object.entries(members as Record<string, RouteContract>).map(([name, route]) => ({ group, name, route })),
);

const keysOf = (schema: z.ZodType | undefined): string[] =>
  schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];

const isPage = (route: RouteContract) => {
  const ok = Object.values(route.responses)[0];
  return ok instanceof z.ZodObject && "items" in ok.shape && "nextCursor" in ok.shape;
};

/** A client over a fetch that records requests and answers 200 `{}`. */
function recordingClient() {
  const sent: { method: string; url: string; body: unknown }[] = [];
  const client = createClient({
    baseUrl: "https://codepark.test/",
    token: "t",
    fetch: async (input, init = {}) => {
      sent.push({
        method: init.method ?? "GET",
        url: String(input),
        body: init.body === undefined ? undefined : JSON.parse(init.body as string),
      });
      return new Response(JSON.stringify({ items: [], nextCursor: null }), { status: 200 });
    },
  });
  return { client, sent };
}

describe("namespaces derived from apiRoutes", () => {
  it("gives every route a method, and every paged list (only those) a pager", () => {
    const { client } = recordingClient();
    const namespaces = client as unknown as Record<string, Record<string, unknown>>;
    expect(routes.length).toBeGreaterThan(80);
    for (const { group, name, route } of routes) {
      expect(typeof namespaces[group]?.[name], `${group}.${name}`).toBe("function");
      const pager = pagerName(name, route);
      expect(pager !== null, `${group}.${name} has a pager iff it answers with a page`).toBe(isPage(route));
      if (pager) expect(typeof namespaces[group]?.[pager], `${group}.${pager}`).toBe("function");
    }
  });

  it("can flatten every route's input: no route takes both a query and a body, no names collide", () => {
    for (const { group, name, route } of routes) {
      expect(Boolean(route.query && route.body), `${group}.${name} takes a query and a body`).toBe(false);
      const names = [...pathParamNames(route.path), ...keysOf(route.query), ...keysOf(route.body)];
      expect(new Set(names).size, `${group}.${name}: ${names}`).toBe(names.length);
    }
  });

  it("splits a flat input into params and body (or query)", () => {
    expect(splitInput(apiRoutes.files.update, { id: "p", fileId: "f", path: "a.ts" })).toEqual({
      params: { id: "p", fileId: "f" },
      body: { path: "a.ts" },
    });
    expect(splitInput(apiRoutes.notifications.list, { unread: "true", limit: 5 })).toEqual({
      params: {},
      query: { unread: "true", limit: 5 },
    });
  });

  it("sends what the contract says: method, URL under baseUrl, JSON body", async () => {
    const { client, sent } = recordingClient();
    await client.files.update({ id: "p 1", fileId: "f/2", content: "x" });
    await client.webhooks.create({ url: "https://example.com/hook", events: ["project.updated"] });
    await client.notifications.list({ archived: "true", limit: 3 });
    expect(sent).toEqual([
      {
        method: "PATCH",
        url: "https://codepark.test/api/v1/projects/p%201/files/f%2F2",
        body: { content: "x" },
      },
      {
        method: "POST",
        url: "https://codepark.test/api/v1/webhooks",
        body: { url: "https://example.com/hook", events: ["project.updated"] },
      },
      {
        method: "GET",
        url: "https://codepark.test/api/v1/notifications?archived=true&limit=3",
        body: undefined,
      },
    ]);
  });
});

/** Compile-time checks: `npm run typecheck` checks this file, so a loosened surface fails there. */
export async function typeChecks(client: CodeParkClient) {
  // @ts-expect-error the project id is required
  void client.projects.get();
  // @ts-expect-error events are required (seed 000: create({ url, events }))
  void client.webhooks.create({ url: "https://example.com" });
  // @ts-expect-error an unknown event name
  void client.webhooks.create({ url: "https://example.com", events: ["nope"] });
  // @ts-expect-error only paged lists have pagers
  void client.projects.allGet;
  const project = await client.projects.get({ id: "p" });
  const name: string = project.name;
  // @ts-expect-error the output is typed by the contract
  const wrong: number = project.name;
  for await (const file of client.files.all({ id: "p" })) void (file.path satisfies string);
  void [name, wrong];
}
