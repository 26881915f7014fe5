/**
 * An OpenID Connect provider (a port: infra/oidc/openid-client.ts implements it with openid-client,
 * authorization code flow with PKCE S256, state and nonce).
 */

/** What the provider vouches for about the person who signed in. */
export interface OidcIdentity {
  /** The issuer identifier, as discovered: with `subject`, the stable key of a linked identity. */
  issuer: string;
  subject: string;
  /** Lower-cased; null when the provider shares none. */
  email: string | null;
  /** True only when the provider says `email_verified: true`. */
  emailVerified: boolean;
  name: string | null;
}

/** The secrets of one sign-in attempt, kept (sealed) by the browser between start and callback. */
export interface OidcChallenge {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface OidcProvider {
  /** The configured issuer URL. */
  readonly issuer: string;
  /** The label people see: "Sign in with <displayName>". */
  readonly displayName: string;
  /** A fresh challenge and the provider's authorization URL for it. */
  begin(redirectUri: string): Promise<{ url: string; challenge: OidcChallenge }>;
  /**
   * Checks the provider's answer (the callback's query) against the challenge: state, then the code
   * exchange (PKCE) and the ID token (signature, audience, nonce). Throws OidcProviderError.
   */
  finish(redirectUri: string, callback: URLSearchParams, challenge: OidcChallenge): Promise<OidcIdentity>;
}

/**
 * Why the provider could not be used: `unavailable` (discovery or a request failed: network, 5xx),
 * `refused` (its answer failed a check, or it answered with an error such as access_denied).
 */
export class OidcProviderError extends Error {
  override name = "OidcProviderError";
  constructor(
    readonly kind: "unavailable" | "refused",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
