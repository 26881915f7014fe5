import type { DevicePresenceStatus, PresenceState } from "@codepark/protocol";
import type { Redis } from "ioredis";
import type { Clock } from "../../domain/ports/clock.ts";
import { byUserId, type DeviceRecord, mergePresence } from "../../domain/presence/merge.ts";
import type {
  PresenceMember,
  PresencePatch,
  PresenceRegistry,
  PresenceStats,
  PresenceUpdate,
} from "../../domain/presence/registry.ts";
import { systemClock } from "../clock.ts";
import { PRESENCE_SCRIPTS, type PresenceCommands, type Snapshot } from "./redis-scripts.ts";

export interface RedisPresenceOptions {
  /** The shared connection: used, never closed (its owner quits it). */
  redis: Redis;
  /** Key prefix for this registry's keys (e.g. `${REDIS_PREFIX}presence:`). */
  prefix: string;
  /** This node: its devices are the ones it keeps alive. No "|" (it is stored in the device entry). */
  nodeId: string;
  /** A device not refreshed for this long counts as gone (default 30 s). */
  ttlMs?: number;
  /** How often start()'s timer refreshes this node's devices (default a third of the TTL). */
  heartbeatMs?: number;
  /**
   * Expiry is decided in epoch ms of the nodes' clocks (kept in step by NTP: skew only matters near
   * ttl − heartbeat interval). list() and stats() take no time of their own: they ask this clock.
   */
  clock?: Clock;
  /** A failed heartbeat (retried at the next tick); the devices live until their TTL regardless. */
  onError?: (error: unknown) => void;
  /** Expired devices removed per sweep script (default 500), so no script holds Redis up for long. */
  sweepBatch?: number;
}

/** Devices per heartbeat script call: well inside Lua's stack for ARGV. */
const HEARTBEAT_CHUNK = 1000;
/** Expired devices stats() takes out of the counters (beyond this it over-counts until a sweep). */
const STATS_EXPIRED_LIMIT = 1000;

/**
 * Presence shared by every node of a cluster, in Redis (key layout and scripts: redis-scripts.ts).
 * Every change is one Lua script, so racing nodes cannot corrupt it. Each device belongs to the node
 * holding its connection: that node refreshes the device's expiry (heartbeat); a node killed outright
 * stops refreshing, its devices stop counting after the TTL, and the next sweep by any node removes
 * them and reports the users that changed.
 */
export class RedisPresenceRegistry implements PresenceRegistry {
  /** Devices of a node that stops refreshing them expire after the TTL. */
  readonly expires = true;
  readonly #commands: PresenceCommands;
  readonly #prefix: string;
  readonly #nodeId: string;
  readonly #ttlMs: number;
  readonly #heartbeatMs: number;
  readonly #clock: Clock;
  readonly #onError: (error: unknown) => void;
  readonly #sweepBatch: number;
  /**
   * This node's devices → the projects they joined: what the heartbeat keeps alive. Kept here rather
   * than read back from Redis so that a device whose leave never reached Redis (an outage) is not
   * kept alive by it: it expires and is swept.
   */
  readonly #own = new Map<string, Set<string>>();
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;

  constructor(options: RedisPresenceOptions) {
    if (!options.nodeId || options.nodeId.includes("|"))
      throw new Error("nodeId must be non-empty without '|'");
    this.#ttlMs = options.ttlMs ?? 30_000;
    this.#heartbeatMs = options.heartbeatMs ?? Math.max(1, Math.floor(this.#ttlMs / 3));
    this.#nodeId = options.nodeId;
    this.#clock = options.clock ?? systemClock;
    this.#onError = options.onError ?? (() => {});
    this.#sweepBatch = options.sweepBatch ?? 500;
    // Keys are built inside the scripts, which ioredis's keyPrefix does not reach: apply it here.
    this.#prefix = `${options.redis.options.keyPrefix ?? ""}${options.prefix}`;
    for (const [name, lua] of Object.entries(PRESENCE_SCRIPTS)) {
      if (typeof (options.redis as unknown as Record<string, unknown>)[name] !== "function") {
        options.redis.defineCommand(name, { numberOfKeys: 0, lua });
      }
    }
    this.#commands = options.redis as unknown as PresenceCommands;
  }

  /** Starts refreshing this node's devices every heartbeatMs (the timer does not hold the process). */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      if (this.#beating) return; // Redis is slow: the one in flight will do
      this.#beating = this.heartbeat(this.#clock.now())
        .catch(this.#onError)
        .finally(() => {
          this.#beating = undefined;
        });
    }, this.#heartbeatMs);
    this.#timer.unref();
  }

