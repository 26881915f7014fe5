/**
 * A per-connection token bucket: up to `burst` messages at once, refilled at `perSecond`. One small
 * object per connection (two numbers, kept serialisable for Socket.IO's adapters), no timers.
 */
export interface TokenBucket {
  tokens: number;
  /** Epoch ms of the last refill. */
  at: number;
}

export interface BucketRate {
  burst: number;
  perSecond: number;
}

/** Client events on a Socket.IO connection (chat, presence, typing: a few a second at most). */
export const SOCKET_EVENT_RATE: BucketRate = { burst: 60, perSecond: 30 };

/**
 * Frames on a collaboration connection. A keystroke in y-monaco is two frames (the update and the
 * cursor's awareness), so a fast typist's 30 updates a second is 60 frames a second, and a mouse
 * drag moves the cursor at the screen's refresh rate: the sustained rate leaves room for both, and
 * the burst for a pasted block, an undo run or a reconnect's catch-up.
 */
export const COLLAB_FRAME_RATE: BucketRate = { burst: 200, perSecond: 100 };

export function fullBucket(rate: BucketRate, now: number): TokenBucket {
  return { tokens: rate.burst, at: now };
}

/** Refills for the time since the last call, then takes one token; false when none is left. */
export function takeToken(bucket: TokenBucket, rate: BucketRate, now: number): boolean {
  bucket.tokens = Math.min(rate.burst, bucket.tokens + ((now - bucket.at) / 1000) * rate.perSecond);
  bucket.at = now;
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}
