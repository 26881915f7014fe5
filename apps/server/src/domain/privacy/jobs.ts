import { jobType, Priority } from "../jobs/job-type.ts";

/** Data exports have their own queue: a large archive never holds up email or webhooks. */
export const PRIVACY_QUEUE = "privacy";

/** Builds one data export's archive, stores it and tells the person. */
export const buildExport = jobType<{ exportId: string }>({
  name: "privacy.export",
  queue: PRIVACY_QUEUE,
  priority: Priority.normal,
  maxAttempts: 5,
});
