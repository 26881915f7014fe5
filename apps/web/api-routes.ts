import { fileURLToPath } from "node:url";
import type { ApiRoutes } from "@codepark/protocol/api";
import { type Plugin, runnerImport } from "vite";
import { routeTable } from "./src/api/route-table.ts";

const API = "@codepark/protocol/api";
const TABLE = "\0codepark:api-routes";
const contractModule = fileURLToPath(new URL("../../packages/protocol/src/api/contract.ts", import.meta.url));

/**
 * The web app and the SDK (packages/sdk/src) import `@codepark/protocol/api` for its route
 * contracts, typed (params, query, body, response). At run time the client needs only each route's
 * method, path, auth and whether it has a body or a query; the schemas would bring all of zod into
 * the first download. So in the web bundle the module is this table, made from the contracts at
 * build time, plus the protocol's zod-free routeRequest and pathParamNames. Importing anything else
 * from it fails the build, on purpose.
 */
export function apiRoutesTable(): Plugin {
  return {
    name: "codepark-api-routes",
    enforce: "pre",
    resolveId: {
      filter: { id: /^@codepark\/protocol\/api$/ },
      handler(source, importer) {
        return source === API && importer && !importer.includes("/node_modules/") ? TABLE : null;
      },
    },
    load: {
      filter: { id: /^\0codepark:api-routes$/ },
      async handler(id) {
        if (id !== TABLE) return null;
        const { module } = await runnerImport<{ apiRoutes: ApiRoutes }>(API, {
          configFile: false,
          logLevel: "silent",
        });
        return [
          `export { API_BASE_PATH, pathParamNames, routeRequest } from ${JSON.stringify(contractModule)};`,
          `export const apiRoutes = ${JSON.stringify(routeTable(module.apiRoutes))};`,
        ].join("\n");
      },
    },
  };
}
