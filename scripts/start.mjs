// `npm start`: builds the web app and the server bundle when missing or stale, then runs the
// compiled server (apps/server/dist/main.js) in this same process, as `npm run start:prod` does
// (plain node, source-mapped stack traces): no TypeScript compiled at run time, no second process.
import { ensureServerBuild, ensureWebBuild } from "./builds.mjs";

ensureWebBuild();
ensureServerBuild();
process.setSourceMapsEnabled(true);
await import("../apps/server/dist/main.js");
