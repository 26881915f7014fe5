import { z } from "zod";
import { id, isoDate, pageQuery } from "./common.ts";

/** What a notification is about. */
export const notificationKinds = [
  "mention",
  "member_added",
  "role_changed",
  "version_restored",
  "webhook_disabled",
  "account_locked",
  "export_ready",
] as const;
export type NotificationKind = (typeof notificationKinds)[number];

/** Channels a person can switch per kind; the in-app inbox always receives everything. */
export const notificationChannels = ["email", "push"] as const;
export type NotificationChannel = (typeof notificationChannels)[number];

const kind = z.enum(notificationKinds);

/** One entry of the inbox, as the API lists it and Socket.IO's `notification` event carries it. */
export const notification = z.object({
  id,
  kind,
  /** Who caused it; null when the server did (a webhook switched off). */
  actorId: z.string().nullable(),
  /** What the templates were rendered from (names, project, file, excerpt). */
  data: z.record(z.string(), z.unknown()),
  /** One-line summary, e.g. "Ada mentioned you in Apollo". */
  title: z.string(),
  body: z.string(),
  /** Where it leads in the web app (a path, or an absolute URL when PUBLIC_URL is set). */
  url: z.string(),
  readAt: isoDate.nullable(),
  archivedAt: isoDate.nullable(),
  createdAt: isoDate,
});
export type Notification = z.infer<typeof notification>;

const booleanQuery = z.enum(["true", "false"]).transform((value) => value === "true");

export const notificationListQuery = pageQuery.extend({
  /** true: only unread ones. */
  unread: booleanQuery.optional(),
  /** true: only archived ones; false (default): only those not archived. */
  archived: booleanQuery.optional(),
});

export const notificationIdsBody = z.strictObject({ ids: z.array(id).min(1).max(100) });

export const unreadCount = z.object({ unread: z.number().int().min(0) });
export type UnreadCount = z.infer<typeof unreadCount>;

const channelSwitches = z.object({ email: z.boolean(), push: z.boolean() });

/** Minutes an email digest collects notifications for; 0 sends one email per notification. */
export const emailDigestMinutes = z.number().int().min(0).max(1440);

export const notificationPreferences = z.object({
  emailDigestMinutes,
  /** Every kind, with its defaults filled in. */
  kinds: z.record(kind, channelSwitches),
});
export type NotificationPreferences = z.infer<typeof notificationPreferences>;

/** A partial update: kinds and channels left out keep their current setting. */
export const notificationPreferencesBody = z.strictObject({
  emailDigestMinutes: emailDigestMinutes.optional(),
  kinds: z
    .partialRecord(kind, z.strictObject({ email: z.boolean(), push: z.boolean() }).partial())
    .optional(),
});
