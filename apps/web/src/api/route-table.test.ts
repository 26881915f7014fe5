import { apiRoutes, pathParamNames, type RouteContract, routeRequest } from "@codepark/protocol/api";
import { describe, expect, it } from "vitest";
import { routeTable } from "./route-table.ts";

const table = routeTable(apiRoutes);
const contracts = Object.entries(apiRoutes).flatMap(([group, members]) =>
  Object.entries(members as Record<string, RouteContract>).map(([name, route]) => ({ group, name, route })),
);

describe("routeTable", () => {
  it("keeps every route's method, path, auth and whether it takes a body or a query, and nothing else", () => {
    expect(contracts.length).toBeGreaterThan(50);
    for (const { group, name, route } of contracts) {
      expect(table[group]?.[name], `${group}.${name}`).toEqual({
        method: route.method,
        path: route.path,
        auth: route.auth,
        ...(route.body ? { body: true } : {}),
        ...(route.query ? { query: true } : {}),
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
