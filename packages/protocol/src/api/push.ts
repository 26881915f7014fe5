import { z } from "zod";
import { id, isoDate } from "./common.ts";

/** The VAPID public key: browsers pass it to pushManager.subscribe() as applicationServerKey. */
export const vapidPublicKey = z.object({
  publicKey: z.string().describe("base64url, uncompressed P-256 point"),
});

/**
 * PushSubscription.toJSON() as a browser gives it. Unknown fields (expirationTime, and whatever
 * browsers add) are accepted and ignored, so the JSON can be sent as it is.
 */
export const pushSubscriptionCreateBody = z.object({
  endpoint: z.url({ protocol: /^https?$/ }).max(2048),
  expirationTime: z.number().nullable().optional(),
  keys: z.object({
    p256dh: z
      .string()
      .regex(/^[A-Za-z0-9_-]{87}=?$/, "must be a 65-byte P-256 public key, base64url")
      .describe("The browser's P-256 public key, base64url"),
    auth: z
      .string()
      .regex(/^[A-Za-z0-9_-]{22}(==)?$/, "must be a 16-byte secret, base64url")
      .describe("The browser's 16-byte auth secret, base64url"),
  }),
});

export const pushSubscription = z.object({
  id,
  endpoint: z.string(),
  /** The browser that subscribed (its User-Agent then), to tell devices apart. */
  userAgent: z.string().nullable(),
  createdAt: isoDate,
});
