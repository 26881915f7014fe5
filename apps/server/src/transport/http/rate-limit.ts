import type { FastifyReply, FastifyRequest } from "fastify";
import type { Actor } from "../../domain/actor.ts";
import { AppError } from "../../domain/errors.ts";
import { type Tier, type TierTable, tierOf } from "../../domain/limits/tiers.ts";
import type { RateLimits, RateWindow, WindowState } from "../../domain/ports/rate-limits.ts";

/** The two windows of a tier: at most `burst` in a second, and (unless unlimited) `perMinute` in a minute. */
interface TierWindows {
  burst: RateWindow;
  minute: RateWindow | null;
  /** `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers): the tier's quotas, sent with every answer. */
  policy: string;
}

export interface RequestLimiter {
  /**
   * Counts the request against the caller's tier (the account, the API key, or the IP when there is
   * no credential), sets the RateLimit headers, and throws `rate_limited` when over.
   */
  check(request: FastifyRequest, reply: FastifyReply, actor: Actor | undefined): Promise<void>;
}

function subjectOf(request: FastifyRequest, actor: Actor | undefined): string {
  if (!actor) return `ip:${request.ip}`;
  return actor.kind === "api_key" ? `key:${actor.apiKeyId}` : `user:${actor.userId}`;
}

const item = (name: string, state: WindowState) =>
  `"${name}";r=${state.remaining};t=${Math.ceil(state.resetMs / 1000)}`;

/** Builds the per-tier windows once; `onRefused` counts rejections for metrics. */
export function createRequestLimiter(
  limits: RateLimits,
  tiers: TierTable,
  onRefused: (tier: Tier) => void,
): RequestLimiter {
  const windows = new Map<Tier, TierWindows>();
  for (const [tier, spec] of Object.entries(tiers) as [Tier, TierTable[Tier]][]) {
    const burst = limits.window(`http:${tier}:second`, { points: spec.burst, durationSeconds: 1 });
    const minute =
      spec.perMinute === null
        ? null
        : limits.window(`http:${tier}:minute`, { points: spec.perMinute, durationSeconds: 60 });
    const policy = [`"burst";q=${spec.burst};w=1`, ...(minute ? [`"minute";q=${minute.points};w=60`] : [])];
    windows.set(tier, { burst, minute, policy: policy.join(", ") });
  }
  return {
    async check(request, reply, actor) {
      const tier = tierOf(actor);
      const tierWindows = windows.get(tier)!;
      const subject = subjectOf(request, actor);
      // A request the burst refuses does not use up the minute's quota (only looks at it).
      const burst = await tierWindows.burst.hit(subject);
      const minute = burst.allowed
        ? await tierWindows.minute?.hit(subject)
        : ((await tierWindows.minute?.peek(subject)) ?? undefined);
      reply.header("ratelimit-policy", tierWindows.policy);
      reply.header(
        "ratelimit",
        [item("burst", burst), ...(minute ? [item("minute", minute)] : [])].join(", "),
      );
      const refused = [burst, minute].filter((state) => state && !state.allowed) as WindowState[];
      if (refused.length === 0) return;
      const waitMs = Math.max(...refused.map((state) => state.resetMs));
      const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
      onRefused(tier);
      const which =
        minute && !minute.allowed
          ? `${tierWindows.minute!.points} a minute`
          : `${tierWindows.burst.points} a second`;
      throw new AppError(
        "rate_limited",
        `Too many requests: the ${tier.replace("_", " ")} limit is ${which}; try again in ${retryAfter} s`,
        undefined,
        { retryAfterSeconds: retryAfter },
      );
    },
  };
}
