import { enqueueJob } from "../jobs/enqueue.ts";
import { jobType, PermanentFailure, Priority } from "../jobs/job-type.ts";
import type { Clock } from "../ports/clock.ts";
import type { Executor } from "../ports/database.ts";
import type { Mailer, MailMessage } from "../ports/mailer.ts";
import type { SecretBox } from "../ports/secret-box.ts";

/**
 * Account emails have their own queue: a backlog of notification digests never delays a reset link.
 * They are durable jobs enqueued in the transaction of the change they tell about, so the email goes
 * exactly when the change commits, and a refusing SMTP server is retried like any job.
 */
export const ACCOUNT_QUEUE = "account";

/**
 * One rendered account email. The payload is sealed with the instance key: it holds a link with a
 * live token (and the address), which must not sit readable in the jobs table.
 */
export const sendAccountEmail = jobType<{ sealed: string }>({
  name: "account.email",
  queue: ACCOUNT_QUEUE,
  priority: Priority.critical,
  // With the default backoff (5 s doubling, capped at 1 h) this keeps trying for about half a day.
  maxAttempts: 20,
});

export interface SealingDeps {
  clock: Clock;
  box: SecretBox;
}

export async function enqueueAccountEmail(
  tx: Executor,
  deps: SealingDeps,
  message: MailMessage,
): Promise<void> {
  await enqueueJob(tx, deps.clock, sendAccountEmail, { sealed: deps.box.seal(JSON.stringify(message)) });
}

export interface AccountMailerDeps {
  box: SecretBox;
  mailer: Pick<Mailer, "send">;
}

/** The account.email job. At-least-once, like notification email: a crash after sending sends again. */
export async function deliverAccountEmail(
  deps: AccountMailerDeps,
  payload: { sealed: string },
): Promise<void> {
  let message: MailMessage;
  try {
    message = JSON.parse(deps.box.open(payload.sealed)) as MailMessage;
  } catch {
    // Sealed under another key (ENCRYPTION_KEY changed): it will never open.
    throw new PermanentFailure("account email sealed with another key");
  }
  await deps.mailer.send(message);
}
