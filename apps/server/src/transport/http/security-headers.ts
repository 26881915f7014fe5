import type { FastifyInstance } from "fastify";
import helmet from "helmet";

/**
 * Helmet's security headers on every response: the content security policy for the web app (Monaco
 * runs language services in same-origin workers and ships its icon font as a file), and the rest of
 * helmet's defaults. Strict-Transport-Security is left to hstsOverHttps (edges.ts): it is sent only
 * over HTTPS, where it means something.
 *
 * The middleware is built once here; @fastify/helmet built it anew for every request (~25 µs each).
 */
export function securityHeaders(app: FastifyInstance): void {
  const setHeaders = helmet({
    hsts: false,
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        workerSrc: ["'self'", "blob:"],
        fontSrc: ["'self'", "data:"],
      },
    },
  });
  app.addHook("onRequest", (request, reply, done) =>
    setHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined)),
  );
}
