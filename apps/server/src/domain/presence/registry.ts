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
 * Who is in which project, per device. Socket-agnostic: a device is any connection id. One node's
 * registry lives in memory (infra/presence/memory-registry.ts); a cluster's in Redis
 * (infra/presence/redis-registry.ts), where every device belongs to the node holding its connection
 * and expires unless that node keeps it alive: a node that dies stops counting after the TTL, and
 * `sweep` (run by every node) removes what it left and says whose presence that changed.
 *
 * Every answer is over live devices only: an expired device is never listed, counted or merged in.
 * A user's devices are ordered by device id, a project's users by user id.
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
  /**
   * Removes the devices that expired by `now` (their node stopped keeping them alive) and answers the
   * merged state of each user that changed, once per (project, user): however many nodes sweep at the
   * same time, each change is answered to exactly one of them, so it is announced once.
   */
  sweep(now: Date): Promise<PresenceState[]>;
  /** False when no device ever expires (one node's memory: disconnects remove them), so sweeping is moot. */
  readonly expires: boolean;
}
