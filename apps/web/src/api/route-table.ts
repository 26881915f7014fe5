import type { ApiRoutes, RouteContract } from "@codepark/protocol/api";

/**
 * The route contracts as the web bundle carries them (see apps/web/api-routes.ts, the build plugin
 * that makes the table): no schemas, which would bring zod into the first download.
 */

/**
 * What the web client reads of a route at run time: where it is, who may call it, whether it takes a
 * body or a query (the SDK sends a flat input's other fields as one or the other), whether it answers
 * with a page (the SDK gives those a pager).
 */
export type RouteTableEntry = Pick<RouteContract, "method" | "path" | "auth"> & {
  body?: true;
  query?: true;
  paged?: true;
};

/** Whether a route answers with a page `{ items, nextCursor }`, from its success schema. */
function answersWithPage(route: RouteContract): boolean {
  const lowest = Object.keys(route.responses).sort()[0] ?? "";
  const ok = route.responses[Number(lowest)] as { shape?: Record<string, unknown> } | null | undefined;
  return Boolean(ok?.shape && "items" in ok.shape && "nextCursor" in ok.shape);
}

/** The route contracts without their schemas. */
export function routeTable(routes: ApiRoutes): Record<string, Record<string, RouteTableEntry>> {
  return Object.fromEntries(
    Object.entries(routes).map(([group, members]) => [
      group,
      Object.fromEntries(
        Object.entries(members as Record<string, RouteContract>).map(([name, route]) => [
          name,
          {
            method: route.method,
            path: route.path,
            auth: route.auth,
            ...(route.body ? { body: true } : {}),
            ...(route.query ? { query: true } : {}),
            ...(answersWithPage(route) ? { paged: true } : {}),
          },
        ]),
      ),
    ]),
  );
}
