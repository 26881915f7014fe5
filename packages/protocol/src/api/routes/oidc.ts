import { authResult } from "../auth.ts";
import { defineRoute, redirectResponse } from "../contract.ts";
import { authProviders, oidcCallbackQuery, oidcExchangeBody, oidcStartQuery } from "../oidc.ts";

const tags = ["auth"];

/**
 * Sign-in with an OpenID Connect provider (docs/oidc.md). `start` and `callback` are browser
 * navigations: they answer with redirects (failures too: to the web app's `/sign-in/oidc?error=<code>`),
 * and tokens never travel in a URL: the web app trades a one-time code for them with `exchange`.
 */
export const oidcRoutes = {
  providers: defineRoute({
    method: "GET",
    path: "/auth/providers",
    tags,
    summary: "How people can sign in: password, and the OpenID Connect provider if one is configured",
    auth: "public",
    responses: { 200: authProviders },
  }),
  start: defineRoute({
    method: "GET",
    path: "/auth/oidc/start",
    tags,
    summary: "Begin OpenID Connect sign-in: redirects to the provider (authorization code + PKCE)",
    description:
      "Sets a short-lived encrypted cookie holding the state, nonce and PKCE verifier. 404 `oidc_not_configured` when OIDC is off.",
    auth: "public",
    query: oidcStartQuery,
    responses: { 302: redirectResponse("To the provider's authorization endpoint") },
  }),
  callback: defineRoute({
    method: "GET",
    path: "/auth/oidc/callback",
    tags,
    summary: "Where the provider returns the browser; register this URL at the provider",
    description:
      "Checks the state against the sign-in cookie, exchanges the code (PKCE) and checks the ID token (nonce), " +
      "finds, links (by verified email) or creates the account, then redirects to the web app's " +
      "`/sign-in/oidc?code=<one-time code>`, or `/sign-in/oidc?error=<problem code>` when refused.",
    auth: "public",
    query: oidcCallbackQuery,
    responses: {
      302: redirectResponse("To the web app's /sign-in/oidc page, with a one-time code or an error"),
    },
  }),
  exchange: defineRoute({
    method: "POST",
    path: "/auth/oidc/exchange",
    tags,
    summary: "Trade the one-time sign-in code for tokens (with a TOTP or recovery code when 2FA is on)",
    auth: "public",
    body: oidcExchangeBody,
    responses: { 200: authResult },
  }),
};
