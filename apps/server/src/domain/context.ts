import type { Clock } from "../infra/clock.ts";
import type { SecretBox } from "../infra/crypto/secret-box.ts";
import type { Db } from "../infra/db/database.ts";
import type { AccessTokens } from "./auth/access-tokens.ts";
import type { CollabService } from "./collab/service.ts";
import type { NotificationHub } from "./notifications/hub.ts";
import type { EventBus } from "./ports/event-bus.ts";
import type { WebhookSettings } from "./webhooks/settings.ts";

/** What domain commands need from the outside world, built once by the composition root. */
export interface DomainContext {
  db: Db;
  clock: Clock;
  box: SecretBox;
  accessTokens: AccessTokens;
  /** Committed domain events, for this node's transports. Publish only after the transaction commits. */
  events: EventBus;
  /** Live documents: file content is read and written through them. */
  collab: CollabService;
  webhooks: WebhookSettings;
  /** The unread-count cache and the live channel to each person's connections. */
  notifications: NotificationHub;
  limits: {
    refreshTokenTtlDays: number;
    maxFileBytes: number;
  };
}

/** Facts about the caller that security-relevant commands record. */
export interface RequestMeta {
  ip?: string | undefined;
  userAgent?: string | undefined;
}
