import type { ApiKeyScope, ProjectRole } from "@codepark/protocol";
import { type Actor, hasScope } from "./actor.ts";
import { AppError } from "./errors.ts";

/**
 * The one authorization policy. Routes, and later sockets and GraphQL, ask it the same questions.
 * A rule names which project roles may act and which API-key scope the action needs.
 */
export type ProjectAction =
  | "project:read"
  | "project:update"
  | "project:delete"
  | "members:read"
  | "members:manage"
  | "project:leave"
  | "files:read"
  | "files:write"
  | "chat:read"
  | "chat:post";

interface Rule {
  roles: readonly ProjectRole[];
  scope: ApiKeyScope;
  /** Whether anyone signed in may do this on a public project. */
  public: boolean;
}

const READERS = ["owner", "editor", "viewer"] as const;

const projectRules: Record<ProjectAction, Rule> = {
  "project:read": { roles: READERS, scope: "projects:read", public: true },
  "members:read": { roles: READERS, scope: "projects:read", public: true },
  "files:read": { roles: READERS, scope: "projects:read", public: true },
  "files:write": { roles: ["owner", "editor"], scope: "projects:write", public: false },
  "project:update": { roles: ["owner"], scope: "projects:write", public: false },
  "project:delete": { roles: ["owner"], scope: "projects:write", public: false },
  "members:manage": { roles: ["owner"], scope: "projects:write", public: false },
  "project:leave": { roles: READERS, scope: "projects:write", public: false },
  // Any member may talk in the project channel, viewers too: chat is not editing.
  "chat:read": { roles: READERS, scope: "projects:read", public: true },
  "chat:post": { roles: READERS, scope: "projects:write", public: false },
};

export interface ProjectAccess {
  visibility: "private" | "public";
  /** The actor's membership role, or null for a non-member. */
  memberRole: ProjectRole | null;
}

function canSee(actor: Actor, access: ProjectAccess): boolean {
  return actor.role === "admin" || access.memberRole !== null || access.visibility === "public";
}

/** Pure decision, for callers that want a boolean (e.g. a collaboration socket choosing read-only). */
export function can(actor: Actor, action: ProjectAction, access: ProjectAccess): boolean {
  const rule = projectRules[action];
  if (!hasScope(actor, rule.scope)) return false;
  if (actor.role === "admin") return true;
  if (access.memberRole !== null && rule.roles.includes(access.memberRole)) return true;
  return rule.public && access.visibility === "public";
}

/**
 * Throws the error a caller should see: 404 when the project is invisible to them (existence is
 * not leaked), 403 insufficient_scope for an API key without the scope, 403 forbidden otherwise.
 */
export function authorizeProject(actor: Actor, action: ProjectAction, access: ProjectAccess): void {
  if (!canSee(actor, access)) throw new AppError("not_found", "Project not found");
  if (can(actor, action, access)) return;
  if (!hasScope(actor, projectRules[action].scope)) {
    throw new AppError("insufficient_scope", `This API key needs the ${projectRules[action].scope} scope`);
  }
  throw new AppError("forbidden", "Your role in this project does not allow this");
}

export type AccountAction =
  | "projects:list"
  | "projects:create"
  | "users:list"
  | "users:manage"
  | "webhooks:read"
  | "webhooks:manage"
  | "audit:read"
  | "audit:read-all"
  | "jobs:manage"
  | "notifications:read"
  | "notifications:manage";

const accountRules: Record<AccountAction, { adminOnly: boolean; scope: ApiKeyScope }> = {
  "projects:list": { adminOnly: false, scope: "projects:read" },
  "projects:create": { adminOnly: false, scope: "projects:write" },
  "users:list": { adminOnly: true, scope: "users:read" },
  "users:manage": { adminOnly: true, scope: "users:write" },
  "webhooks:read": { adminOnly: false, scope: "webhooks:read" },
  "webhooks:manage": { adminOnly: false, scope: "webhooks:write" },
  "audit:read": { adminOnly: false, scope: "users:read" },
  "audit:read-all": { adminOnly: true, scope: "users:read" },
  "jobs:manage": { adminOnly: true, scope: "users:write" },
  // Your own inbox and notification settings: API keys need the account scopes.
  "notifications:read": { adminOnly: false, scope: "users:read" },
  "notifications:manage": { adminOnly: false, scope: "users:write" },
};

export function authorizeAccount(actor: Actor, action: AccountAction): void {
  const rule = accountRules[action];
  if (rule.adminOnly && actor.role !== "admin") throw new AppError("forbidden", "Only admins may do this");
  if (!hasScope(actor, rule.scope))
    throw new AppError("insufficient_scope", `This API key needs the ${rule.scope} scope`);
}

/** Credentials, sessions, 2FA and API keys are managed only from a signed-in session, never by an API key. */
export function requireSession(actor: Actor): asserts actor is Extract<Actor, { kind: "session" }> {
  if (actor.kind !== "session") throw new AppError("session_required");
}
