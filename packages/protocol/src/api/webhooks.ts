import { z } from "zod";
import { webhookEventNames } from "../events.ts";
import { id, isoDate, pageQuery } from "./common.ts";

const eventName = z.enum(webhookEventNames);

export const webhookCreateBody = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).max(2048),
  events: z.array(eventName).min(1).max(webhookEventNames.length),
  active: z.boolean().optional(),
  description: z.string().max(500).optional(),
});

export const webhookUpdateBody = webhookCreateBody.partial();

export const webhook = z.object({
  id,
  url: z.string(),
  events: z.array(z.string()),
  active: z.boolean(),
  description: z.string(),
  /** Why the server switched it off ("gone": the receiver answered 410; "failing": failing for too long). */
  disabledReason: z.enum(["gone", "failing"]).nullable(),
  failingSince: isoDate.nullable(),
  createdAt: isoDate,
  updatedAt: isoDate,
});

/** Shown at creation and on rotation only. */
export const webhookWithSecret = webhook.extend({ secret: z.string() });

export const webhookAttempt = z.object({
  attemptedAt: isoDate,
  statusCode: z.number().int().nullable(),
  durationMs: z.number().int(),
  responseExcerpt: z.string(),
  error: z.string().nullable(),
});

export const webhookDelivery = z.object({
  /** The `webhook-id` header: the same on every attempt. */
  id,
  eventId: z.string().nullable(),
  eventType: z.string(),
  status: z.enum(["pending", "succeeded", "failed"]),
  attempts: z.array(webhookAttempt),
  createdAt: isoDate,
  updatedAt: isoDate,
});

/** A job's life: pending → running → completed, or dead after its last failed attempt. */
export const jobStates = ["pending", "running", "completed", "dead"] as const;

export const job = z.object({
  id: z.number().int(),
  queue: z.string(),
  name: z.string(),
  state: z.enum(jobStates),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  runAt: isoDate,
  lastError: z.string().nullable(),
  createdAt: isoDate,
  finishedAt: isoDate.nullable(),
});

export const jobListQuery = pageQuery.extend({
  state: z.enum(jobStates).optional(),
  queue: z.string().max(64).optional(),
});
