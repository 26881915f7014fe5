import type { NotificationKind } from "../api/types.ts";

/**
 * Every notification kind with its name in words. Kept here rather than imported from the
 * protocol's list, which would bring zod into the bundle; the Record type makes a new kind on the
 * server a type error until it is named here.
 */
export const KIND_LABELS: Record<NotificationKind, { label: string; hint: string }> = {
  mention: { label: "Mentions", hint: "Someone @mentions you in a chat" },
  member_added: { label: "Added to a project", hint: "Someone adds you to a project" },
  role_changed: { label: "Role changes", hint: "Your role in a project changes" },
  version_restored: {
    label: "Versions restored",
    hint: "Someone restores a version of a file you edited",
  },
  webhook_disabled: {
    label: "Webhooks switched off",
    hint: "CodePark switches off one of your webhooks because it keeps failing",
  },
  account_locked: {
    label: "Sign-in lockouts",
    hint: "Repeated failed sign-ins lock your account for a while",
  },
  export_ready: {
    label: "Data exports",
    hint: "An archive of your data that you (or an admin) asked for is ready to download",
  },
};

export const KINDS = Object.keys(KIND_LABELS) as NotificationKind[];
