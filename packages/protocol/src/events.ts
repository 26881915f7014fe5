import type { ProjectRole } from "./auth.ts";

/** A file as events carry it (no content). */
export interface FileSummary {
  id: string;
  projectId: string;
  path: string;
  language: string;
  size: number;
  updatedAt: string;
}

/**
 * Domain events: what happened, after it committed. Realtime clients in `project:<id>` receive the
 * project events under the same names; the access events drive revocation of live connections.
 */
export interface ProjectEventPayloads {
  "project.updated": { projectId: string; changedFields: string[]; project: Record<string, unknown> };
  "project.deleted": { projectId: string };
  "file.created": { projectId: string; file: FileSummary };
  "file.updated": { projectId: string; file: FileSummary };
  "file.renamed": { projectId: string; file: FileSummary; previousPath: string };
  "file.deleted": { projectId: string; fileId: string; path: string };
  "member.added": { projectId: string; userId: string; role: ProjectRole };
  "member.removed": { projectId: string; userId: string };
  "member.role_changed": { projectId: string; userId: string; role: ProjectRole; previousRole: ProjectRole };
}

export interface AccessEventPayloads {
  "session.revoked": { userId: string; sessionId: string };
  "api_key.revoked": { userId: string; apiKeyId: string };
  "user.role_changed": { userId: string; role: string };
}

export type ProjectEventName = keyof ProjectEventPayloads;
export type DomainEventPayloads = ProjectEventPayloads & AccessEventPayloads;
export type DomainEventName = keyof DomainEventPayloads;

export type DomainEvent = {
  [K in DomainEventName]: { type: K; actorId: string | null; data: DomainEventPayloads[K] };
}[DomainEventName];

export const projectEventNames = [
  "project.updated",
  "project.deleted",
  "file.created",
  "file.updated",
  "file.renamed",
  "file.deleted",
  "member.added",
  "member.removed",
  "member.role_changed",
] as const satisfies readonly ProjectEventName[];
