import type { NotificationChannel, NotificationKind, NotificationPreferences } from "../api/types.ts";

/**
 * Notification preferences as a draft, without React: switching a kind's channel, the digest, whether
 * the draft differs from what is saved, what to send. The settings page (preferences.tsx) renders.
 */

export interface DigestOption {
  minutes: number;
  label: string;
}

export const DIGESTS: DigestOption[] = [
  { minutes: 0, label: "Off: one email per notification" },
  { minutes: 15, label: "Every 15 minutes" },
  { minutes: 60, label: "Hourly" },
  { minutes: 1440, label: "Daily" },
];

export const CHANNELS: { id: NotificationChannel; label: string }[] = [
  { id: "email", label: "Email" },
  { id: "push", label: "Browser" },
];

/** Whether a kind reaches one on a channel (off when the preferences do not say). */
export function isOn(
  prefs: NotificationPreferences,
  kind: NotificationKind,
  channel: NotificationChannel,
): boolean {
  return prefs.kinds[kind]?.[channel] ?? false;
}

/** The preferences with one kind's channel switched (a kind not listed yet starts with both off). */
export function toggleChannel(
  prefs: NotificationPreferences,
  kind: NotificationKind,
  channel: NotificationChannel,
  on: boolean,
): NotificationPreferences {
  const switches = prefs.kinds[kind] ?? { email: false, push: false };
  return { ...prefs, kinds: { ...prefs.kinds, [kind]: { ...switches, [channel]: on } } };
}

export function withDigest(prefs: NotificationPreferences, minutes: number): NotificationPreferences {
  return { ...prefs, emailDigestMinutes: minutes };
}

/** The digest choices: the usual ones, plus the saved value when it is another (set through the API). */
export function digestOptions(minutes: number): DigestOption[] {
  return DIGESTS.some((option) => option.minutes === minutes)
    ? DIGESTS
    : [...DIGESTS, { minutes, label: `Every ${minutes} minutes` }];
}

/** Whether the draft differs from the saved preferences (nothing to save while either is missing). */
export function isDirty(
  draft: NotificationPreferences | null,
  saved: NotificationPreferences | undefined,
): boolean {
  return draft !== null && saved !== undefined && JSON.stringify(draft) !== JSON.stringify(saved);
}

/** The request body that saves the draft. */
export function preferencesBody(draft: NotificationPreferences) {
  return { emailDigestMinutes: draft.emailDigestMinutes, kinds: draft.kinds };
}
