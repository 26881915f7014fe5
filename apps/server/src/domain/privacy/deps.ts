import type { CollabService } from "../collab/service.ts";
import type { EventDeps } from "../deps.ts";
import type { NotificationHub } from "../notifications/hub.ts";

/** How long things live, and the key pseudonyms are made with. */
export interface PrivacySettings {
  /** Instance secret: the same account always gets the same pseudonym, which nobody can reverse. */
  pseudonymKey: Uint8Array;
  /** A download link works this long after it was issued. */
  exportLinkTtlMs: number;
  /** A ready archive is kept this long, then deleted by maintenance. */
  exportRetentionMs: number;
}

/** Exports read live file text (collab) and tell the person (notifications). */
export interface PrivacyDeps extends EventDeps {
  collab: CollabService;
  notifications: NotificationHub;
  privacy: PrivacySettings;
}