  /** Stops the heartbeat; devices still present expire after the TTL (on shutdown they have left). */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Extends every device of this node by a TTL from `now`. */
  async heartbeat(now: Date): Promise<void> {
    const expiresAt = now.getTime() + this.#ttlMs;
    const devices = [...this.#own.keys()];
    for (let i = 0; i < devices.length; i += HEARTBEAT_CHUNK) {
      await this.#commands.codeparkPresenceHeartbeat(
        this.#prefix,
        expiresAt,
        ...devices.slice(i, i + HEARTBEAT_CHUNK),
      );
    }
  }

  async join(projectId: string, deviceId: string, member: PresenceMember, now: Date): Promise<PresenceState> {
    // Tracked before the write: if its answer is lost, the heartbeat still keeps what was written alive.
    getOrAdd(this.#own, deviceId).add(projectId);
    const at = now.getTime();
    const snapshot = await this.#commands.codeparkPresenceJoin(
      this.#prefix,
      projectId,
      deviceId,
      member.userId,
      member.name,
      at,
      at + this.#ttlMs,
      this.#nodeId,
    );
    return fromSnapshot(snapshot, at, at);
  }

  async update(
    projectId: string,
    deviceId: string,
    patch: PresencePatch,
    now: Date,
  ): Promise<PresenceUpdate | null> {
    const at = now.getTime();
    const file = patch.fileId === undefined ? "keep" : patch.fileId === null ? "none" : "set";
    const reply = await this.#commands.codeparkPresenceUpdate(
      this.#prefix,
      projectId,
      deviceId,
      patch.status ?? "",
      file,
      patch.fileId ?? "",
      at,
      at + this.#ttlMs,
    );
    if (!reply) return null;
    return { changed: reply[0] === 1, state: fromSnapshot(reply[1], at, at) };
  }

  async leave(projectId: string, deviceId: string, now: Date): Promise<PresenceState | null> {
    const projects = this.#own.get(deviceId);
    projects?.delete(projectId);
    if (projects?.size === 0) this.#own.delete(deviceId);
    const snapshot = await this.#commands.codeparkPresenceLeave(this.#prefix, projectId, deviceId);
    return snapshot && fromSnapshot(snapshot, now.getTime(), now.getTime());
  }

  async leaveAll(deviceId: string, now: Date): Promise<PresenceState[]> {
    this.#own.delete(deviceId);
    const snapshots = await this.#commands.codeparkPresenceLeaveAll(this.#prefix, deviceId);
    return snapshots.map((snapshot) => fromSnapshot(snapshot, now.getTime(), now.getTime()));
  }

  async list(projectId: string): Promise<PresenceState[]> {
    const now = this.#clock.now().getTime();
    const snapshots = await this.#commands.codeparkPresenceList(this.#prefix, projectId);
    return snapshots
      .map((snapshot) => fromSnapshot(snapshot, 0, now))
      .filter((state) => state.devices.length > 0)
      .sort(byUserId);
  }

  async stats(): Promise<PresenceStats> {
    const now = this.#clock.now().getTime();
    const [online, away, devices] = await this.#commands.codeparkPresenceStats(
      this.#prefix,
      now,
      STATS_EXPIRED_LIMIT,
    );
    return { online, away, devices };
  }

  async sweep(now: Date): Promise<PresenceState[]> {
    const at = now.getTime();
    const changed = new Map<string, PresenceState>();
    for (;;) {
      const [looked, snapshots] = await this.#commands.codeparkPresenceSweep(
        this.#prefix,
        at,
        this.#sweepBatch,
      );
      for (const snapshot of snapshots) {
        const state = fromSnapshot(snapshot, at, at);
        changed.set(`${state.projectId} ${state.userId}`, state);
      }
      if (looked < this.#sweepBatch) break;
    }
    return [...changed.values()];
  }
}

/** A script's snapshot as the user's merged state over the devices live at `now`. */
function fromSnapshot(snapshot: Snapshot, floor: number, now: number): PresenceState {
  const [projectId, userId, name] = snapshot as [string, string, string];
  const records: DeviceRecord[] = [];
  for (let i = 3; i + 2 < snapshot.length; i += 3) {
    if (Number(snapshot[i + 2]) <= now) continue; // expired: its node is gone
    records.push(parseEntry(snapshot[i]!, snapshot[i + 1]!));
  }
  return mergePresence(projectId, userId, name, records, floor);
}

/** "status|lastSeenMs|nodeId|F", F being "-" (no file) or "=" and the file id. */
function parseEntry(deviceId: string, entry: string): DeviceRecord {
  const [status, lastSeen, , ...rest] = entry.split("|");
  const file = rest.join("|");
  return {
    deviceId,
    status: status as DevicePresenceStatus,
    fileId: file.startsWith("=") ? file.slice(1) : null,
    lastSeen: Number(lastSeen),
  };
}

function getOrAdd(map: Map<string, Set<string>>, key: string): Set<string> {
  let value = map.get(key);
  if (value === undefined) {
    value = new Set();
    map.set(key, value);
  }
  return value;
}
