import type { AccountDeps } from "./domain/account/deps.ts";
import type { AttemptDeps } from "./domain/auth/login.ts";
import type { OidcDeps } from "./domain/auth/oidc.ts";
import type { SessionDeps } from "./domain/auth/sessions.ts";
import type { TwoFactorDeps } from "./domain/auth/two-factor.ts";
import type { ChatDeps } from "./domain/chat/send.ts";
import type { VersionsDeps } from "./domain/collab/versions.ts";
import type { FileDeps } from "./domain/files/commands.ts";
import type { InboxDeps } from "./domain/notifications/inbox.ts";
import type { PrivacyDeps } from "./domain/privacy/deps.ts";
import type { WebhookDeps } from "./domain/webhooks/commands.ts";

/**
 * Everything the composition root wires for the domain, handed to every transport. Domain code never
 * sees this whole: each command declares the few ports it takes (its `…Deps`), and this satisfies them all.
 */
export type Services = SessionDeps &
  AccountDeps &
  TwoFactorDeps &
  ChatDeps &
  AttemptDeps &
  OidcDeps &
  FileDeps &
  VersionsDeps &
  InboxDeps &
  WebhookDeps &
  PrivacyDeps;
