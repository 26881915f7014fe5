/**
 * Where emailed links point. An email is read outside the app, so its links must be absolute:
 * PUBLIC_URL when it is set; otherwise the origin the request came to (scheme and Host, or
 * X-Forwarded-Proto/-Host under TRUST_PROXY). The request's Host is whatever the client sent, so
 * a deployment others can reach sets PUBLIC_URL (docs/accounts.md: reset-link poisoning).
 */
export interface LinkBase {
  /** PUBLIC_URL. */
  publicUrl?: string | undefined;
  /** The request's origin, used when there is no PUBLIC_URL. */
  origin?: string | undefined;
}

export function absoluteLink(base: LinkBase, path: string, query: Record<string, string> = {}): string {
  const root = (base.publicUrl ?? base.origin ?? "").replace(/\/+$/, "");
  const search = new URLSearchParams(query).toString();
  return `${root}${path}${search ? `?${search}` : ""}`;
}
