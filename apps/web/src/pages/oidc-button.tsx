import { routeRequest } from "@codepark/protocol/api";
import { apiRoutes, call } from "../api/client.ts";
import type { AuthProviders } from "../api/types.ts";
import { useAsync } from "../ui/use-async.ts";

/** Asked once per page load: the sign-in methods only change when the server is reconfigured. */
let providers: Promise<AuthProviders> | null = null;

function loadProviders(): Promise<AuthProviders> {
  providers ??= call(apiRoutes.oidc.providers).catch((error: unknown) => {
    providers = null;
    throw error;
  });
  return providers;
}

/** The URL that starts a sign-in at the identity provider (a navigation: the server redirects). */
export function oidcStartUrl(next: string | null): string {
  return routeRequest(apiRoutes.oidc.start, { query: next ? { redirect: next } : {} }).url;
}

/** "Sign in with <provider>" when the server has OpenID Connect sign-in on; nothing otherwise. */
export function OidcButton({ next }: { next: string | null }) {
  const { data } = useAsync(() => loadProviders(), []);
  const oidc = data?.oidc;
  if (!oidc) return null;
  return (
    <div className="auth-alternative">
      <p className="muted auth-or">or</p>
      <button type="button" onClick={() => window.location.assign(oidcStartUrl(next))}>
        Sign in with {oidc.name}
      </button>
    </div>
  );
}
