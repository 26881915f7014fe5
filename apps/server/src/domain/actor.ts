import type { ApiKeyScope, UserPlan, UserRole } from "@codepark/protocol";

/**
 * Who is calling: a signed-in session (every scope) or an API key (its scopes only). `plan` is the
 * account's rate-limit tier, read fresh with the role.
 */
export type Actor =
  | { kind: "session"; userId: string; role: UserRole; plan: UserPlan; sessionId: string }
  | {
      kind: "api_key";
      userId: string;
      role: UserRole;
      plan: UserPlan;
      apiKeyId: string;
      scopes: readonly ApiKeyScope[];
    };

export function hasScope(actor: Actor, scope: ApiKeyScope): boolean {
  return actor.kind === "session" || actor.scopes.includes(scope);
}

/** Facts about the caller that security-relevant commands record. */
export interface RequestMeta {
  ip?: string | undefined;
  userAgent?: string | undefined;
}
