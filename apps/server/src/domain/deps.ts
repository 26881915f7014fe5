import type { Clock } from "./ports/clock.ts";
import type { Db } from "./ports/database.ts";
import type { EventBus } from "./ports/event-bus.ts";

/** What most commands take: the primary store and the time. */
export interface StoreDeps {
  db: Db;
  clock: Clock;
}

/** Commands whose changes emit domain events (through `transact`, published after commit). */
export interface EventDeps extends StoreDeps {
  events: EventBus;
}
