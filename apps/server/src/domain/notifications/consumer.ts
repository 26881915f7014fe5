import type { DomainEventPayloads } from "@codepark/protocol";
import { and, eq, inArray, ne } from "drizzle-orm";
import { conversationMembers } from "../chat/schema.ts";
import { docVersions } from "../collab/schema.ts";
import type { EventConsumer, EventRow } from "../events/dispatch.ts";
import { fileEditors, files } from "../files/schema.ts";
import type { Clock } from "../ports/clock.ts";
import type { Tx } from "../ports/database.ts";
import { projectMembers, projects } from "../projects/schema.ts";
import { users } from "../users/schema.ts";
import type { NotificationHub } from "./hub.ts";
import type { NotificationKind } from "./kinds.ts";
import { notify } from "./notify.ts";

/** How much of a message a mention notification quotes. */
const EXCERPT_CHARS = 200;

export interface ConsumerDeps {
  clock: Clock;
  hub: NotificationHub;
  /** After a commit that notified someone (email and push jobs may be queued). */
  queued?: () => void;
}

interface Recipient {
  userId: string;
  kind: NotificationKind;
  data: Record<string, unknown>;
}

/**
 * Turns logged events into notifications (an event consumer, run in the dispatch transaction).
 * Who is told is decided with the API's visibility rules as they are at dispatch; notify() is
 * idempotent per (event, person), so a retried dispatch tells nobody twice.
 */
export function notificationConsumer(deps: ConsumerDeps): EventConsumer {
  return async (tx, event, afterCommit) => {
    const recipients = await recipientsOf(tx, event);
    for (const recipient of recipients) {
      await notify(
        tx,
        { clock: deps.clock, hub: deps.hub, afterCommit },
        {
          userId: recipient.userId,
          kind: recipient.kind,
          actorId: event.actorId,
          data: recipient.data,
          sourceEventId: event.id,
        },
      );
    }
    if (recipients.length > 0 && deps.queued) afterCommit(deps.queued);
    return recipients.length;
  };
}

async function recipientsOf(tx: Tx, event: EventRow): Promise<Recipient[]> {
  switch (event.type) {
    case "message.created":
      return mentioned(tx, event, event.data as DomainEventPayloads["message.created"]);
    case "member.added": {
      const data = event.data as DomainEventPayloads["member.added"];
      if (data.userId === event.actorId) return [];
      const project = await projectName(tx, data.projectId);
      if (project === null) return [];
      return [
        {
          userId: data.userId,
          kind: "member_added",
          data: {
            actorName: await userName(tx, event.actorId),
            projectId: data.projectId,
            projectName: project,
            role: data.role,
          },
        },
      ];
    }
    case "member.role_changed": {
      const data = event.data as DomainEventPayloads["member.role_changed"];
      if (data.userId === event.actorId) return [];
      const project = await projectName(tx, data.projectId);
      if (project === null) return [];
      return [
        {
          userId: data.userId,
          kind: "role_changed",
          data: {
            actorName: await userName(tx, event.actorId),
            projectId: data.projectId,
            projectName: project,
            role: data.role,
            previousRole: data.previousRole,
          },
        },
      ];
    }
    case "version.restored":
      return restored(tx, event, event.data as DomainEventPayloads["version.restored"]);
    case "webhook.disabled": {
      const data = event.data as DomainEventPayloads["webhook.disabled"];
      return [
        {
          userId: data.ownerId,
          kind: "webhook_disabled",
          data: { webhookId: data.webhookId, url: data.url, reason: data.reason },
        },
      ];
    }
    case "user.locked_out": {
      const data = event.data as DomainEventPayloads["user.locked_out"];
      return [
        {
          userId: data.userId,
          kind: "account_locked",
          data: { failures: data.failures, lockedForSeconds: data.lockedForSeconds },
        },
      ];
    }
    default:
      return [];
  }
}

