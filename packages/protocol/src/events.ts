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
/** A project as events carry it. */
export interface ProjectSummary {
  id: string;
  name: string;
  description: string;
  visibility: "private" | "public";
  createdAt: string;
  updatedAt: string;
}

/** A version of a file as events carry it (no content). */
export interface VersionSummary {
  id: string;
  fileId: string;
  name: string | null;
  kind: "auto" | "named" | "restore";
  size: number;
  createdAt: string;
}

export interface ProjectEventPayloads {
  "project.created": { projectId: string; project: ProjectSummary };
  "project.updated": { projectId: string; changedFields: string[]; project: ProjectSummary };
  "project.deleted": { projectId: string };
  "file.created": { projectId: string; file: FileSummary };
  "file.updated": { projectId: string; file: FileSummary };
  "file.renamed": { projectId: string; file: FileSummary; previousPath: string };
  "file.deleted": { projectId: string; fileId: string; path: string };
  "member.added": { projectId: string; userId: string; role: ProjectRole };
  "member.removed": { projectId: string; userId: string };
  "member.role_changed": { projectId: string; userId: string; role: ProjectRole; previousRole: ProjectRole };
  "version.created": { projectId: string; fileId: string; version: VersionSummary };
  "version.restored": { projectId: string; fileId: string; versionId: string; savedVersionId: string };
}

/** A chat message as events carry it. */
export interface MessageSummary {
  id: string;
  conversationId: string;
  /** Position in its conversation: 1, 2, 3… in the order everyone sees. */
  seq: number;
  authorId: string | null;
  body: string;
  /** User ids mentioned with @name. */
  mentions: string[];
  createdAt: string;
}

/** Events about an account or an integration rather than a project. */
export interface AccountEventPayloads {
  /** A chat message was sent; projectId is null in a direct conversation. */
  "message.created": { conversationId: string; projectId: string | null; message: MessageSummary };
  "user.created": { user: { id: string; email: string; name: string; role: string } };
  /** Sent only to the webhook it names, on request. */
  "webhook.test": { webhookId: string };
  /** An endpoint was switched off by the server (410 Gone, or failing for too long). */
  "webhook.disabled": { webhookId: string; ownerId: string; url: string; reason: "gone" | "failing" };
}

/** Chat changes other than a new message: for live clients, not offered to webhooks. */
export interface ChatEventPayloads {
  "message.updated": {
    conversationId: string;
    projectId: string | null;
    message: MessageSummary & { editedAt: string };
  };
  "message.deleted": { conversationId: string; projectId: string | null; messageId: string; seq: number };
  "message.reaction": {
    conversationId: string;
    projectId: string | null;
    messageId: string;
    userId: string;
    emoji: string;
    /** true: added; false: removed. */
    on: boolean;
  };
  /** Someone read a conversation up to lastReadSeq (read receipts, and unread counts on their other devices). */
  "conversation.read": {
    conversationId: string;
    projectId: string | null;
    userId: string;
    lastReadSeq: number;
  };
}

export interface AccessEventPayloads {
  "session.revoked": { userId: string; sessionId: string };
  "api_key.revoked": { userId: string; apiKeyId: string };
  "user.role_changed": { userId: string; role: string };
  "user.locked_out": { userId: string; failures: number; lockedForSeconds: number };
}

export type ProjectEventName = keyof ProjectEventPayloads;
export type DomainEventPayloads = ProjectEventPayloads &
  AccountEventPayloads &
  ChatEventPayloads &
  AccessEventPayloads;
export type DomainEventName = keyof DomainEventPayloads;

export type DomainEvent = {
  [K in DomainEventName]: { type: K; actorId: string | null; data: DomainEventPayloads[K] };
}[DomainEventName];

export const projectEventNames = [
  "project.created",
  "project.updated",
  "project.deleted",
  "file.created",
  "file.updated",
  "file.renamed",
  "file.deleted",
  "member.added",
  "member.removed",
  "member.role_changed",
  "version.created",
  "version.restored",
] as const satisfies readonly ProjectEventName[];

/**
 * The public catalogue: what webhooks can subscribe to and `GET /api/v1/event-types` describes.
 * Access events (session/API key revocation, role changes) stay internal.
 */
export const webhookEventNames = [
  "user.created",
  "project.created",
  ...projectEventNames.filter((name) => name !== "project.created"),
  "message.created",
  "webhook.test",
  "webhook.disabled",
] as const satisfies readonly DomainEventName[];
export type WebhookEventName = (typeof webhookEventNames)[number];
