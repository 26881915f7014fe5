import { z } from "zod";
import type { AckResponse } from "./ack.ts";
import { id } from "./api/common.ts";
import type { Notification, UnreadCount } from "./api/notifications.ts";
import { type ChatClientEvents, type ChatServerEvents, chatClientEventNames } from "./chat-realtime.ts";
import type { ProjectEventName, ProjectEventPayloads } from "./events.ts";

/**
 * The Socket.IO realtime channel: same origin and port as the API, path `/socket.io`, handshake
 * `auth: { token }` (access token or API key). Every client payload is validated with the schemas
 * below; every request event answers through its acknowledgement callback.
 */
export const REALTIME_PATH = "/socket.io";

export const presenceStatuses = ["online", "away", "offline"] as const;
export type PresenceStatus = (typeof presenceStatuses)[number];
/** What a device may report; `offline` is what the server says when a user's last device leaves. */
export const devicePresenceStatuses = ["online", "away"] as const;
export type DevicePresenceStatus = (typeof devicePresenceStatuses)[number];

export const projectJoinPayload = z.strictObject({ projectId: id });
export const projectLeavePayload = z.strictObject({ projectId: id });
export const presenceUpdatePayload = z.strictObject({
  projectId: id,
  status: z.enum(devicePresenceStatuses).optional(),
  /** The file this device has open; null when none. Omitted: unchanged. */
  fileId: id.nullable().optional(),
});
export const typingPayload = z.strictObject({ projectId: id, fileId: id.nullable().optional() });

export type ProjectJoinPayload = z.infer<typeof projectJoinPayload>;
export type ProjectLeavePayload = z.infer<typeof projectLeavePayload>;
export type PresenceUpdatePayload = z.infer<typeof presenceUpdatePayload>;
export type TypingPayload = z.infer<typeof typingPayload>;

/** One connection (browser tab, editor window) of a user in a project. */
export interface DevicePresence {
  deviceId: string;
  status: DevicePresenceStatus;
  fileId: string | null;
  lastSeen: string;
}

/**
 * A user's presence in one project, merged over their devices: online when any device is online,
 * away when every device is away, offline (with lastSeen) once the last device has left.
 */
export interface PresenceState {
  projectId: string;
  userId: string;
  name: string;
  status: PresenceStatus;
  /** ISO-8601: the latest activity of any device, or when the last device left. */
  lastSeen: string;
  /** Distinct files open across the user's devices. */
  fileIds: string[];
  devices: DevicePresence[];
}

export type ProjectJoinAck = AckResponse<{ deviceId: string; presence: PresenceState[] }>;
export type PresenceUpdateAck = AckResponse<{ presence: PresenceState }>;

/** Broadcast to the other members in the room; the server stamps who is typing. */
export interface TypingEvent {
  projectId: string;
  fileId: string | null;
  userId: string;
  name: string;
}

/** Sent to a socket the server took out of a project room. */
export interface ProjectLeftEvent {
  projectId: string;
  reason: "access_revoked" | "project_deleted";
}

/** A project domain event as room members receive it: its payload plus who did it. */
export type RealtimeProjectEvent<K extends ProjectEventName> = ProjectEventPayloads[K] & {
  actorId: string | null;
};

export type ProjectEventListeners = {
  [K in ProjectEventName]: (event: RealtimeProjectEvent<K>) => void;
};

export interface ServerToClientEvents extends ProjectEventListeners, ChatServerEvents {
  "presence:update": (state: PresenceState) => void;
  typing: (event: TypingEvent) => void;
  "project:left": (event: ProjectLeftEvent) => void;
  /** A new entry in your inbox (sent to your own connections only). */
  notification: (notification: Notification) => void;
  /** Your unread count after a notification arrived or was read, archived or read-all. */
  "notifications:unread-count": (count: UnreadCount) => void;
}

export interface ClientToServerEvents extends ChatClientEvents {
  "project:join": (payload: ProjectJoinPayload, ack: (response: ProjectJoinAck) => void) => void;
  "project:leave": (payload: ProjectLeavePayload, ack: (response: AckResponse) => void) => void;
  "presence:update": (payload: PresenceUpdatePayload, ack: (response: PresenceUpdateAck) => void) => void;
  typing: (payload: TypingPayload, ack?: (response: AckResponse) => void) => void;
}

export type ClientToServerEventName = keyof ClientToServerEvents;

export const clientToServerEventNames = [
  ...chatClientEventNames,
  "project:join",
  "project:leave",
  "presence:update",
  "typing",
] as const satisfies readonly ClientToServerEventName[];
