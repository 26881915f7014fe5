import { jobType, Priority } from "../jobs/job-type.ts";

/**
 * One attempt of one delivery. Retries are scheduled by the handler (the webhook schedule), so the
 * job's own attempt limit is only a backstop, set from the schedule when enqueued.
 */
export const deliverWebhook = jobType<{ deliveryId: string }>({
  name: "webhooks.deliver",
  queue: "webhooks",
  priority: Priority.normal,
  maxAttempts: 8,
});
