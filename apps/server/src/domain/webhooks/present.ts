import type { webhookAttempts, webhookDeliveries, webhooks } from "./schema.ts";

type WebhookRow = typeof webhooks.$inferSelect;
type DeliveryRow = typeof webhookDeliveries.$inferSelect;
type AttemptRow = typeof webhookAttempts.$inferSelect;

export interface WebhookView {
  id: string;
  url: string;
  events: string[];
  active: boolean;
  description: string;
  disabledReason: "gone" | "failing" | null;
  failingSince: string | null;
  createdAt: string;
  updatedAt: string;
}

export const presentWebhook = (row: WebhookRow): WebhookView => ({
  id: row.id,
  url: row.url,
  events: row.events,
  active: row.active,
  description: row.description,
  disabledReason: row.disabledReason as WebhookView["disabledReason"],
  failingSince: row.failingSince?.toISOString() ?? null,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

export const presentDelivery = (row: DeliveryRow, attempts: AttemptRow[]) => ({
  id: row.id,
  eventId: row.eventId,
  eventType: row.eventType,
  status: row.status,
  attempts: attempts.map((attempt) => ({
    attemptedAt: attempt.attemptedAt.toISOString(),
    statusCode: attempt.statusCode,
    durationMs: attempt.durationMs,
    responseExcerpt: attempt.responseExcerpt,
    error: attempt.error,
  })),
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});
