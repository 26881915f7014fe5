import { type DomainEvent, type ProjectEventName, projectEventNames, userRoles } from "@codepark/protocol";
import type { ProjectRooms } from "./project-rooms.ts";
import { joinedProjectIds, projectRoom, type RealtimeSocket, userRoom } from "./types.ts";

type ProjectEvent = Extract<DomainEvent, { type: ProjectEventName }>;

const projectEvents = new Set<string>(projectEventNames);
const isProjectEvent = (event: DomainEvent): event is ProjectEvent => projectEvents.has(event.type);

/**
 * Committed domain events → rooms. Project events go to `project:<id>` under their own name; events
 * that may take access away re-check (or revoke) the affected connections. Returns the async
 * follow-up work, if any, so the gateway can wait for it on close.
 */
export function relayDomainEvent(rooms: ProjectRooms, event: DomainEvent): Promise<unknown> | undefined {
  if (isProjectEvent(event)) {
    // Membership events also reach the member's own room: a client learns it was added or removed
    // even where it has not joined (or can no longer join) the project.
    const user = "userId" in event.data ? event.data.userId : undefined;
    rooms.emit(
      event.data.projectId,
      event.type,
      { ...event.data, actorId: event.actorId },
      { user, local: true },
    );
  }
  switch (event.type) {
    case "project.deleted": {
      rooms.accessChanged();
      const { projectId } = event.data;
      const sockets = rooms.localSockets(projectRoom(projectId));
      return Promise.all(sockets.map((socket) => rooms.evict(socket, projectId, "project_deleted")));
    }
    case "project.updated": {
      if (!event.data.changedFields.includes("visibility")) return undefined;
      rooms.accessChanged();
      const { projectId } = event.data;
      return rooms.recheck(projectId, rooms.localSockets(projectRoom(projectId)));
    }
    case "member.removed":
    case "member.role_changed": {
      rooms.accessChanged();
      const { projectId, userId } = event.data;
      return rooms.recheck(projectId, rooms.localSockets(userRoom(userId)));
    }
    case "user.role_changed": {
      rooms.accessChanged();
      const role = userRoles.find((known) => known === event.data.role);
      const sockets = rooms.localSockets(userRoom(event.data.userId));
      if (!role) {
        for (const socket of sockets) socket.disconnect(true);
        return undefined;
      }
      for (const socket of sockets) socket.data.actor = { ...socket.data.actor, role };
      return Promise.all(
        joinedProjects(sockets).map(([projectId, joined]) => rooms.recheck(projectId, joined)),
      );
    }
    case "session.revoked": {
      rooms.accessChanged();
      const { sessionId } = event.data;
      disconnectWhere(rooms.localSockets(userRoom(event.data.userId)), (socket) => {
        const actor = socket.data.actor;
        return actor.kind === "session" && actor.sessionId === sessionId;
      });
      return undefined;
    }
    case "api_key.revoked": {
      rooms.accessChanged();
      const { apiKeyId } = event.data;
      disconnectWhere(rooms.localSockets(userRoom(event.data.userId)), (socket) => {
        const actor = socket.data.actor;
        return actor.kind === "api_key" && actor.apiKeyId === apiKeyId;
      });
      return undefined;
    }
    default:
      return undefined;
  }
}

function disconnectWhere(sockets: RealtimeSocket[], revoked: (socket: RealtimeSocket) => boolean): void {
  for (const socket of sockets) if (revoked(socket)) socket.disconnect(true);
}

/** projectId → the given sockets that are in its room. */
function joinedProjects(sockets: RealtimeSocket[]): [string, RealtimeSocket[]][] {
  const byProject = new Map<string, RealtimeSocket[]>();
  for (const socket of sockets) {
    for (const projectId of joinedProjectIds(socket)) {
      const list = byProject.get(projectId);
      if (list) list.push(socket);
      else byProject.set(projectId, [socket]);
    }
  }
  return [...byProject];
}
