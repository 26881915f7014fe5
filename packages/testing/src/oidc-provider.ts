import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

/** What the stand-in provider says about a person (standard claims). */
export interface IdpAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export interface TestOidcProvider {
  /** The issuer identifier: OIDC_ISSUER. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Accounts by subject; change them between sign-ins as a provider's users would change. */
  accounts: Map<string, IdpAccount>;
  /** Who the next sign-in logs in as (the provider's login step is automatic). */
  signInAs(subject: string): void;
  close(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (the provider's issuer must be known before CodePark starts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A real OpenID provider (oidc-provider), in this process: one confidential client that must use
 * PKCE, accounts kept in memory, and an interaction that logs in as `signInAs` and grants the asked
 * scopes without showing a page, so a test drives the whole flow with plain HTTP requests.
 */
export async function startOidcProvider(options: {
  port: number;
  redirectUris: string[];
  clientId: string;
  clientSecret: string;
}): Promise<TestOidcProvider> {
  const issuer = `http://127.0.0.1:${options.port}`;
  const { clientId, clientSecret } = options;
  const accounts = new Map<string, IdpAccount>();
  let current: string | null = null;
  // Its own signing key (instead of the library's development one, which it warns about).
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const signingKey = { ...privateKey.export({ format: "jwk" }), kid: "test", alg: "ES256", use: "sig" };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        response_types: ["code"],
        grant_types: ["authorization_code"],
        token_endpoint_auth_method: "client_secret_basic",
        id_token_signed_response_alg: "ES256",
      },
    ],
    pkce: { required: () => true },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    findAccount: (_ctx, sub) => {
      if (!accounts.has(sub)) return undefined;
      // Read at the time the claims are asked for: a change between sign-ins shows.
      return { accountId: sub, claims: () => ({ sub, ...accounts.get(sub) }) };
    },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: [randomBytes(16).toString("hex")] },
    jwks: { keys: [signingKey] },
    // Said explicitly, so the provider does not print a notice for each default.
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      Grant: 3600,
      IdToken: 600,
      Interaction: 600,
      Session: 3600,
    },
  });
  // oidc-provider logs warnings about its development defaults (keys, in-memory storage): expected here.
  provider.on("server_error", (_ctx, error) => console.error("oidc-provider server_error", error));

  async function interact(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === "login") {
      if (!current) throw new Error("startOidcProvider: signInAs(subject) first");
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: current } },
        {
          mergeWithLastSubmission: false,
        },
      );
      return;
    }
    // consent: grant what the client asked for.
    const accountId = details.session?.accountId;
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId: details.params.client_id as string });
    if (!grant) throw new Error("grant not found");
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  const handle = provider.callback();
  const server = createServer((req, res) => {
    if (req.url?.startsWith("/interaction/")) {
      interact(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
      return;
    }
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(options.port, "127.0.0.1", resolve));
  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    signInAs: (subject) => {
      current = subject;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface StoredCookie {
  value: string;
  path: string;
}

/**
 * A browser as far as redirects and cookies go: cookies kept per host (not port, as browsers do) and
 * path, sent back where they apply, redirects followed one hop at a time so a test can stop anywhere.
 */
export class TestBrowser {
  readonly #jar = new Map<string, Map<string, StoredCookie>>();
  /** Every URL requested, in order. */
  readonly visited: string[] = [];

  cookie(url: string, name: string): string | undefined {
    return this.#jar.get(new URL(url).hostname)?.get(name)?.value;
  }

  setCookie(url: string, name: string, value: string, path = "/"): void {
    const host = new URL(url).hostname;
    if (!this.#jar.has(host)) this.#jar.set(host, new Map());
    this.#jar.get(host)!.set(name, { value, path });
  }

  /** One request, no redirect followed; Set-Cookie taken in. */
  async get(url: string): Promise<Response> {
    const target = new URL(url);
    this.visited.push(target.href);
    const cookies = [...(this.#jar.get(target.hostname) ?? new Map<string, StoredCookie>())]
      .filter(([, cookie]) => target.pathname.startsWith(cookie.path))
      .map(([name, cookie]) => `${name}=${cookie.value}`);
    const response = await fetch(target, {
      redirect: "manual",
      headers: cookies.length > 0 ? { cookie: cookies.join("; ") } : {},
    });
    for (const line of response.headers.getSetCookie()) this.#take(target, line);
    return response;
  }

  /** Follows redirects from `url` until `stop(next)` holds for the next URL (returned unrequested), or a non-redirect. */
  async follow(
    url: string,
    stop: (next: URL) => boolean,
    maxHops = 20,
  ): Promise<{ url: URL; response?: Response }> {
    let current = new URL(url);
    for (let hop = 0; hop < maxHops; hop++) {
      if (stop(current)) return { url: current };
      const response = await this.get(current.href);
      const location = response.headers.get("location");
      if (response.status < 300 || response.status >= 400 || !location) return { url: current, response };
      await response.arrayBuffer();
      current = new URL(location, current);
    }
    throw new Error(`more than ${maxHops} redirects from ${url}`);
  }

  #take(url: URL, line: string): void {
    const [pair = "", ...attributes] = line.split(";").map((part) => part.trim());
    const at = pair.indexOf("=");
    if (at <= 0) return;
    const name = pair.slice(0, at);
    const value = pair.slice(at + 1);
    let path = "/";
    let expired = false;
    for (const attribute of attributes) {
      const [key = "", val = ""] = attribute.split("=");
      if (key.toLowerCase() === "path") path = val || "/";
      if (key.toLowerCase() === "max-age" && Number(val) <= 0) expired = true;
      if (key.toLowerCase() === "expires" && Date.parse(val) <= Date.now()) expired = true;
    }
    const host = url.hostname;
    if (!this.#jar.has(host)) this.#jar.set(host, new Map());
    if (expired || value === "") this.#jar.get(host)!.delete(name);
    else this.#jar.get(host)!.set(name, { value, path });
  }
}
