import type { Clock } from "../ports/clock.ts";
import type { Db } from "../ports/database.ts";
import {
  anyDispatchDue,
  dispatchPending,
  type EventConsumer,
  nextRetryAt,
  postponeDispatch,
} from "./dispatch.ts";

/** How many events one pass takes at most (one transaction, one claim statement). */
const BATCH_SIZE = 200;
/** A due event another node holds is looked at again after this (not in a tight loop). */
const MIN_RETRY_MS = 1_000;

export interface EventDispatcherOptions {
  db: Db;
  clock: Clock;
  consumers: readonly EventConsumer[];
  /**
   * How often to look for events no wake announced (committed by another node that died before
   * dispatching them). Null when this process is the store's only user (PGlite): the pass at start
   * takes what a crash left, and every commit here wakes the dispatcher.
   */
  pollIntervalMs: number | null;
  /** Delay before the n-th retry (n ≥ 1) of an event whose consumer failed, or of a pass the store refused. */
  retryDelayMs: (attempt: number) => number;
  log: {
    error(details: object, message: string): void;
    warn(details: object, message: string): void;
  };
}

/**
 * Hands committed events to their consumers, amortised: a wake after each local commit asks for a
 * pass, wakes that come while one runs fold into the next, and each pass drains up to BATCH_SIZE
 * events in one transaction (events/dispatch.ts). At-least-once and crash-safe through the outbox;
 * several nodes share it (a pass locks what it takes and skips what another holds).
 */
export class EventDispatcher {
  readonly #options: EventDispatcherOptions;
  /** Another pass is wanted (a wake, or the last pass was full or put an event back). */
  #requested = false;
  #scheduled = false;
  #running: Promise<void> | null = null;
  #poll: NodeJS.Timeout | null = null;
  #retry: { timer: NodeJS.Timeout; at: number } | null = null;
  #storeFailures = 0;
  /** Events may be waiting for a later retry (set at start: a previous run may have left some). */
  #postponed = true;
  #stopped = false;

  constructor(options: EventDispatcherOptions) {
    this.#options = options;
  }

  /** A first pass (what a crash or the previous run left) and, where configured, the periodic look. */
  start(): void {
    this.wake();
    const every = this.#options.pollIntervalMs;
    if (every !== null) this.#poll ??= setInterval(() => void this.#check(), every).unref();
  }

  /**
   * Asks for a pass, after the current turn of the event loop so that commits made together are
   * dispatched together.
   */
  wake(): void {
    if (this.#stopped) return;
    this.#requested = true;
    if (this.#running || this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (this.#stopped || this.#running) return;
      this.#running = this.#drain().finally(() => {
        this.#running = null;
      });
    });
  }

  /** No pass starts after this; the running one finishes (or rolls back: its events stay queued). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#poll) clearInterval(this.#poll);
    if (this.#retry) clearTimeout(this.#retry.timer);
    this.#poll = null;
    this.#retry = null;
    await this.#running;
  }

  async #drain(): Promise<void> {
    const { db, clock, consumers, log } = this.#options;
    while (this.#requested && !this.#stopped) {
      this.#requested = false;
      try {
        const pass = await dispatchPending(db, consumers, {
          limit: BATCH_SIZE,
          now: clock.now(),
          onAfterCommitError: (error) =>
            log.error({ err: error }, "telling live connections about an event failed"),
        });
        this.#storeFailures = 0;
        if (pass.full) this.#requested = true;
        if (pass.failed) {
          const delay = this.#options.retryDelayMs(pass.failed.attempts);
          await postponeDispatch(db, pass.failed, new Date(clock.now().getTime() + delay));
          log.warn(
            { err: pass.failed.error, eventSeq: pass.failed.seq, attempt: pass.failed.attempts },
            "dispatching an event failed; it is retried later",
          );
          this.#postponed = true;
          // The others in that pass were rolled back with it: take them again now.
          this.#requested = true;
        }
      } catch (error) {
        if (this.#stopped) return;
        this.#storeFailures += 1;
        log.error({ err: error }, "event dispatch failed");
        this.#retryIn(this.#options.retryDelayMs(this.#storeFailures));
        return;
      }
    }
    if (this.#postponed && !this.#stopped) await this.#armForPostponed();
  }

  /** A timer for the earliest event put back for later (rare: only after a consumer failed). */
  async #armForPostponed(): Promise<void> {
    try {
      const at = await nextRetryAt(this.#options.db);
      if (at === null) {
        this.#postponed = false;
        return;
      }
      this.#retryIn(Math.max(MIN_RETRY_MS, at.getTime() - this.#options.clock.now().getTime()));
    } catch (error) {
      if (!this.#stopped) this.#options.log.error({ err: error }, "event dispatch failed");
      this.#retryIn(MIN_RETRY_MS);
    }
  }

  /** The periodic look: a pass only when something is due that no wake announced. */
  async #check(): Promise<void> {
    if (this.#running || this.#scheduled || this.#stopped) return;
    try {
      if (await anyDispatchDue(this.#options.db, this.#options.clock.now())) this.wake();
    } catch (error) {
      if (!this.#stopped) this.#options.log.error({ err: error }, "event dispatch check failed");
    }
  }

  #retryIn(delayMs: number): void {
    const at = Date.now() + delayMs;
    if (this.#stopped || (this.#retry && this.#retry.at <= at)) return;
    if (this.#retry) clearTimeout(this.#retry.timer);
    const timer = setTimeout(() => {
      this.#retry = null;
      this.wake();
    }, delayMs).unref();
    this.#retry = { timer, at };
  }
}
