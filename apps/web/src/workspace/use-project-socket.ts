import type {
  PresenceState,
  PresenceUpdatePayload,
  ProjectEventName,
  ProjectLeftEvent,
  RealtimeProjectEvent,
} from "@codepark/protocol";
import { projectEventNames } from "@codepark/protocol/events";
import { useCallback, useEffect, useRef, useState } from "react";
import { type AppSocket, onEveryConnect, type RealtimeStatus, useRealtime } from "../realtime/socket.ts";

/** Imported from the zod-free events entry, so the bundle does not pull in zod. */
const PROJECT_EVENTS = projectEventNames;

export type ProjectEventHandler = <K extends ProjectEventName>(
  name: K,
  event: RealtimeProjectEvent<K>,
) => void;
export type { RealtimeStatus };

/**
 * Joins the project's Socket.IO room on the tab's shared connection: presence of everyone in the
 * project, project events (files created/renamed/deleted by others, membership changes). Reports
 * this device's open file and whether the page is visible (away when hidden). Leaves the room when
 * the workspace closes.
 */
export function useProjectSocket(
  projectId: string,
  onEvent: ProjectEventHandler,
  onLeft: (event: ProjectLeftEvent) => void,
) {
  const { socket, status } = useRealtime();
  const [presence, setPresence] = useState<Map<string, PresenceState>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const socketRef = useRef<AppSocket | null>(null);
  const joined = useRef(false);
  const mine = useRef<PresenceUpdatePayload>({ projectId, fileId: null, status: "online" });
  const handlers = useRef({ onEvent, onLeft });
  handlers.current = { onEvent, onLeft };

  const sendPresence = useCallback((target: AppSocket) => {
    if (!joined.current || !target.connected) return;
    target.emit("presence:update", mine.current, (ack) => {
      if (ack.ok) setPresence((map) => new Map(map).set(ack.presence.userId, ack.presence));
    });
  }, []);

  useEffect(() => {
    if (!socket) return;
    socketRef.current = socket;
    mine.current = {
      projectId,
      fileId: mine.current.fileId ?? null,
      status: document.hidden ? "away" : "online",
    };
    let active = true;

    const join = () => {
      joined.current = false;
      socket.emit("project:join", { projectId }, (ack) => {
        if (!active) return;
        if (!ack.ok) {
          setError(ack.error.message);
          return;
        }
        setError(null);
        joined.current = true;
        setPresence(new Map(ack.presence.map((state) => [state.userId, state])));
        sendPresence(socket);
      });
    };
    const onDisconnect = () => {
      joined.current = false;
    };
    const onPresence = (state: PresenceState) => {
      if (state.projectId === projectId) setPresence((map) => new Map(map).set(state.userId, state));
    };
    const onProjectLeft = (event: ProjectLeftEvent) => {
      if (event.projectId === projectId) handlers.current.onLeft(event);
    };
    const eventListeners = PROJECT_EVENTS.map((name) => {
      const listener = (event: RealtimeProjectEvent<typeof name>) => {
        if (event.projectId === projectId) handlers.current.onEvent(name, event);
      };
      socket.on(name, listener as never);
      return [name, listener] as const;
    });
    socket.on("disconnect", onDisconnect);
    socket.on("presence:update", onPresence);
    socket.on("project:left", onProjectLeft);
    const stopJoining = onEveryConnect(socket, join);

    const onVisibility = () => {
      mine.current = { ...mine.current, status: document.hidden ? "away" : "online" };
      sendPresence(socket);
    };
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      active = false;
      document.removeEventListener("visibilitychange", onVisibility);
      stopJoining();
      socket.off("disconnect", onDisconnect);
      socket.off("presence:update", onPresence);
      socket.off("project:left", onProjectLeft);
      for (const [name, listener] of eventListeners) socket.off(name, listener as never);
      // The connection stays (the bell uses it): leave the room so presence shows us gone.
      if (socket.connected) socket.emit("project:leave", { projectId }, () => undefined);
      joined.current = false;
      socketRef.current = null;
    };
  }, [socket, projectId, sendPresence]);

  /** Tells the room which file this device has open. */
  const setOpenFile = useCallback(
    (fileId: string | null) => {
      if (mine.current.fileId === fileId) return;
      mine.current = { ...mine.current, fileId };
      if (socketRef.current) sendPresence(socketRef.current);
    },
    [sendPresence],
  );

  return { socket, presence, status, error, setOpenFile };
}
