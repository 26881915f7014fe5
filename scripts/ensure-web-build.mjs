// Builds the web app when its production build is missing or older than its sources (the browser
// tests run this; `npm start` checks the server bundle too, see start.mjs).
import { ensureWebBuild } from "./builds.mjs";

ensureWebBuild();
