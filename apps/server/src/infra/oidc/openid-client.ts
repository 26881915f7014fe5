import * as client from "openid-client";
import {
  type OidcChallenge,
  type OidcIdentity,
  type OidcProvider,
  OidcProviderError,
} from "../../domain/ports/oidc.ts";

export interface OidcSettings {
  issuer: string;
  clientId: string;
  /** Absent for a public client (PKCE alone). */
  clientSecret?: string | undefined;
  displayName: string;
  /** Per request to the provider (discovery, token, userinfo, keys). */
  timeoutSeconds?: number;
}

/** `email` for the address, `profile` for a name to give a new account. */
const SCOPE = "openid email profile";

/** Network failures, timeouts and 5xx answers: the provider may be back later. */
function unavailable(error: unknown): boolean {
  if (error instanceof TypeError) return true;
  if (error instanceof DOMException) return error.name === "TimeoutError" || error.name === "AbortError";
  if (error instanceof client.ResponseBodyError) return error.status >= 500;
  return error instanceof client.ClientError && error.code === "OAUTH_RESPONSE_IS_NOT_CONFORM";
}

function providerError(error: unknown, doing: string): OidcProviderError {
  if (error instanceof OidcProviderError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  if (error instanceof client.AuthorizationResponseError) {
    return new OidcProviderError("refused", `The provider answered ${error.error}: ${detail}`, {
      cause: error,
    });
  }
  return new OidcProviderError(unavailable(error) ? "unavailable" : "refused", `${doing}: ${detail}`, {
    cause: error,
  });
}

/** Some providers send `email_verified` as the string "true"; anything else is not verified. */
function isTrue(value: unknown): boolean {
  return value === true || value === "true";
}

function text(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}

/**
 * OpenID Connect with openid-client: the issuer's metadata is discovered on first use (and again
 * after a failure), so a provider that is down does not stop CodePark from starting; only sign-in
 * with it fails (503 oidc_unavailable) until it answers. An `http:` issuer is allowed (development,
 * tests); use https in production.
 */
export function createOidcProvider(settings: OidcSettings): OidcProvider & { discover(): Promise<void> } {
  const issuerUrl = new URL(settings.issuer);
  let discovered: Promise<client.Configuration> | null = null;

  const configuration = (): Promise<client.Configuration> => {
    discovered ??= client
      .discovery(
        issuerUrl,
        settings.clientId,
        settings.clientSecret ? { client_secret: settings.clientSecret } : undefined,
        // client_secret_basic is the registration default every provider supports.
        settings.clientSecret ? client.ClientSecretBasic(settings.clientSecret) : client.None(),
        {
          timeout: settings.timeoutSeconds ?? 10,
          execute: issuerUrl.protocol === "http:" ? [client.allowInsecureRequests] : [],
        },
      )
      .catch((error: unknown) => {
        discovered = null;
        throw new OidcProviderError(
          "unavailable",
          `OpenID provider discovery at ${settings.issuer} failed: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      });
    return discovered;
  };

  return {
    issuer: settings.issuer,
    displayName: settings.displayName,

    async discover() {
      await configuration();
    },

    async begin(redirectUri) {
      const config = await configuration();
      const challenge: OidcChallenge = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier: client.randomPKCECodeVerifier(),
      };
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: SCOPE,
        response_type: "code",
        code_challenge: await client.calculatePKCECodeChallenge(challenge.codeVerifier),
        code_challenge_method: "S256",
        state: challenge.state,
        nonce: challenge.nonce,
      });
      return { url: url.href, challenge };
    },

    async finish(redirectUri, callback, challenge): Promise<OidcIdentity> {
      const config = await configuration();
      // openid-client takes the redirect_uri for the token request from this URL (without its query).
      const current = new URL(redirectUri);
      for (const [key, value] of callback) current.searchParams.append(key, value);
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
      try {
        tokens = await client.authorizationCodeGrant(config, current, {
          pkceCodeVerifier: challenge.codeVerifier,
          expectedState: challenge.state,
          expectedNonce: challenge.nonce,
          idTokenExpected: true,
        });
      } catch (error) {
        throw providerError(error, "The authorization code was not accepted");
      }
      const claims = tokens.claims();
      if (!claims) throw new OidcProviderError("refused", "The provider sent no ID token");
      // Providers that follow the spec strictly put scope claims in userinfo, not in the ID token:
      // email and email_verified are read from one source, together.
      let source: Record<string, unknown> = claims;
      if (text(claims.email) === null) {
        try {
          source = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
        } catch (error) {
          throw providerError(error, "Reading the provider's userinfo failed");
        }
      }
      const email = text(source.email)?.toLowerCase() ?? null;
      return {
        issuer: config.serverMetadata().issuer,
        subject: claims.sub,
        email,
        emailVerified: email !== null && isTrue(source.email_verified),
        name: text(source.name) ?? text(claims.name) ?? text(source.preferred_username),
      };
    },
  };
}
