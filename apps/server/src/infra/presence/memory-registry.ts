import type { DevicePresenceStatus, PresenceState } from "@codepark/protocol";
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

export interface MemoryPresenceOptions {
  /**
   * How long a device lives without a heartbeat. Unlimited by default: every device in this registry
   * is a connection of this process, alive exactly as long as the process (disconnects remove them).
   */
  ttlMs?: number;
  /** Decides expiry for list() and stats(), which take no time of their own. */
  clock?: Clock;
}

interface DeviceEntry {
  status: DevicePresenceStatus;
  fileId: string | null;
  lastSeen: number;
  /** Epoch ms after which the device counts as gone, unless refreshed (join, update, heartbeat). */
  expiresAt: number;
}

interface UserEntry {
  name: string;
  devices: Map<string, DeviceEntry>;
}

/** This node's presence: a few small maps, emptied as devices leave (nothing outlives its last device). */
export class MemoryPresenceRegistry implements PresenceRegistry {
  readonly #ttlMs: number;
  readonly #clock: Clock;
  /** projectId → userId → devices. */
  readonly #projects = new Map<string, Map<string, UserEntry>>();
  /** deviceId → projectId → userId: what to clean when a device goes away. */
  readonly #devices = new Map<string, Map<string, string>>();

  constructor({ ttlMs = Number.POSITIVE_INFINITY, clock = systemClock }: MemoryPresenceOptions = {}) {
    this.#ttlMs = ttlMs;
    this.#clock = clock;
  }

