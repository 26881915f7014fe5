import type { Cache } from "../../domain/ports/cache.ts";

/** Caching off (CACHE_TTL_SECONDS=0): every read goes to the store; nothing is counted. */
export const noCache: Cache = {
  enabled: false,
  get: async () => undefined,
  fill: (_key, load) => load(),
  invalidate: async () => {},
};
