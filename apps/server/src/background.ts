import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Config } from "./config.ts";
import { ACCOUNT_QUEUE, deliverAccountEmail, sendAccountEmail } from "./domain/account/mail.ts";
import { passwordResetRequest, processPasswordResetRequest } from "./domain/account/password-reset.ts";
import type { EventConsumer } from "./domain/events/dispatch.ts";
import { EventDispatcher } from "./domain/events/dispatcher.ts";
import {
  compactDocuments,
  compactIdleDocuments,
  maintenanceSchedules,
  purgeExpiredExports,
  purgeExpiredSessions,
  purgeFinishedJobs,
  purgeJobs,
  purgeSessions,
} from "./domain/maintenance.ts";
import { notificationConsumer } from "./domain/notifications/consumer.ts";
import { emailDigest, emailNotification, pushNotification } from "./domain/notifications/deliver.ts";
import {
  NOTIFICATIONS_QUEUE,
  sendEmailDigest,
  sendNotificationEmail,
  sendNotificationPush,
} from "./domain/notifications/jobs.ts";
import type { Database, Db } from "./domain/ports/database.ts";
import type { Mailer } from "./domain/ports/mailer.ts";
import type { PushSender } from "./domain/ports/push.ts";
import { runExport } from "./domain/privacy/build-export.ts";
import { buildExport, PRIVACY_QUEUE } from "./domain/privacy/jobs.ts";
import { purgeExports } from "./domain/privacy/retention.ts";
import { followUpRegistration, registrationFollowUp } from "./domain/users/register.ts";
import { webhookDeliverer } from "./domain/webhooks/deliver.ts";
import { fanOutToWebhooks } from "./domain/webhooks/fanout.ts";
import { deliverWebhook } from "./domain/webhooks/jobs.ts";
import { backoffDelayMs } from "./infra/queue/backoff.ts";
import type { JobMetrics } from "./infra/queue/metrics.ts";
import { JobRunner } from "./infra/queue/runner.ts";
import { Scheduler } from "./infra/queue/schedules.ts";
import type { Services } from "./services.ts";

/** Default per-queue concurrency on one node; JOBS_CONCURRENCY overrides any of them. */
const DEFAULT_CONCURRENCY = {
  // Deliveries mostly wait on receivers, and the ones running together share their statements.
  webhooks: 64,
  maintenance: 1,
  [NOTIFICATIONS_QUEUE]: 4,
  [ACCOUNT_QUEUE]: 2,
  // An archive is built in memory: one at a time per node.
  [PRIVACY_QUEUE]: 1,
};

export interface BackgroundDeps {
  config: Config;
  db: Db;
  /** PGlite: this process is the store's only user (no other node can leave events behind). */
  store: "pglite" | "postgres";
  ctx: Services;
  metrics: JobMetrics;
  /** Notification and account email, web push. */
  mailer: Mailer;
  push: PushSender;
  /** The store's feed of jobs becoming pending, where it has one (Database.watchPendingJobs). */
  watchPendingJobs: Database["watchPendingJobs"];
  log: {
    error(details: object, message: string): void;
    warn(details: object, message: string): void;
  };
}

export interface Background {
  runner: JobRunner;
  dispatcher: EventDispatcher;
  /** Stops dispatching and claiming; running jobs get until the deadline (see JobRunner.stop). */
  stop(deadlineMs: number): Promise<void>;
}

/**
 * The event dispatcher (the outbox's consumers: webhook fan-out, notifications) and the job runner
 * with every handler and schedule: webhook deliveries, notification email and push, housekeeping.
 */
export async function startBackground({
  config,
  db,
  store,
  ctx,
  metrics,
  mailer,
  push,
  log,
  watchPendingJobs,
}: BackgroundDeps): Promise<Background> {
  const scheduler = new Scheduler(db, ctx.clock, maintenanceSchedules);
  await scheduler.register();
  const runner = new JobRunner({
    db,
    clock: ctx.clock,
    nodeId: `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`,
    concurrency: { ...DEFAULT_CONCURRENCY, ...config.JOBS_CONCURRENCY },
    pollIntervalMs: config.JOBS_POLL_INTERVAL_MS,
    leaseMs: config.JOBS_LEASE_MS,
    backoff: { baseMs: config.JOBS_BACKOFF_BASE_MS, maxMs: config.JOBS_BACKOFF_MAX_MS },
    metrics,
    log,
    beforePoll: async () => {
      await scheduler.tick();
      return scheduler.nextDue();
    },
    // Embedded store: it reports every enqueue, so the runner sleeps until work comes due.
    pendingJobs: watchPendingJobs,
  });

  // Each consumer wakes the queue it fed, once its pass commits: the deliveries and notification
  // jobs run now rather than at the next poll, and a pass that queued nothing wakes nobody.
  const consumers: EventConsumer[] = [
    async (tx, event, afterCommit) => {
      if ((await fanOutToWebhooks(tx, ctx.clock, ctx.webhooks, [event])) > 0)
        afterCommit(() => runner.wake("webhooks"));
    },
    notificationConsumer({
      clock: ctx.clock,
      hub: ctx.notifications,
      queued: () => runner.wake(NOTIFICATIONS_QUEUE),
    }),
  ];
  const backoff = { baseMs: config.JOBS_BACKOFF_BASE_MS, maxMs: config.JOBS_BACKOFF_MAX_MS };
  const dispatcher = new EventDispatcher({
    db,
    clock: ctx.clock,
    consumers,
    pollIntervalMs: store === "pglite" ? null : config.JOBS_POLL_INTERVAL_MS,
    retryDelayMs: (attempt) => backoffDelayMs(attempt, backoff),
    log,
  });
  const deliver = webhookDeliverer({
    db,
    clock: ctx.clock,
    box: ctx.box,
    events: ctx.events,
    settings: ctx.webhooks,
    http: ctx.http,
  });
  runner.handle(deliverWebhook, ({ deliveryId }) => deliver(deliveryId));
  const delivery = { db, clock: ctx.clock, links: ctx.notifications.links, mailer, push, log };
  runner.handle(sendNotificationEmail, ({ notificationId }) => emailNotification(delivery, notificationId));
  runner.handle(sendEmailDigest, ({ userId }) => emailDigest(delivery, userId));
  runner.handle(sendNotificationPush, ({ notificationId }) => pushNotification(delivery, notificationId));
  runner.handle(sendAccountEmail, (payload) => deliverAccountEmail({ box: ctx.box, mailer }, payload));
  runner.handle(passwordResetRequest, (payload) => processPasswordResetRequest(ctx, payload));
  runner.handle(registrationFollowUp, (payload, { job }) =>
    followUpRegistration(ctx, payload, job.attempt > 1),
  );
  runner.handle(purgeExpiredSessions, async () => void (await purgeSessions(db, ctx.clock)));
  runner.handle(purgeFinishedJobs, async () => void (await purgeJobs(db, ctx.clock)));
  runner.handle(compactIdleDocuments, async () => void (await compactDocuments(db, ctx.clock, ctx.collab)));
  runner.handle(purgeExpiredExports, async () => void (await purgeExports(db, ctx.clock)));
  runner.handle(buildExport, ({ exportId }, { job }) =>
    runExport(ctx, exportId, { last: job.attempt >= job.maxAttempts }),
  );

  // An event committed (on this node, or another's through the bus): dispatch it now.
  ctx.events.subscribe(() => dispatcher.wake());
  dispatcher.start();
  runner.start();
  return {
    runner,
    dispatcher,
    stop: async (deadlineMs) => {
      await Promise.all([dispatcher.stop(), runner.stop(deadlineMs)]);
    },
  };
}