  async join(projectId: string, deviceId: string, member: PresenceMember, now: Date): Promise<PresenceState> {
    const at = now.getTime();
    const prior = this.#devices.get(deviceId)?.get(projectId);
    if (prior !== undefined && prior !== member.userId) this.#remove(projectId, deviceId); // a device is one user's
    const users = getOrAdd(this.#projects, projectId, () => new Map<string, UserEntry>());
    const user = getOrAdd(users, member.userId, () => ({ name: member.name, devices: new Map() }));
    user.name = member.name;
    const device = user.devices.get(deviceId);
    if (device) device.lastSeen = at;
    else user.devices.set(deviceId, { status: "online", fileId: null, lastSeen: at, expiresAt: 0 });
    getOrAdd(this.#devices, deviceId, () => new Map<string, string>()).set(projectId, member.userId);
    this.#refresh(deviceId, at);
    return this.#merge(projectId, member.userId, user, at);
  }

  async update(
    projectId: string,
    deviceId: string,
    patch: PresencePatch,
    now: Date,
  ): Promise<PresenceUpdate | null> {
    const userId = this.#devices.get(deviceId)?.get(projectId);
    if (userId === undefined) return null;
    const user = this.#projects.get(projectId)?.get(userId);
    const device = user?.devices.get(deviceId);
    if (!user || !device) return null;
    const status = patch.status ?? device.status;
    const fileId = patch.fileId === undefined ? device.fileId : patch.fileId;
    const changed = status !== device.status || fileId !== device.fileId;
    device.status = status;
    device.fileId = fileId;
    device.lastSeen = now.getTime();
    this.#refresh(deviceId, now.getTime());
    return { state: this.#merge(projectId, userId, user, now.getTime()), changed };
  }

  async leave(projectId: string, deviceId: string, now: Date): Promise<PresenceState | null> {
    const removed = this.#remove(projectId, deviceId);
    return removed && this.#merge(projectId, removed.userId, removed.user, now.getTime());
  }

  async leaveAll(deviceId: string, now: Date): Promise<PresenceState[]> {
    const joined = this.#devices.get(deviceId);
    if (!joined) return [];
    const states: PresenceState[] = [];
    for (const projectId of [...joined.keys()]) {
      const state = await this.leave(projectId, deviceId, now);
      if (state) states.push(state);
    }
    return states;
  }

  async list(projectId: string): Promise<PresenceState[]> {
    const users = this.#projects.get(projectId);
    if (!users) return [];
    const now = this.#clock.now().getTime();
    const states: PresenceState[] = [];
    for (const [userId, user] of users) {
      const state = this.#merge(projectId, userId, user, 0, now);
      if (state.devices.length > 0) states.push(state);
    }
    return states.sort(byUserId);
  }

  async stats(): Promise<PresenceStats> {
    const now = this.#clock.now().getTime();
    const stats: PresenceStats = { online: 0, away: 0, devices: 0 };
    for (const users of this.#projects.values()) {
      for (const user of users.values()) {
        let live = 0;
        let online = false;
        for (const device of user.devices.values()) {
          if (device.expiresAt <= now) continue;
          live += 1;
          online ||= device.status === "online";
        }
        stats.devices += live;
        if (online) stats.online += 1;
        else if (live > 0) stats.away += 1;
      }
    }
    return stats;
  }

  /** Refreshes every device (all are this node's): they live another TTL. */
  async heartbeat(now: Date): Promise<void> {
    if (this.#ttlMs === Number.POSITIVE_INFINITY) return;
    for (const deviceId of this.#devices.keys()) this.#refresh(deviceId, now.getTime());
  }

  get expires(): boolean {
    return this.#ttlMs !== Number.POSITIVE_INFINITY;
  }

  async sweep(now: Date): Promise<PresenceState[]> {
    if (this.#ttlMs === Number.POSITIVE_INFINITY) return [];
    const at = now.getTime();
    const expired: [projectId: string, deviceId: string][] = [];
    for (const [projectId, users] of this.#projects) {
      for (const user of users.values()) {
        for (const [deviceId, device] of user.devices)
          if (device.expiresAt <= at) expired.push([projectId, deviceId]);
      }
    }
    // One state per (project, user), after all of its expired devices are gone.
    const changed = new Map<string, { projectId: string; userId: string; user: UserEntry }>();
    for (const [projectId, deviceId] of expired) {
      const removed = this.#remove(projectId, deviceId);
      if (removed) changed.set(`${projectId} ${removed.userId}`, { projectId, ...removed });
    }
    return [...changed.values()].map(({ projectId, userId, user }) =>
      this.#merge(projectId, userId, user, at),
    );
  }

  /** Entries held (projects, users, devices, device index): zero when nobody is present. For tests. */
  get size(): number {
    let size = this.#projects.size + this.#devices.size;
    for (const users of this.#projects.values()) {
      size += users.size;
      for (const user of users.values()) size += user.devices.size;
    }
    return size;
  }

  /** The device (in every project it is in: one connection, one node) lives another TTL from `at`. */
  #refresh(deviceId: string, at: number): void {
    const expiresAt = at + this.#ttlMs;
    for (const [projectId, userId] of this.#devices.get(deviceId) ?? []) {
      const device = this.#projects.get(projectId)?.get(userId)?.devices.get(deviceId);
      if (device) device.expiresAt = expiresAt;
    }
  }

  /** Takes the device out of the project; answers whose it was (their entry, emptied or not), or null. */
  #remove(projectId: string, deviceId: string): { userId: string; user: UserEntry } | null {
    const joined = this.#devices.get(deviceId);
    const userId = joined?.get(projectId);
    if (!joined || userId === undefined) return null;
    joined.delete(projectId);
    if (joined.size === 0) this.#devices.delete(deviceId);
    const users = this.#projects.get(projectId);
    const user = users?.get(userId);
    if (!users || !user) return null;
    user.devices.delete(deviceId);
    if (user.devices.size === 0) {
      users.delete(userId);
      if (users.size === 0) this.#projects.delete(projectId);
    }
    return { userId, user };
  }

  /** The user's state over devices live at `now` (default: at the change, `floor`). */
  #merge(projectId: string, userId: string, user: UserEntry, floor: number, now = floor): PresenceState {
    const live: DeviceRecord[] = [];
    for (const [deviceId, device] of user.devices) {
      if (device.expiresAt > now) live.push({ deviceId, ...device });
    }
    return mergePresence(projectId, userId, user.name, live, floor);
  }
}

function getOrAdd<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}
