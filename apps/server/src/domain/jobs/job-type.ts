/** Priorities: lower runs first within a queue. */
export const Priority = { critical: 0, normal: 5, background: 10 } as const;

/**
 * What a kind of job is, declared next to the domain code that enqueues it. The handler is
 * registered separately (at composition), so enqueuing needs no dependencies.
 */
export interface JobType<Payload> {
  readonly name: string;
  readonly queue: string;
  readonly priority: number;
  readonly maxAttempts: number;
  /** Phantom: ties the payload type to the name. */
  readonly __payload?: Payload;
}

export function jobType<Payload>(spec: Omit<JobType<Payload>, "__payload">): JobType<Payload> {
  return spec;
}

/** Thrown by a handler to be tried again at a chosen time rather than on the default backoff. */
export class RetryAt extends Error {
  constructor(
    readonly at: Date,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown by a handler when trying again cannot help: the job goes straight to dead. */
export class PermanentFailure extends Error {}

/** A job enqueued on a cron schedule, declared next to the domain code it runs. */
export interface Schedule<P = unknown> {
  /** Stable name: the row that remembers when it last ran. */
  name: string;
  /** Five-field cron, in UTC. */
  cron: string;
  type: JobType<P>;
  payload: P;
}
