export const userRoles = ["admin", "user"] as const;
export type UserRole = (typeof userRoles)[number];
/** Rate-limit tiers an account can be on (anonymous callers are a tier of their own). */
export const userPlans = ["free", "pro", "enterprise"] as const;
export type UserPlan = (typeof userPlans)[number];

export const projectRoles = ["owner", "editor", "viewer"] as const;
export type ProjectRole = (typeof projectRoles)[number];

/** Scopes an API key can carry. A session (access token) has every scope its user's role allows. */
export const apiKeyScopes = [
  "projects:read",
  "projects:write",
  "users:read",
  "users:write",
  "webhooks:read",
  "webhooks:write",
] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

/** Recognisable prefixes so leaked secrets can be found by scanners and told apart at a glance. */
export const API_KEY_PREFIX = "cpk_";
export const REFRESH_TOKEN_PREFIX = "cprt_";
