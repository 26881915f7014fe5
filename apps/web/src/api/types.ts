import type { PresenceState, Problem } from "@codepark/protocol";
import type {
  apiKey,
  apiKeyCreated,
  authResult,
  ChatMessage,
  Conversation,
  DataExport,
  file,
  fileWithContent,
  member,
  Notification,
  NotificationChannel,
  NotificationKind,
  NotificationPreferences,
  project,
  pushSubscription,
  recoveryCodesResult,
  session,
  twoFactorSetup,
  UnreadCount,
  user,
  version,
  versionWithContent,
} from "@codepark/protocol/api";

/** The output type of a protocol schema, without pulling zod into the bundle. */
type Parsed<T extends { parse: (input: unknown) => unknown }> = ReturnType<T["parse"]>;

export type User = Parsed<typeof user>;
export type AuthResult = Parsed<typeof authResult>;
export type { AuthProviders } from "@codepark/protocol/api";
export type Session = Parsed<typeof session>;
export type TwoFactorSetup = Parsed<typeof twoFactorSetup>;
export type RecoveryCodes = Parsed<typeof recoveryCodesResult>;
export type ApiKey = Parsed<typeof apiKey>;
export type ApiKeyCreated = Parsed<typeof apiKeyCreated>;
export type Project = Parsed<typeof project>;
export type Member = Parsed<typeof member>;
export type FileInfo = Parsed<typeof file>;
export type FileWithContent = Parsed<typeof fileWithContent>;
export type Version = Parsed<typeof version>;
export type VersionWithContent = Parsed<typeof versionWithContent>;
export type ProjectRole = Project["role"] & string;
export type PushSubscriptionInfo = Parsed<typeof pushSubscription>;
export type {
  ChatMessage,
  Conversation,
  DataExport,
  Notification,
  NotificationChannel,
  NotificationKind,
  NotificationPreferences,
  PresenceState,
  Problem,
  UnreadCount,
};
