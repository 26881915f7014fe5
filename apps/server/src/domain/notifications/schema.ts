import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { timestampColumn } from "../columns.ts";
import { users } from "../users/schema.ts";

/** The in-app inbox: one row per notification for one person. */
export const notifications = pgTable(
  "notifications",
  {
    /** Time-sortable (newId): the pagination cursor. */
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    actorId: text("actor_id"),
    /** What the templates need (names, project, excerpt, link). */
    data: jsonb("data").$type<Record<string, unknown>>().notNull(),
    /** The domain event it came from: a retried dispatch must not notify twice. */
    sourceEventId: text("source_event_id"),
    readAt: timestampColumn("read_at"),
    archivedAt: timestampColumn("archived_at"),
    /** The email channel owes it (email was on for its kind when it was created). */
    emailPending: boolean("email_pending").notNull().default(false),
    /** Set when the email channel has taken it (sent alone or in a digest). */
    emailedAt: timestampColumn("emailed_at"),
    createdAt: timestampColumn("created_at").notNull(),
  },
  (table) => [
    index("notifications_user_idx").on(table.userId, table.id),
    // One notification per (event, person): a retried dispatch inserts nothing twice.
    uniqueIndex("notifications_source_uq").on(table.sourceEventId, table.userId),
  ],
);

/** Unread count per person, kept in the same transaction as every change to their inbox. */
export const notificationCounters = pgTable("notification_counters", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  unread: integer("unread").notNull(),
  /** Bumped with every change: a cache keeps the newest value whatever order commits are seen in. */
  version: bigint("version", { mode: "number" }).notNull().default(0),
});

/** Per person, per kind × channel: on/off. A missing row means the kind's default. */
export const notificationPreferences = pgTable(
  "notification_preferences",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    channel: text("channel", { enum: ["email", "push"] }).notNull(),
    enabled: boolean("enabled").notNull(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.kind, table.channel] })],
);

/** Per-person notification settings that are not per kind. */
export const notificationSettings = pgTable("notification_settings", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  /** 0: one email per notification; otherwise batch emails over this many minutes. */
  emailDigestMinutes: integer("email_digest_minutes").notNull(),
});

/** Web Push subscriptions (one per browser/device). */
export const pushSubscriptions = pgTable(
  "push_subscriptions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    endpoint: text("endpoint").notNull().unique(),
    p256dh: text("p256dh").notNull(),
    auth: text("auth").notNull(),
    userAgent: text("user_agent"),
    createdAt: timestampColumn("created_at").notNull(),
  },
  (table) => [index("push_subscriptions_user_idx").on(table.userId)],
);
