import type { Cache } from "./ports/cache.ts";
import type { Clock } from "./ports/clock.ts";
import type { Db } from "./ports/database.ts";
import type { EventBus } from "./ports/event-bus.ts";

/** What most commands take: the primary store and the time. */
export interface StoreDeps {
  db: Db;
  clock: Clock;
}

/** Reads served cache-aside (session, user, API key, project access): see domain/ports/cache.ts. */
export interface CacheDeps {
  cache: Cache;
}

/**
 * Commands whose changes emit domain events (through `transact`, published after commit), and
 * invalidate what they made stale in the cache (after commit, before the events are published).
 */
export interface EventDeps extends StoreDeps, CacheDeps {
  events: EventBus;
}
