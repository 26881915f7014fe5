/**
 * Counters of events per key in fixed windows, in this process or shared by every node (Redis).
 * One window is a named limit ("http:free:minute", "login:account"): `points` events per
 * `durationSeconds`, counted from a key's first event.
 */
export interface RateWindowOptions {
  points: number;
  durationSeconds: number;
}

export interface WindowState {
  /** This event was within the limit (for `peek`: the next one would be). */
  allowed: boolean;
  /** Events counted in the current window (more than `points` when refused or blocked). */
  consumed: number;
  remaining: number;
  /** Until the window (or a block) ends. */
  resetMs: number;
}

export interface RateWindow {
  readonly points: number;
  readonly durationSeconds: number;
  /** Counts one event (or `points`) against `key` and says whether it was within the limit. */
  hit(key: string, points?: number): Promise<WindowState>;
  /** The key's state without counting; null when nothing was counted in the current window. */
  peek(key: string): Promise<WindowState | null>;
  /** Refuses `key` for `seconds` (a lockout or a delay), whatever it had counted. */
  block(key: string, seconds: number): Promise<void>;
  /** Forgets the key (a successful sign-in clears its failures). */
  reset(key: string): Promise<void>;
}

export interface RateLimits {
  /** True when every node shares the counts (Redis); false when each process counts alone. */
  readonly shared: boolean;
  window(name: string, options: RateWindowOptions): RateWindow;
}
