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
export const sendAccountEmail = jobType<Sealed>({
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
  await enqueueJob(tx, deps.clock, sendAccountEmail, seal(deps.box, message));
}

/**
 * A job payload sealed with the instance key: account jobs carry addresses, IP addresses and links,
 * none of which may sit readable in the jobs table (nor outlive an account deletion there).
 */
export interface Sealed {
  sealed: string;
}

export function seal(box: SecretBox, value: unknown): Sealed {
  return { sealed: box.seal(JSON.stringify(value)) };
}

/** Opens a sealed payload; one sealed under another key (ENCRYPTION_KEY changed) can never run. */
export function unseal<T>(box: SecretBox, payload: Sealed): T {
  try {
    return JSON.parse(box.open(payload.sealed)) as T;
  } catch {
    throw new PermanentFailure("job payload sealed with another key");
  }
}

export interface AccountMailerDeps {
  box: SecretBox;
  mailer: Pick<Mailer, "send">;
}

/** The account.email job. At-least-once, like notification email: a crash after sending sends again. */
export async function deliverAccountEmail(deps: AccountMailerDeps, payload: Sealed): Promise<void> {
  await deps.mailer.send(unseal<MailMessage>(deps.box, payload));
}
