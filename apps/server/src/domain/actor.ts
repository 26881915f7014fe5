import type { ApiKeyScope, UserRole } from "@codepark/protocol";

/** Who is calling: a signed-in session (every scope) or an API key (its scopes only). */
export type Actor =
  | { kind: "session"; userId: string; role: UserRole; sessionId: string }
  | { kind: "api_key"; userId: string; role: UserRole; apiKeyId: string; scopes: readonly ApiKeyScope[] };

export function hasScope(actor: Actor, scope: ApiKeyScope): boolean {
  return actor.kind === "session" || actor.scopes.includes(scope);
}

/** Facts about the caller that security-relevant commands record. */
export interface RequestMeta {
  ip?: string | undefined;
  userAgent?: string | undefined;
}
