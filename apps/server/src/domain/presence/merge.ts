import type { DevicePresence, DevicePresenceStatus, PresenceState } from "@codepark/protocol";

/** One stored device of a user in a project, as both registries hold it. */
export interface DeviceRecord {
  deviceId: string;
  status: DevicePresenceStatus;
  fileId: string | null;
  /** Epoch milliseconds. */
  lastSeen: number;
}

/**
 * A user's state over their live devices (ordered by device id): online if any is online, away when
 * all are, offline when none is left. `floor` (epoch ms) is the earliest lastSeen to report: the time
 * of the change being announced.
 */
export function mergePresence(
  projectId: string,
  userId: string,
  name: string,
  records: readonly DeviceRecord[],
  floor: number,
): PresenceState {
  const sorted = [...records].sort((a, b) =>
    a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0,
  );
  let online = false;
  let lastSeen = floor;
  const fileIds = new Set<string>();
  const devices: DevicePresence[] = [];
  for (const device of sorted) {
    if (device.status === "online") online = true;
    lastSeen = Math.max(lastSeen, device.lastSeen);
    if (device.fileId !== null) fileIds.add(device.fileId);
    devices.push({
      deviceId: device.deviceId,
      status: device.status,
      fileId: device.fileId,
      lastSeen: new Date(device.lastSeen).toISOString(),
    });
  }
  return {
    projectId,
    userId,
    name,
    status: devices.length === 0 ? "offline" : online ? "online" : "away",
    lastSeen: new Date(lastSeen).toISOString(),
    fileIds: [...fileIds],
    devices,
  };
}

/** A project's users in a stable order (by user id). */
export function byUserId(a: PresenceState, b: PresenceState): number {
  return a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;
}
