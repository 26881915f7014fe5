// Builds what `npm start` runs when missing or stale: the web app and the server bundle.
import { ensureServerBuild, ensureWebBuild } from "./builds.mjs";

ensureWebBuild();
ensureServerBuild();
