import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** Paths that belong to the server, never to the single-page app. */
const SERVER_PATHS = /^\/(api|docs|metrics|healthz|readyz|collab|socket\.io)(\/|$)/;

export type SpaFallback = (request: FastifyRequest, reply: FastifyReply) => FastifyReply | null;

/**
 * Serves the built web app (apps/web/dist): hashed files under /assets cached for a year,
 * index.html never cached, and client-side routes (e.g. /projects/…) answered with index.html.
 * Returns the fallback the not-found handler uses, or null when no build exists.
 */
export async function serveWebApp(app: FastifyInstance, distDir: string): Promise<SpaFallback | null> {
  if (!existsSync(join(distDir, "index.html"))) {
    app.get("/", { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type("text/html; charset=utf-8")
        .send(
          '<!doctype html><meta charset="utf-8"><title>CodePark</title><h1>CodePark</h1><p>The web app is not built: run <code>npm run build</code>. The API is documented at <a href="/docs">/docs</a>.</p>',
        ),
    );
    return null;
  }
  // No file name holds NUL: such a path is an unknown route (404), as it is without the web app.
  app.addHook("onRequest", async (request, reply) => {
    if (request.routeOptions.url === "/*" && /%00/.test(request.url)) return reply.callNotFound();
  });
  await app.register(fastifyStatic, {
    root: distDir,
    prefix: "/",
    index: ["index.html"],
    wildcard: true,
    cacheControl: false,
    // The build writes .br/.gz beside each asset; they are sent to clients that accept them.
    preCompressed: true,
    // Hashed build output never changes under its name; everything else is revalidated.
    setHeaders: (reply, path) => {
      reply.header(
        "cache-control",
        path.startsWith(join(distDir, "assets")) ? "public, max-age=31536000, immutable" : "no-cache",
      );
    },
  });
  return (request, reply) => {
    const path = request.url.split("?")[0] ?? "/";
    const wantsPage = (request.method === "GET" || request.method === "HEAD") && !SERVER_PATHS.test(path);
    if (!wantsPage || !String(request.headers.accept ?? "").includes("text/html")) return null;
    return reply.header("cache-control", "no-cache").sendFile("index.html");
  };
}
