import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createTestDatabase,
  type Running,
  registerUser,
  startProcess,
  testStores,
  waitFor,
} from "@codepark/testing";
import { startSmtpReceiver } from "@codepark/testing/smtp";
import { WebhookReceiver } from "@codepark/testing/webhooks";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";

// 1,000 requests from one account in seconds: the request limits would refuse most (they are
// tested in rate-limits.test.ts); this suite is about the queue.
const common = { WEBHOOK_ALLOW_PRIVATE: "true", JOBS_POLL_INTERVAL_MS: "50", RATE_LIMIT_ENABLED: "false" };

async function stop(server: Running): Promise<void> {
  if (server.child.exitCode !== null) return;
  server.child.kill("SIGTERM");
  await server.exited;
}

describe("jobs and webhooks across real server processes", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it.runIf(testStores().includes("postgres"))(
    "two processes sharing the PostgreSQL queue never run the same job twice (1,000 deliveries)",
    async () => {
      const database = await createTestDatabase();
      cleanups.push(database.drop);
      const receiver = await WebhookReceiver.start();
      cleanups.push(() => receiver.close());
      const env = { ...common, DATABASE_URL: database.url, JOBS_CONCURRENCY: "webhooks=8,events=4" };
      const a = await startProcess(env);
      cleanups.push(() => stop(a));
      const b = await startProcess(env);
      cleanups.push(() => stop(b));

      const user = await registerUser(a.api);
      const hook = await a.api.post(
        "/api/v1/webhooks",
        { url: receiver.url, events: ["webhook.test"] },
        user.accessToken,
      );
      expect(hook.status).toBe(201);
      // 1,000 events, sent through both processes: each is dispatched once and becomes a delivery job.
      const total = 1_000;
      for (let sent = 0; sent < total; sent += 20) {
        await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 ? a : b).api.post(`/api/v1/webhooks/${hook.body.id}/test`, {}, user.accessToken),
          ),
        );
      }
      await receiver.waitFor(() => receiver.received.length >= total, 120_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(receiver.received).toHaveLength(total);
      expect(new Set(receiver.received.map((delivery) => delivery.id)).size).toBe(total);
      for (const delivery of receiver.received.slice(0, 20))
        WebhookReceiver.verify(delivery, hook.body.secret);

      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const { rows } = await client.query(
          `SELECT name, state, attempts, locked_by FROM jobs WHERE name = 'webhooks.deliver'`,
        );
        expect(rows).toHaveLength(total);
        expect(rows.every((row) => row.state === "completed" && row.attempts === 1)).toBe(true);
        // Every event dispatched, none left waiting.
        const outbox = await client.query("SELECT count(*)::int AS n FROM event_outbox");
        expect(outbox.rows[0].n).toBe(0);
        // Both processes took part.
        expect(new Set(rows.map((row) => row.locked_by)).size).toBe(2);
        const attempts = await client.query("SELECT count(*)::int AS n FROM webhook_attempts");
        expect(attempts.rows[0].n).toBe(total);
      } finally {
        await client.end();
      }
    },
    180_000,
  );

  it.each(testStores())(
    "a delivery waiting for its retry survives kill -9 and arrives exactly once, same webhook-id (%s)",
    async (store) => {
      const receiver = await WebhookReceiver.start();
      cleanups.push(() => receiver.close());
      // A short lease: if the kill lands while the first attempt is still being recorded, the job is
      // taken over after it rather than after the default five minutes.
      let env: Record<string, string> = {
        ...common,
        WEBHOOK_RETRY_SCHEDULE: "3s,3s,3s",
        JOBS_LEASE_MS: "2000",
      };
      if (store === "postgres") {
        const database = await createTestDatabase();
        cleanups.push(database.drop);
        env = { ...env, DATABASE_URL: database.url };
      } else {
        const dataDir = await mkdtemp(join(tmpdir(), "codepark-jobs-"));
        cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
        env = { ...env, DATA_DIR: dataDir };
      }
      const first = await startProcess(env);
      cleanups.push(() => stop(first));
      const user = await registerUser(first.api);
      const hook = await first.api.post(
        "/api/v1/webhooks",
        { url: receiver.url, events: ["project.created"] },
        user.accessToken,
      );
      receiver.respondWith(({ count }) => (count === 1 ? { status: 503 } : { status: 204 }));
      await first.api.post("/api/v1/projects", { name: "Survivor" }, user.accessToken);
      await receiver.waitFor(() => receiver.received.length === 1);
      // Once the failed attempt is on record the retry is scheduled 3 s out; the process dies meanwhile.
      const deliveries = `/api/v1/webhooks/${hook.body.id}/deliveries`;
      for (let tries = 0; tries < 100; tries++) {
        const listed = await first.api.get(deliveries, user.accessToken);
        if (listed.body.items[0]?.attempts.length === 1) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      first.child.kill("SIGKILL");
      await first.exited;

      const second = await startProcess(env);
      cleanups.push(() => stop(second));
      await receiver.waitFor(() => receiver.accepted.length === 1, 30_000);
      // Long enough for a duplicate to show up if there were one.
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      expect(receiver.received.map((delivery) => delivery.status)).toEqual([503, 204]);
      expect(receiver.received[1]!.id).toBe(receiver.received[0]!.id);
      WebhookReceiver.verify(receiver.received[1]!, hook.body.secret);
      await stop(second);
    },
    90_000,
  );

  it.runIf(testStores().includes("postgres"))(
    "an email waiting for a failing SMTP server survives kill -9 and is sent after the restart",
    async () => {
      const database = await createTestDatabase();
      cleanups.push(database.drop);
      const refusing = await startSmtpReceiver({ refuse: { code: 451, message: "Try again later" } });
      cleanups.push(() => refusing.close());
      const env = { ...common, DATABASE_URL: database.url, JOBS_BACKOFF_BASE_MS: "300" };
      const first = await startProcess({ ...env, SMTP_URL: refusing.url });
      cleanups.push(() => stop(first));
      const owner = await registerUser(first.api, "Owner");
      const invitee = await registerUser(first.api, "Invitee");
      const project = await first.api.post("/api/v1/projects", { name: "Mailed" }, owner.accessToken);
      await first.api.post(
        `/api/v1/projects/${project.body.id}/members`,
        { email: invitee.email, role: "editor" },
        owner.accessToken,
      );
      // The "added to a project" email is refused, so its job is waiting for a retry.
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      cleanups.push(() => client.end());
      const pendingEmail = async () =>
        (
          await client.query(
            "SELECT state, attempts FROM jobs WHERE name = 'notifications.email' AND state = 'pending' AND attempts >= 1",
          )
        ).rows.length;
      for (let tries = 0; tries < 200 && (await pendingEmail()) === 0; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await pendingEmail()).toBe(1);
      first.child.kill("SIGKILL");
      await first.exited;

      const accepting = await startSmtpReceiver();
      cleanups.push(() => accepting.close());
      const second = await startProcess({ ...env, SMTP_URL: accepting.url });
      cleanups.push(() => stop(second));
      // The new accounts' verification emails were waiting too: the notification is the one without
      // the account-email header.
      const notificationMail = () =>
        accepting.messages.find((message) => !message.parsed.headers.has("x-codepark-account"));
      await waitFor(() => notificationMail() !== undefined, 30_000, "the notification email");
      const mail = notificationMail();
      expect(mail!.envelope.to).toEqual([invitee.email]);
      expect(mail!.parsed.subject).toContain("Mailed");
      await stop(second);
    },
    90_000,
  );
});
