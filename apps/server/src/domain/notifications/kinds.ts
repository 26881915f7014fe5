import {
  type NotificationChannel,
  type NotificationKind,
  notificationChannels,
  notificationKinds,
} from "@codepark/protocol/api";

export type { NotificationChannel, NotificationKind };
export { notificationChannels, notificationKinds };

/**
 * What each kind does on each optional channel until the person says otherwise (the in-app inbox
 * always gets everything). Email for things you would want to hear about while away; push only
 * for mentions, the one kind that usually wants an answer soon.
 */
export const channelDefaults: Record<NotificationKind, Record<NotificationChannel, boolean>> = {
  mention: { email: true, push: true },
  member_added: { email: true, push: false },
  role_changed: { email: false, push: false },
  version_restored: { email: false, push: false },
  webhook_disabled: { email: true, push: false },
  account_locked: { email: true, push: false },
  export_ready: { email: true, push: false },
};

/**
 * Kinds whose email goes out at once even for people with a digest window: a data export's email
 * carries a download link that works for an hour, which a digest could deliver dead.
 */
export const undigestedKinds: ReadonlySet<NotificationKind> = new Set(["export_ready"]);

/**
 * Security notices about the account itself: emailed even while the address is unverified, like the
 * account emails (docs/accounts.md); every other kind waits for a verified address.
 */
export const securityKinds: ReadonlySet<NotificationKind> = new Set(["account_locked"]);

/** 0: one email per notification. */
export const DEFAULT_EMAIL_DIGEST_MINUTES = 0;

const kinds = new Set<string>(notificationKinds);
export const isNotificationKind = (value: string): value is NotificationKind => kinds.has(value);
