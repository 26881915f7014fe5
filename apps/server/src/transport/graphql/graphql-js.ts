import { createRequire } from "node:module";

/**
 * graphql-js as Mercurius loads it: its CommonJS build. An ESM `import` would load the package's
 * .mjs build, a second copy whose classes fail Mercurius's instanceof checks (schema types, errors).
 */
export const graphqlJs: typeof import("graphql") = createRequire(import.meta.url)("graphql");
