import type { Redis } from "ioredis";
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from "rate-limiter-flexible";
import type {
  RateLimits,
  RateWindow,
  RateWindowOptions,
  WindowState,
} from "../../domain/ports/rate-limits.ts";

function stateOf(result: RateLimiterRes, points: number, allowed: boolean): WindowState {
  return {
    allowed,
    consumed: result.consumedPoints,
    remaining: Math.max(0, points - result.consumedPoints),
    resetMs: Math.max(0, result.msBeforeNext),
  };
}

/** One rate-limiter-flexible limiter behind the RateWindow port. */
class FlexibleWindow implements RateWindow {
  constructor(
    private readonly limiter: RateLimiterAbstract,
    readonly points: number,
    readonly durationSeconds: number,
  ) {}

  async hit(key: string, points = 1): Promise<WindowState> {
    try {
      return stateOf(await this.limiter.consume(key, points), this.points, true);
    } catch (refusal) {
      // rate-limiter-flexible rejects with the counter's state when over the limit; anything else
      // is a store failure the insurance limiter could not absorb.
      if (refusal instanceof RateLimiterRes) return stateOf(refusal, this.points, false);
      throw refusal;
    }
  }

  async peek(key: string): Promise<WindowState | null> {
    const result = await this.limiter.get(key);
    // The memory store keeps an expired record until its timer fires: treat it as gone.
    if (!result || result.msBeforeNext <= 0) return null;
    return stateOf(result, this.points, result.consumedPoints < this.points);
  }

  async block(key: string, seconds: number): Promise<void> {
    await this.limiter.block(key, Math.max(1, Math.ceil(seconds)));
  }

  async reset(key: string): Promise<void> {
    await this.limiter.delete(key);
  }
}

/** Counts in this process: the embedded default, and what each node falls back to without Redis. */
export function memoryRateLimits(): RateLimits {
  return {
    shared: false,
    window(name, { points, durationSeconds }: RateWindowOptions) {
      const limiter = new RateLimiterMemory({ keyPrefix: name, points, duration: durationSeconds });
      return new FlexibleWindow(limiter, points, durationSeconds);
    },
  };
}

/**
 * Counts in Redis, shared by every node. While Redis does not answer (the client is not ready, or a
 * command fails), each node counts in its own memory instead (the insurance limiter, same limits):
 * an outage neither refuses everyone nor lifts the limits, it only makes them per node.
 */
export function redisRateLimits(client: Redis, prefix: string): RateLimits {
  return {
    shared: true,
    window(name, { points, durationSeconds }: RateWindowOptions) {
      const insuranceLimiter = new RateLimiterMemory({ keyPrefix: name, points, duration: durationSeconds });
      const limiter = new RateLimiterRedis({
        storeClient: client,
        keyPrefix: `${prefix}rl:${name}`,
        points,
        duration: durationSeconds,
        rejectIfRedisNotReady: true,
        insuranceLimiter,
      });
      return new FlexibleWindow(limiter, points, durationSeconds);
    },
  };
}
