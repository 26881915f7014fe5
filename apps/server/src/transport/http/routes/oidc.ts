import { API_BASE_PATH, apiRoutes } from "@codepark/protocol/api";
import type { FastifyReply, FastifyRequest } from "fastify";
import {
  authProviders,
  beginOidcSignIn,
  exchangeOidcCode,
  finishOidcSignIn,
} from "../../../domain/auth/oidc.ts";
import { AppError } from "../../../domain/errors.ts";
import type { Services } from "../../../services.ts";
import { bind } from "../route.ts";

/** The sealed sign-in (state, nonce, PKCE verifier): only ever sent back to the callback. */
const COOKIE = "codepark_oidc";
const COOKIE_PATH = `${API_BASE_PATH}/auth/oidc`;
/** The web app's page that trades the one-time code for tokens (or shows why sign-in failed). */
const WEB_PAGE = "/sign-in/oidc";

/** Where people reach CodePark: PUBLIC_URL, or this request's origin (X-Forwarded-* behind TRUST_PROXY). */
function originOf(request: FastifyRequest, publicUrl: string | undefined): string {
  return publicUrl ? publicUrl.replace(/\/+$/, "") : `${request.protocol}://${request.host}`;
}

function readCookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * HttpOnly (no script reads it), SameSite=Lax (sent on the provider's top-level redirect back, not on
 * cross-site subrequests), scoped to the OIDC routes, Secure over HTTPS.
 */
function setCookie(reply: FastifyReply, value: string, maxAgeSeconds: number, secure: boolean): void {
  const attributes = [`Path=${COOKIE_PATH}`, `Max-Age=${maxAgeSeconds}`, "HttpOnly", "SameSite=Lax"];
  if (secure) attributes.push("Secure");
  reply.header("set-cookie", `${COOKIE}=${value}; ${attributes.join("; ")}`);
}

/** The web page, with `code` and `next` or with the problem `error` code. */
function webPage(origin: string, params: Record<string, string>): string {
  return `${origin}${WEB_PAGE}?${new URLSearchParams(params)}`;
}

/**
 * OpenID Connect sign-in (docs/oidc.md). `start` and `callback` are browser navigations, so what
 * goes wrong there (provider unreachable, state, refusal) is a redirect to the web page with the
 * problem's code rather than a JSON body in a browser tab; only "not configured" stays a 404 problem.
 */
export const oidcRoutes = (ctx: Services, publicUrl: string | undefined) =>
  bind(apiRoutes.oidc, {
    providers: () => authProviders(ctx),
    start: async ({ query, request, reply }) => {
      const origin = originOf(request, publicUrl);
      reply.header("cache-control", "no-store");
      try {
        const started = await beginOidcSignIn(ctx, {
          redirectUri: `${origin}${API_BASE_PATH}/auth/oidc/callback`,
          next: query.redirect,
        });
        setCookie(reply, started.sealed, started.maxAgeSeconds, origin.startsWith("https:"));
        return { location: started.location };
      } catch (error) {
        if (!(error instanceof AppError) || error.code === "oidc_not_configured") throw error;
        request.log.warn({ code: error.code, detail: error.message }, "OIDC sign-in could not start");
        return { location: webPage(origin, { error: error.code }) };
      }
    },
    callback: async ({ request, reply, meta }) => {
      const origin = originOf(request, publicUrl);
      reply.header("cache-control", "no-store");
      // The attempt is over whatever happens: its cookie goes.
      setCookie(reply, "", 0, origin.startsWith("https:"));
      // The raw query, as the provider sent it (openid-client checks every parameter, `iss` included).
      const search = request.url.includes("?") ? request.url.slice(request.url.indexOf("?") + 1) : "";
      try {
        const { code, next } = await finishOidcSignIn(
          ctx,
          { sealed: readCookie(request, COOKIE), callback: new URLSearchParams(search) },
          meta,
        );
        return { location: webPage(origin, { code, next }) };
      } catch (error) {
        if (!(error instanceof AppError) || error.code === "oidc_not_configured") throw error;
        request.log.warn({ code: error.code, detail: error.message }, "OIDC sign-in refused");
        return { location: webPage(origin, { error: error.code }) };
      }
    },
    exchange: ({ body, meta }) => exchangeOidcCode(ctx, body, meta),
  });
