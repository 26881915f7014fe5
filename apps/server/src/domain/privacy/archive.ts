import { and, asc, eq, inArray, or } from "drizzle-orm";
import { strToU8, type Zippable, zipSync } from "fflate";
import { presentAuditEntry } from "../audit/query.ts";
import { auditLog } from "../audit/schema.ts";
import { apiKeys, sessions } from "../auth/schema.ts";
import { conversations, messageReactions, messages } from "../chat/schema.ts";
import { docVersions } from "../collab/schema.ts";
import { fileEditors, files } from "../files/schema.ts";
import {
  notificationPreferences,
  notificationSettings,
  notifications,
  pushSubscriptions,
} from "../notifications/schema.ts";
import { projectMembers, projects } from "../projects/schema.ts";
import { recoveryCodes, userIdentities, users } from "../users/schema.ts";
import { webhooks } from "../webhooks/schema.ts";
import type { PrivacyDeps } from "./deps.ts";

const json = (value: unknown) => strToU8(`${JSON.stringify(value, null, 2)}\n`);
const iso = (date: Date | null) => date?.toISOString() ?? null;

const README = `CodePark data export
====================

Everything CodePark holds about your account, as JSON, plus the text of the projects you own.

profile.json                    your account (no password hash, no two-factor secret)
sessions.json                   sign-ins (devices), including ended ones not yet purged
api-keys.json                   your API keys: names, prefixes, scopes, times (never the keys)
identities.json                 linked external sign-ins (OIDC)
memberships.json                every project you are a member of, with your role
projects/<id>/project.json      each project you own: details, members, files and their versions
projects/<id>/files/<path>      the current text of each file (live edits included)
projects/<id>/versions/<id>.txt the text of each saved version
messages.json                   chat messages you wrote (deleted ones without text)
reactions.json                  your reactions to messages
notifications.json              your notifications
notification-preferences.json   your notification settings
push-subscriptions.json         browsers registered for push (the push service's host only)
webhooks.json                   your webhooks (never their signing secrets)
file-edits.json                 files you have edited
audit.json                      audit log entries you made or that are about your account

See docs/privacy.md in CodePark for what each part means.
`;

/**
 * The archive of everything about one person (docs/privacy.md): JSON files plus the text of the
 * projects they own. Secrets never go in: no password hash, TOTP secret, key or token hashes,
 * webhook secrets, push encryption keys, nor download links (the token of an earlier export).
 */
export async function buildArchive(ctx: PrivacyDeps, userId: string): Promise<Uint8Array> {
  const db = ctx.db;
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  if (!user) throw new Error(`user ${userId} not found`);
  const codes = await db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  const entries: Zippable = { "README.txt": strToU8(README) };

  entries["profile.json"] = json({
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    plan: user.plan,
    emailVerifiedAt: iso(user.emailVerifiedAt),
    twoFactorEnabled: user.totpSecret !== null,
    recoveryCodesLeft: codes.filter((code) => code.usedAt === null).length,
    createdAt: iso(user.createdAt),
    updatedAt: iso(user.updatedAt),
  });

  const signIns = await db
    .select()
    .from(sessions)
    .where(eq(sessions.userId, userId))
    .orderBy(asc(sessions.id));
  entries["sessions.json"] = json(
    signIns.map((row) => ({
      id: row.id,
      ip: row.ip,
      userAgent: row.userAgent,
      createdAt: iso(row.createdAt),
      lastSeenAt: iso(row.lastSeenAt),
      expiresAt: iso(row.expiresAt),
      revokedAt: iso(row.revokedAt),
    })),
  );

  const keys = await db.select().from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(asc(apiKeys.id));
  entries["api-keys.json"] = json(
    keys.map((row) => ({
      id: row.id,
      name: row.name,
      prefix: row.prefix,
      scopes: row.scopes,
      createdAt: iso(row.createdAt),
      lastUsedAt: iso(row.lastUsedAt),
    })),
  );

  const identities = await db.select().from(userIdentities).where(eq(userIdentities.userId, userId));
  entries["identities.json"] = json(
    identities.map((row) => ({
      issuer: row.issuer,
      subject: row.subject,
      email: row.email,
      createdAt: iso(row.createdAt),
    })),
  );

  const memberships = await db
    .select({
      projectId: projectMembers.projectId,
      name: projects.name,
      role: projectMembers.role,
      joinedAt: projectMembers.createdAt,
    })
    .from(projectMembers)
    .innerJoin(projects, eq(projects.id, projectMembers.projectId))
    .where(eq(projectMembers.userId, userId))
    .orderBy(asc(projectMembers.projectId));
  entries["memberships.json"] = json(memberships.map((row) => ({ ...row, joinedAt: iso(row.joinedAt) })));

  for (const { projectId } of memberships.filter((row) => row.role === "owner")) {
    Object.assign(entries, await projectEntries(ctx, projectId));
  }

  const written = await db
    .select({ message: messages, kind: conversations.kind, projectId: conversations.projectId })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .where(eq(messages.authorId, userId))
    .orderBy(asc(messages.id));
  entries["messages.json"] = json(
    written.map(({ message, kind, projectId }) => ({
      id: message.id,
      conversationId: message.conversationId,
      conversation: kind,
      projectId,
      seq: message.seq,
      body: message.deletedAt ? "" : message.body,
      mentions: message.deletedAt ? [] : message.mentions,
      createdAt: iso(message.createdAt),
      editedAt: iso(message.editedAt),
      deletedAt: iso(message.deletedAt),
    })),
  );

  const reactions = await db.select().from(messageReactions).where(eq(messageReactions.userId, userId));
  entries["reactions.json"] = json(
    reactions.map((row) => ({ messageId: row.messageId, emoji: row.emoji, createdAt: iso(row.createdAt) })),
  );

  const inbox = await db
    .select()
    .from(notifications)
    .where(eq(notifications.userId, userId))
    .orderBy(asc(notifications.id));
  entries["notifications.json"] = json(
    inbox.map((row) => ({
      id: row.id,
      kind: row.kind,
      actorId: row.actorId,
      data: withoutLinks(row.data),
      readAt: iso(row.readAt),
      archivedAt: iso(row.archivedAt),
      emailedAt: iso(row.emailedAt),
      createdAt: iso(row.createdAt),
    })),
  );

  const preferences = await db
    .select()
    .from(notificationPreferences)
    .where(eq(notificationPreferences.userId, userId));
  const [settings] = await db
    .select()
    .from(notificationSettings)
    .where(eq(notificationSettings.userId, userId));
  entries["notification-preferences.json"] = json({
    emailDigestMinutes: settings?.emailDigestMinutes ?? null,
    choices: preferences.map((row) => ({ kind: row.kind, channel: row.channel, enabled: row.enabled })),
  });

  const pushes = await db.select().from(pushSubscriptions).where(eq(pushSubscriptions.userId, userId));
  entries["push-subscriptions.json"] = json(
    pushes.map((row) => ({
      id: row.id,
      pushService: hostOf(row.endpoint),
      userAgent: row.userAgent,
      createdAt: iso(row.createdAt),
    })),
  );

  const hooks = await db
    .select()
    .from(webhooks)
    .where(eq(webhooks.ownerId, userId))
    .orderBy(asc(webhooks.id));
  entries["webhooks.json"] = json(
    hooks.map((row) => ({
      id: row.id,
      url: row.url,
      events: row.events,
      active: row.active,
      description: row.description,
      disabledReason: row.disabledReason,
      createdAt: iso(row.createdAt),
      updatedAt: iso(row.updatedAt),
    })),
  );

  const edits = await db.select().from(fileEditors).where(eq(fileEditors.userId, userId));
  entries["file-edits.json"] = json(
    edits.map((row) => ({ fileId: row.fileId, lastEditedAt: iso(row.lastEditedAt) })),
  );

  // The same rule as GET /audit for a non-admin: entries they made, or about their account.
  const audit = await db
    .select()
    .from(auditLog)
    .where(
      or(eq(auditLog.actorId, userId), and(eq(auditLog.targetType, "user"), eq(auditLog.targetId, userId))),
    )
    .orderBy(asc(auditLog.id));
  entries["audit.json"] = json(audit.map(presentAuditEntry));

  return zipSync(entries, { level: 6 });
}

