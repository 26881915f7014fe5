import { AppError } from "../errors.ts";
import type { RateLimits, RateWindow } from "../ports/rate-limits.ts";

/**
 * How failed attempts at a secret (a password, a second factor, a reset token) are slowed down and
 * then stopped (OWASP authentication cheat sheet): the first `freeFailures` cost nothing; after
 * each further one the next attempt must wait 1 s, 2 s, 4 s…; at `lockAfter` failures within
 * `windowSeconds` the subject is locked for `lockSeconds`. Separately, one IP may fail `ipFailures`
 * times in a window before it is refused, on every subject, until that window ends.
 */
export interface AttemptPolicy {
  freeFailures: number;
  lockAfter: number;
  windowSeconds: number;
  lockSeconds: number;
  ipFailures: number;
}

export const SIGN_IN_POLICY: AttemptPolicy = {
  freeFailures: 3,
  lockAfter: 10,
  windowSeconds: 15 * 60,
  lockSeconds: 15 * 60,
  ipFailures: 100,
};

/**
 * Invalid emailed links (reset, verification), per IP. Their tokens carry 256 bits, so guessing is
 * hopeless anyway: this only stops a flood, and leaves room for people clicking stale links.
 */
export const LINK_POLICY: AttemptPolicy = {
  freeFailures: 20,
  lockAfter: 50,
  windowSeconds: 15 * 60,
  lockSeconds: 15 * 60,
  ipFailures: 1_000,
};

/** What a failure led to: `locked` exactly once per lock, so the owner is told once. */
export interface FailureOutcome {
  failures: number;
  locked: boolean;
  lockedForSeconds: number;
}

/** The delay before the next attempt after `failures` failures (0 while they are free). */
export function delayAfter(policy: AttemptPolicy, failures: number): number {
  if (failures <= policy.freeFailures) return 0;
  return 2 ** (failures - policy.freeFailures - 1);
}

/**
 * Failed-attempt counters for one kind of secret. The subject is chosen by the caller so that a
 * lock looks the same whether or not an account exists (sign-in keys by the email typed, not by
 * an account id).
 */
export class AttemptThrottle {
  private readonly failures: RateWindow;
  private readonly delay: RateWindow;
  private readonly byIp: RateWindow;

  constructor(
    limits: RateLimits,
    readonly name: string,
    readonly policy: AttemptPolicy,
    /** Counts a refused attempt (metrics). */
    private readonly onRefused: () => void = () => {},
  ) {
    const durationSeconds = policy.windowSeconds;
    this.failures = limits.window(`${name}:failures`, { points: policy.lockAfter, durationSeconds });
    // Only ever blocked: a wait between failures.
    this.delay = limits.window(`${name}:delay`, { points: 1, durationSeconds: 1 });
    this.byIp = limits.window(`${name}:ip`, { points: policy.ipFailures, durationSeconds });
  }

  /** Throws `too_many_attempts` (with Retry-After) while the subject or the IP must wait. */
  async check(subject: string, ip: string | undefined): Promise<void> {
    const [delay, failures, byIp] = await Promise.all([
      this.delay.peek(subject),
      this.failures.peek(subject),
      ip ? this.byIp.peek(ip) : null,
    ]);
    const waits = [delay, failures, byIp].filter((state) => state !== null && !state.allowed);
    if (waits.length === 0) return;
    const seconds = Math.max(1, Math.ceil(Math.max(...waits.map((state) => state!.resetMs)) / 1000));
    this.onRefused();
    throw new AppError(
      "too_many_attempts",
      `Too many failed attempts; try again in ${seconds} s`,
      undefined,
      { retryAfterSeconds: seconds },
    );
  }

  /** Counts a failure and sets the wait (or the lock) it earns. */
  async fail(subject: string, ip: string | undefined): Promise<FailureOutcome> {
    // An IP at `ipFailures` is refused by check() until its window ends.
    const [state] = await Promise.all([this.failures.hit(subject), ip ? this.byIp.hit(ip) : null]);
    const failures = state.consumed;
    if (failures >= this.policy.lockAfter) {
      const locked = failures === this.policy.lockAfter;
      if (locked) await this.failures.block(subject, this.policy.lockSeconds);
      return { failures, locked, lockedForSeconds: this.policy.lockSeconds };
    }
    const wait = delayAfter(this.policy, failures);
    if (wait > 0) await this.delay.block(subject, wait);
    return { failures, locked: false, lockedForSeconds: 0 };
  }

  /** A success clears the subject's failures (not the IP's). */
  async succeed(subject: string): Promise<void> {
    await Promise.all([this.failures.reset(subject), this.delay.reset(subject)]);
  }
}

/**
 * Runs `attempt` (spending an emailed link's token) under `throttle`, counted per IP: a caller that
 * keeps presenting invalid links waits, then is locked out, like a sign-in (the tokens carry 256
 * bits, so this is against noise and log flooding more than against guessing).
 */
export async function throttleLinkAttempts<T>(
  throttle: AttemptThrottle,
  ip: string | undefined,
  attempt: () => Promise<T>,
): Promise<T> {
  const subject = `ip:${ip ?? "unknown"}`;
  await throttle.check(subject, ip);
  try {
    return await attempt();
  } catch (error) {
    if (error instanceof AppError && error.code === "invalid_token") await throttle.fail(subject, ip);
    throw error;
  }
}
