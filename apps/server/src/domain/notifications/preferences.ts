import type { NotificationPreferences } from "@codepark/protocol/api";
import { and, eq, sql } from "drizzle-orm";
import type { Actor } from "../actor.ts";
import type { EventDeps } from "../deps.ts";
import { authorizeAccount } from "../policy.ts";
import type { Executor } from "../ports/database.ts";
import {
  channelDefaults,
  DEFAULT_EMAIL_DIGEST_MINUTES,
  isNotificationKind,
  type NotificationChannel,
  type NotificationKind,
  notificationChannels,
  notificationKinds,
} from "./kinds.ts";
import { notificationPreferences, notificationSettings } from "./schema.ts";

export interface ChannelChoice {
  email: boolean;
  push: boolean;
  /** 0: email each notification at once; otherwise batch over this many minutes. */
  emailDigestMinutes: number;
}

/** Which optional channels one kind of notification takes for one person (defaults filled in). */
export async function channelsFor(
  db: Executor,
  userId: string,
  kind: NotificationKind,
): Promise<ChannelChoice> {
  const rows = await db
    .select({ channel: notificationPreferences.channel, enabled: notificationPreferences.enabled })
    .from(notificationPreferences)
    .where(and(eq(notificationPreferences.userId, userId), eq(notificationPreferences.kind, kind)));
  const [settings] = await db
    .select({ emailDigestMinutes: notificationSettings.emailDigestMinutes })
    .from(notificationSettings)
    .where(eq(notificationSettings.userId, userId));
  const choice: ChannelChoice = {
    ...channelDefaults[kind],
    emailDigestMinutes: settings?.emailDigestMinutes ?? DEFAULT_EMAIL_DIGEST_MINUTES,
  };
  for (const row of rows) choice[row.channel] = row.enabled;
  return choice;
}

async function load(db: Executor, userId: string): Promise<NotificationPreferences> {
  const rows = await db
    .select()
    .from(notificationPreferences)
    .where(eq(notificationPreferences.userId, userId));
  const [settings] = await db
    .select({ emailDigestMinutes: notificationSettings.emailDigestMinutes })
    .from(notificationSettings)
    .where(eq(notificationSettings.userId, userId));
  const kinds = Object.fromEntries(
    notificationKinds.map((kind) => [kind, { ...channelDefaults[kind] }]),
  ) as NotificationPreferences["kinds"];
  for (const row of rows) {
    // A kind that no longer exists is ignored rather than shown.
    if (isNotificationKind(row.kind)) kinds[row.kind][row.channel] = row.enabled;
  }
  return {
    emailDigestMinutes: settings?.emailDigestMinutes ?? DEFAULT_EMAIL_DIGEST_MINUTES,
    kinds,
  };
}

export async function getPreferences(ctx: EventDeps, actor: Actor): Promise<NotificationPreferences> {
  authorizeAccount(actor, "notifications:read");
  return load(ctx.db, actor.userId);
}

export interface PreferencesPatch {
  emailDigestMinutes?: number | undefined;
  kinds?: Partial<Record<NotificationKind, Partial<Record<NotificationChannel, boolean>>>> | undefined;
}

/** Changes what is given and leaves the rest; answers the whole, defaults filled in. */
export async function updatePreferences(
  ctx: EventDeps,
  actor: Actor,
  patch: PreferencesPatch,
): Promise<NotificationPreferences> {
  authorizeAccount(actor, "notifications:manage");
  const userId = actor.userId;
  return ctx.db.transaction(async (tx) => {
    if (patch.emailDigestMinutes !== undefined) {
      await tx
        .insert(notificationSettings)
        .values({ userId, emailDigestMinutes: patch.emailDigestMinutes })
        .onConflictDoUpdate({
          target: notificationSettings.userId,
          set: { emailDigestMinutes: patch.emailDigestMinutes },
        });
    }
    const rows = Object.entries(patch.kinds ?? {}).flatMap(([kind, channels]) =>
      notificationChannels
        .filter((channel) => channels?.[channel] !== undefined)
        .map((channel) => ({ userId, kind, channel, enabled: channels![channel]! })),
    );
    if (rows.length > 0) {
      await tx
        .insert(notificationPreferences)
        .values(rows)
        .onConflictDoUpdate({
          target: [
            notificationPreferences.userId,
            notificationPreferences.kind,
            notificationPreferences.channel,
          ],
          set: { enabled: sql`excluded.enabled` },
        });
    }
    return load(tx, userId);
  });
}
