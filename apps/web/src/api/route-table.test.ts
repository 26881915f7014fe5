import { apiRoutes, pathParamNames, type RouteContract, routeRequest } from "@codepark/protocol/api";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { routeTable } from "./route-table.ts";

/** A page answer, read from the contract's zod schema (the table reads it by shape). */
const isPaged = (route: RouteContract) => {
  const ok = Object.values(route.responses)[0];
  return ok instanceof z.ZodObject && "items" in ok.shape && "nextCursor" in ok.shape;
};

const table = routeTable(apiRoutes);
const contracts = Object.entries(apiRoutes).flatMap(([group, members]) =>
  Object.entries(members as Record<string, RouteContract>).map(([name, route]) => ({ group, name, route })),
);

describe("routeTable", () => {
  it("keeps every route's method, path, auth, whether it takes a body or a query and answers with a page, and nothing else", () => {
    expect(contracts.length).toBeGreaterThan(50);
    for (const { group, name, route } of contracts) {
      expect(table[group]?.[name], `${group}.${name}`).toEqual({
        method: route.method,
        path: route.path,
        auth: route.auth,
        ...(route.body ? { body: true } : {}),
        ...(route.query ? { query: true } : {}),
        ...(isPaged(route) ? { paged: true } : {}),
      });
    }
    expect(JSON.stringify(table)).not.toMatch(/schema|summary|responses/);
  });

  it("builds the same requests as the contracts it comes from", () => {
    for (const { group, name, route } of contracts) {
      const params = Object.fromEntries(pathParamNames(route.path).map((param) => [param, `${param} 1`]));
      const input = { params, query: { limit: 5 }, body: { any: "thing" } } as never;
      const entry = table[group]![name]! as unknown as RouteContract;
      expect(routeRequest(entry, input), `${group}.${name}`).toEqual(routeRequest(route, input));
    }
  });
});
