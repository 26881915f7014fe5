import type { Cache } from "../../domain/ports/cache.ts";
import type { Clock } from "../../domain/ports/clock.ts";
import { familyOf, type LookupCounter } from "./family.ts";

export interface MemoryCacheOptions {
  clock: Clock;
  ttlMs: number;
  /** Entries kept; the least recently used goes first beyond it. */
  maxEntries?: number;
  onLookup?: LookupCounter;
}

interface Entry {
  /**
   * A deep-frozen JSON copy of what was stored: the same types come back as from Redis, and every
   * hit hands out the same object without parsing it again (a GET made ~4 such reads).
   */
  value: unknown;
  expiresAt: number;
}

/** Freezes a JSON value (objects and arrays only) all the way down. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * One node's cache: an LRU over a Map (insertion order is recency: a hit moves its key to the end)
 * with a TTL read from the injected clock. Only correct while this node is the only writer: a
 * cluster shares the Redis cache instead.
 */
export class MemoryCache implements Cache {
  readonly enabled = true;
  readonly #entries = new Map<string, Entry>();
  /** key → generation token of the fills in flight (none once they finish): bounded by the fills. */
  readonly #generations = new Map<string, number>();
  #nextGeneration = 0;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #onLookup: LookupCounter;

  constructor(options: MemoryCacheOptions) {
    this.#clock = options.clock;
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#onLookup = options.onLookup ?? (() => {});
  }

  /** Entries held (expired ones go when next touched or pushed out). */
  get size(): number {
    return this.#entries.size;
  }

  /** Keys with a fill in flight (each holds a generation until its fills finish). */
  get fillsInFlight(): number {
    return this.#generations.size;
  }

  async get<T>(key: string): Promise<T | undefined> {
    const entry = this.#read(key);
    this.#onLookup(familyOf(key), entry !== undefined);
    return entry?.value as T | undefined;
  }

  async fill<T>(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    const entry = this.#read(key);
    this.#onLookup(familyOf(key), entry !== undefined);
    if (entry !== undefined) return entry.value as T;
    let generation = this.#generations.get(key);
    if (generation === undefined) {
      generation = ++this.#nextGeneration;
      this.#generations.set(key, generation);
    }
    let value: T | undefined;
    try {
      value = await load();
    } catch (error) {
      if (this.#generations.get(key) === generation) this.#generations.delete(key);
      throw error;
    }
    // Invalidated while loading: the generation is gone (or a later fill's), and so is the right to store.
    const current = this.#generations.get(key) === generation;
    if (current) this.#generations.delete(key);
    if (value === undefined) return undefined;
    // A copy through JSON, so a miss hands back exactly what a hit would.
    const copy = deepFreeze(JSON.parse(JSON.stringify(value)) as T);
    if (current) this.#write(key, copy);
    return copy;
  }

  async invalidate(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      this.#entries.delete(key);
      this.#generations.delete(key);
    }
  }

  #read(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= this.#clock.now().getTime()) return undefined;
    this.#entries.set(key, entry);
    return entry;
  }

  #write(key: string, value: unknown): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: this.#clock.now().getTime() + this.#ttlMs });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }
}
