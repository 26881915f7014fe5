import { bigserial, boolean, index, integer, jsonb, pgTable, text, unique } from "drizzle-orm/pg-core";
import { timestampColumn } from "../columns.ts";
import { users } from "../users/schema.ts";

export const webhooks = pgTable(
  "webhooks",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    /** Event type names this endpoint receives. */
    events: jsonb("events").$type<string[]>().notNull(),
    active: boolean("active").notNull(),
    description: text("description").notNull(),
    /** Sealed with the at-rest key. */
    secret: text("secret").notNull(),
    /** The secret before the last rotation, still signed with until previousSecretExpiresAt. */
    previousSecret: text("previous_secret"),
    previousSecretExpiresAt: timestampColumn("previous_secret_expires_at"),
    /** Why the server switched the endpoint off ("gone", "failing"); null when a person did. */
    disabledReason: text("disabled_reason"),
    /** Start of the current run of failed attempts; null after any success. */
    failingSince: timestampColumn("failing_since"),
    createdAt: timestampColumn("created_at").notNull(),
    updatedAt: timestampColumn("updated_at").notNull(),
  },
  (table) => [index("webhooks_owner_idx").on(table.ownerId, table.id)],
);

/** One message to one endpoint; its id is the `webhook-id` header, the same on every attempt. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    webhookId: text("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    /** The domain event delivered; null for test sends. */
    eventId: text("event_id"),
    eventType: text("event_type").notNull(),
    /** The exact JSON body, so every attempt sends (and signs) the same bytes. */
    body: text("body").notNull(),
    status: text("status", { enum: ["pending", "succeeded", "failed"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    createdAt: timestampColumn("created_at").notNull(),
    updatedAt: timestampColumn("updated_at").notNull(),
  },
  (table) => [
    unique("webhook_deliveries_event_uq").on(table.webhookId, table.eventId),
    index("webhook_deliveries_webhook_idx").on(table.webhookId, table.id),
  ],
);

/** Every attempt, for the delivery log. */
export const webhookAttempts = pgTable(
  "webhook_attempts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    deliveryId: text("delivery_id")
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: "cascade" }),
    attemptedAt: timestampColumn("attempted_at").notNull(),
    statusCode: integer("status_code"),
    durationMs: integer("duration_ms").notNull(),
    responseExcerpt: text("response_excerpt").notNull(),
    error: text("error"),
  },
  (table) => [index("webhook_attempts_delivery_idx").on(table.deliveryId, table.id)],
);
