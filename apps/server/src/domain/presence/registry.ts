import type { DevicePresenceStatus, PresenceState } from "@codepark/protocol";

export interface PresenceMember {
  userId: string;
  name: string;
}

export interface PresencePatch {
  status?: DevicePresenceStatus | undefined;
  fileId?: string | null | undefined;
}

export interface PresenceUpdate {
  state: PresenceState;
  /** False when the update changed nothing but lastSeen (no need to tell anyone). */
  changed: boolean;
}

export interface PresenceStats {
  /** (project, user) pairs whose merged status is online / away. */
  online: number;
  away: number;
  /** (project, device) pairs present. */
  devices: number;
}

/**
 * Who is in which project, per device. Socket-agnostic: a device is any connection id. The
 * in-memory implementation serves one node; a shared (Redis) one can implement the same
 * interface later, hence the promises.
 */
export interface PresenceRegistry {
  /** Adds the device to the project (online, no file; idempotent) and answers the user's merged state. */
  join(projectId: string, deviceId: string, member: PresenceMember, now: Date): Promise<PresenceState>;
  /** Changes a present device's status or open file; null when the device is not in the project. */
  update(
    projectId: string,
    deviceId: string,
    patch: PresencePatch,
    now: Date,
  ): Promise<PresenceUpdate | null>;
  /** Removes the device; answers the user's merged state (offline if it was their last device), or null. */
  leave(projectId: string, deviceId: string, now: Date): Promise<PresenceState | null>;
  /** Removes the device from every project (on disconnect); answers each affected user's merged state. */
  leaveAll(deviceId: string, now: Date): Promise<PresenceState[]>;
  /** Everyone present in the project. */
  list(projectId: string): Promise<PresenceState[]>;
  stats(): Promise<PresenceStats>;
}

interface DeviceEntry {
  status: DevicePresenceStatus;
  fileId: string | null;
  lastSeen: Date;
}

interface UserEntry {
  name: string;
  devices: Map<string, DeviceEntry>;
}

/** This node's presence: a few small maps, emptied as devices leave (nothing outlives its last device). */
export class MemoryPresenceRegistry implements PresenceRegistry {
  /** projectId → userId → devices. */
  readonly #projects = new Map<string, Map<string, UserEntry>>();
  /** deviceId → projectId → userId: what to clean when a device goes away. */
  readonly #devices = new Map<string, Map<string, string>>();

  async join(projectId: string, deviceId: string, member: PresenceMember, now: Date): Promise<PresenceState> {
    const users = getOrAdd(this.#projects, projectId, () => new Map<string, UserEntry>());
    const user = getOrAdd(users, member.userId, () => ({ name: member.name, devices: new Map() }));
    user.name = member.name;
    const device = user.devices.get(deviceId);
    if (device) device.lastSeen = now;
    else user.devices.set(deviceId, { status: "online", fileId: null, lastSeen: now });
    getOrAdd(this.#devices, deviceId, () => new Map<string, string>()).set(projectId, member.userId);
    return merge(projectId, member.userId, user, now);
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
    device.lastSeen = now;
    return { state: merge(projectId, userId, user, now), changed };
  }

  async leave(projectId: string, deviceId: string, now: Date): Promise<PresenceState | null> {
    return this.#leave(projectId, deviceId, now);
  }

  async leaveAll(deviceId: string, now: Date): Promise<PresenceState[]> {
    const joined = this.#devices.get(deviceId);
    if (!joined) return [];
    const states: PresenceState[] = [];
    for (const projectId of [...joined.keys()]) {
      const state = this.#leave(projectId, deviceId, now);
      if (state) states.push(state);
    }
    return states;
  }

  async list(projectId: string): Promise<PresenceState[]> {
    const users = this.#projects.get(projectId);
    if (!users) return [];
    return [...users].map(([userId, user]) => merge(projectId, userId, user, new Date(0)));
  }

  async stats(): Promise<PresenceStats> {
    const stats: PresenceStats = { online: 0, away: 0, devices: 0 };
    for (const users of this.#projects.values()) {
      for (const user of users.values()) {
        stats.devices += user.devices.size;
        if ([...user.devices.values()].some((device) => device.status === "online")) stats.online += 1;
        else stats.away += 1;
      }
    }
    return stats;
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

  #leave(projectId: string, deviceId: string, now: Date): PresenceState | null {
    const joined = this.#devices.get(deviceId);
    const userId = joined?.get(projectId);
    if (!joined || userId === undefined) return null;
    joined.delete(projectId);
    if (joined.size === 0) this.#devices.delete(deviceId);
    const users = this.#projects.get(projectId);
    const user = users?.get(userId);
    if (!users || !user) return null;
    user.devices.delete(deviceId);
    if (user.devices.size > 0) return merge(projectId, userId, user, now);
    users.delete(userId);
    if (users.size === 0) this.#projects.delete(projectId);
    return {
      projectId,
      userId,
      name: user.name,
      status: "offline",
      lastSeen: now.toISOString(),
      fileIds: [],
      devices: [],
    };
  }
}

/** A user's state over their devices; `floor` is the earliest lastSeen to report (the time of a change). */
function merge(projectId: string, userId: string, user: UserEntry, floor: Date): PresenceState {
  let online = false;
  let lastSeen = floor.getTime();
  const fileIds = new Set<string>();
  const devices = [];
  for (const [deviceId, device] of user.devices) {
    if (device.status === "online") online = true;
    lastSeen = Math.max(lastSeen, device.lastSeen.getTime());
    if (device.fileId !== null) fileIds.add(device.fileId);
    devices.push({
      deviceId,
      status: device.status,
      fileId: device.fileId,
      lastSeen: device.lastSeen.toISOString(),
    });
  }
  return {
    projectId,
    userId,
    name: user.name,
    status: online ? "online" : "away",
    lastSeen: new Date(lastSeen).toISOString(),
    fileIds: [...fileIds],
    devices,
  };
}

function getOrAdd<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}