/** Everyone @-mentioned in a message, but its author, who can read the conversation. */
async function mentioned(
  tx: Tx,
  event: EventRow,
  data: DomainEventPayloads["message.created"],
): Promise<Recipient[]> {
  const { message } = data;
  const candidates = [...new Set(message.mentions)].filter((userId) => userId !== message.authorId);
  if (candidates.length === 0) return [];
  let readers: string[];
  let name: string | null = null;
  if (data.projectId) {
    name = await projectName(tx, data.projectId);
    if (name === null) return [];
    readers = await projectReaders(tx, data.projectId, candidates);
  } else {
    const rows = await tx
      .select({ userId: conversationMembers.userId })
      .from(conversationMembers)
      .where(
        and(
          eq(conversationMembers.conversationId, data.conversationId),
          inArray(conversationMembers.userId, candidates),
        ),
      );
    readers = rows.map((row) => row.userId);
  }
  if (readers.length === 0) return [];
  const body = message.body.trim();
  const excerpt = body.length > EXCERPT_CHARS ? `${body.slice(0, EXCERPT_CHARS - 1)}…` : body;
  const shared = {
    actorName: await userName(tx, message.authorId ?? event.actorId),
    projectId: data.projectId,
    projectName: name,
    conversationId: data.conversationId,
    messageId: message.id,
    excerpt,
  };
  return readers.map((userId) => ({ userId, kind: "mention" as const, data: shared }));
}

/** People who edited the file (REST writes, restores, live edits), but the restorer. */
async function restored(
  tx: Tx,
  event: EventRow,
  data: DomainEventPayloads["version.restored"],
): Promise<Recipient[]> {
  const editors = await tx
    .select({ userId: fileEditors.userId })
    .from(fileEditors)
    .where(
      and(
        eq(fileEditors.fileId, data.fileId),
        event.actorId ? ne(fileEditors.userId, event.actorId) : undefined,
      ),
    );
  if (editors.length === 0) return [];
  const name = await projectName(tx, data.projectId);
  const [file] = await tx.select({ path: files.path }).from(files).where(eq(files.id, data.fileId));
  if (name === null || !file) return [];
  const readers = await projectReaders(
    tx,
    data.projectId,
    editors.map((editor) => editor.userId),
  );
  if (readers.length === 0) return [];
  const [version] = await tx
    .select({ name: docVersions.name, createdAt: docVersions.createdAt })
    .from(docVersions)
    .where(eq(docVersions.id, data.versionId));
  const versionName = version
    ? (version.name ?? `the version of ${version.createdAt.toISOString().slice(0, 16).replace("T", " ")} UTC`)
    : null;
  const shared = {
    actorName: await userName(tx, event.actorId),
    projectId: data.projectId,
    projectName: name,
    fileId: data.fileId,
    path: file.path,
    versionId: data.versionId,
    versionName,
  };
  return readers.map((userId) => ({ userId, kind: "version_restored" as const, data: shared }));
}

async function projectName(tx: Tx, projectId: string): Promise<string | null> {
  const [row] = await tx.select({ name: projects.name }).from(projects).where(eq(projects.id, projectId));
  return row?.name ?? null;
}

async function userName(tx: Tx, userId: string | null): Promise<string | null> {
  if (!userId) return null;
  const [row] = await tx.select({ name: users.name }).from(users).where(eq(users.id, userId));
  return row?.name ?? null;
}

/** Of the given people, those who may read the project now: members, admins, anyone if public. */
async function projectReaders(tx: Tx, projectId: string, userIds: string[]): Promise<string[]> {
  if (userIds.length === 0) return [];
  const [project] = await tx
    .select({ visibility: projects.visibility })
    .from(projects)
    .where(eq(projects.id, projectId));
  if (!project) return [];
  const rows = await tx
    .select({ id: users.id, role: users.role, memberRole: projectMembers.role })
    .from(users)
    .leftJoin(
      projectMembers,
      and(eq(projectMembers.userId, users.id), eq(projectMembers.projectId, projectId)),
    )
    .where(inArray(users.id, userIds));
  return rows
    .filter((row) => row.role === "admin" || row.memberRole !== null || project.visibility === "public")
    .map((row) => row.id);
}
