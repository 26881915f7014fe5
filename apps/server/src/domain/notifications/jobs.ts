import { jobType, Priority } from "../jobs/job-type.ts";

/** Email and push deliveries share one queue, so a slow SMTP server never delays webhooks. */
export const NOTIFICATIONS_QUEUE = "notifications";

/** One notification, one email (people without a digest window). */
export const sendNotificationEmail = jobType<{ notificationId: string }>({
  name: "notifications.email",
  queue: NOTIFICATIONS_QUEUE,
  priority: Priority.normal,
  // With the default backoff (5 s doubling, capped at 1 h) this keeps trying for about half a day.
  maxAttempts: 20,
});

/** Everything one person's email channel still owes, in one email, at the end of their window. */
export const sendEmailDigest = jobType<{ userId: string }>({
  name: "notifications.email-digest",
  queue: NOTIFICATIONS_QUEUE,
  priority: Priority.normal,
  maxAttempts: 20,
});

/** One notification to every push subscription of its person. */
export const sendNotificationPush = jobType<{ notificationId: string }>({
  name: "notifications.push",
  queue: NOTIFICATIONS_QUEUE,
  priority: Priority.normal,
  maxAttempts: 10,
});