/** One owned project: its details and members, each file's current text, each version's text. */
async function projectEntries(ctx: PrivacyDeps, projectId: string): Promise<Zippable> {
  const [project] = await ctx.db.select().from(projects).where(eq(projects.id, projectId));
  if (!project) return {};
  const members = await ctx.db
    .select({
      userId: projectMembers.userId,
      name: users.name,
      role: projectMembers.role,
      joinedAt: projectMembers.createdAt,
    })
    .from(projectMembers)
    .innerJoin(users, eq(users.id, projectMembers.userId))
    .where(eq(projectMembers.projectId, projectId))
    .orderBy(asc(projectMembers.createdAt));
  const fileRows = await ctx.db
    .select()
    .from(files)
    .where(eq(files.projectId, projectId))
    .orderBy(asc(files.path));
  const versions =
    fileRows.length === 0
      ? []
      : await ctx.db
          .select()
          .from(docVersions)
          .where(
            inArray(
              docVersions.fileId,
              fileRows.map((file) => file.id),
            ),
          )
          .orderBy(asc(docVersions.id));
  const base = `projects/${projectId}`;
  const entries: Zippable = {};
  const described = [];
  for (const file of fileRows) {
    // The live text: a document being edited may be ahead of the stored snapshot.
    const text = await ctx.collab.readText(file.id, projectId, file.content);
    entries[`${base}/files/${file.path}`] = strToU8(text);
    const own = versions.filter((version) => version.fileId === file.id);
    for (const version of own) entries[`${base}/versions/${version.id}.txt`] = strToU8(version.content);
    described.push({
      id: file.id,
      path: file.path,
      language: file.language,
      size: Buffer.byteLength(text),
      createdAt: iso(file.createdAt),
      updatedAt: iso(file.updatedAt),
      versions: own.map((version) => ({
        id: version.id,
        name: version.name,
        kind: version.kind,
        size: version.size,
        createdBy: version.createdBy,
        createdAt: iso(version.createdAt),
      })),
    });
  }
  entries[`${base}/project.json`] = json({
    id: project.id,
    name: project.name,
    description: project.description,
    visibility: project.visibility,
    createdAt: iso(project.createdAt),
    updatedAt: iso(project.updatedAt),
    members: members.map((member) => ({ ...member, joinedAt: iso(member.joinedAt) })),
    files: described,
  });
  return entries;
}

/** An earlier export's notification carries its download link (a credential): left out. */
function withoutLinks(data: Record<string, unknown>): Record<string, unknown> {
  const { downloadUrl: _link, ...rest } = data;
  return rest;
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}
