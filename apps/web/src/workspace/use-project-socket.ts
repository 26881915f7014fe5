import type {
  ClientToServerEvents,
  PresenceState,
  PresenceUpdatePayload,
  ProjectEventName,
  ProjectLeftEvent,
  RealtimeProjectEvent,
  ServerToClientEvents,
} from "@codepark/protocol";
import { projectEventNames } from "@codepark/protocol/events";
import { useCallback, useEffect, useRef, useState } from "react";
import { io, type Socket } from "socket.io-client";
import { api } from "../api/client.ts";
import { currentAccessToken, refreshAccessToken } from "../api/refresh.ts";
import { getSession } from "../api/session.ts";

type ProjectSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Imported from the zod-free events entry, so the bundle does not pull in zod. */
const PROJECT_EVENTS = projectEventNames;

export type ProjectEventHandler = <K extends ProjectEventName>(
  name: K,
  event: RealtimeProjectEvent<K>,
) => void;
export type RealtimeStatus = "connecting" | "connected" | "offline";

/**
 * Joins the project's Socket.IO room: presence of everyone in the project, project events (files
 * created/renamed/deleted by others, membership changes). Reports this device's open file and
 * whether the page is visible (away when hidden).
 */
export function useProjectSocket(
  projectId: string,
  onEvent: ProjectEventHandler,
  onLeft: (event: ProjectLeftEvent) => void,
) {
  const [presence, setPresence] = useState<Map<string, PresenceState>>(new Map());
  const [status, setStatus] = useState<RealtimeStatus>("connecting");
  const [error, setError] = useState<string | null>(null);
  const socketRef = useRef<ProjectSocket | null>(null);
  const joined = useRef(false);
  const mine = useRef<PresenceUpdatePayload>({ projectId, fileId: null, status: "online" });
  const handlers = useRef({ onEvent, onLeft });
  handlers.current = { onEvent, onLeft };

  const sendPresence = useCallback((socket: ProjectSocket) => {
    if (!joined.current || !socket.connected) return;
    socket.emit("presence:update", mine.current, (ack) => {
      if (ack.ok) setPresence((map) => new Map(map).set(ack.presence.userId, ack.presence));
    });
  }, []);

  useEffect(() => {
    mine.current = {
      projectId,
      fileId: mine.current.fileId ?? null,
      status: document.hidden ? "away" : "online",
    };
    /** The token the last handshake sent: the one to report as stale if the server refuses it. */
    let handshakeToken = "";
    const socket: ProjectSocket = io({
      path: "/socket.io",
      auth: (callback) => {
        const send = (token: string | null | undefined) => {
          handshakeToken = token ?? "";
          callback({ token: handshakeToken });
        };
        currentAccessToken().then(send, () => send(getSession()?.accessToken));
      },
    });
    socketRef.current = socket;
    let authRetries = 0;

    socket.on("connect", async () => {
      setStatus("connected");
      setError(null);
      authRetries = 0;
      const ack = await socket.emitWithAck("project:join", { projectId });
      if (!ack.ok) {
        setError(ack.error.message);
        return;
      }
      joined.current = true;
      setPresence(new Map(ack.presence.map((state) => [state.userId, state])));
      sendPresence(socket);
    });
    socket.on("disconnect", (reason) => {
      joined.current = false;
      setStatus("offline");
      // The server ends sockets whose session was revoked: find out (the API signs out if so).
      if (reason === "io server disconnect") {
        void api.get("/me").then(
          () => socket.connect(),
          () => undefined,
        );
      }
    });
    socket.on("connect_error", (failure: Error & { data?: { code?: string } }) => {
      setStatus("offline");
      if (socket.active) return; // a network failure: socket.io retries by itself
      // Refused by the server's auth check: refresh the token once, then confirm the session.
      authRetries += 1;
      if (failure.data?.code === "token_expired" && handshakeToken && authRetries <= 2) {
        void refreshAccessToken(handshakeToken).then(
          (fresh) => fresh && socket.connect(),
          () => undefined,
        );
      } else {
        void api.get("/me").then(
          () => authRetries <= 2 && socket.connect(),
          () => undefined,
        );
      }
    });
    socket.on("presence:update", (state) => setPresence((map) => new Map(map).set(state.userId, state)));
    socket.on("project:left", (event) => handlers.current.onLeft(event));
    for (const name of PROJECT_EVENTS) {
      socket.on(name, ((event: RealtimeProjectEvent<typeof name>) =>
        handlers.current.onEvent(name, event)) as never);
    }

    const onVisibility = () => {
      mine.current = { ...mine.current, status: document.hidden ? "away" : "online" };
      sendPresence(socket);
    };
    const onOffline = () => socket.disconnect();
    const onOnline = () => socket.connect();
    document.addEventListener("visibilitychange", onVisibility);
    window.addEventListener("offline", onOffline);
    window.addEventListener("online", onOnline);
    return () => {
      document.removeEventListener("visibilitychange", onVisibility);
      window.removeEventListener("offline", onOffline);
      window.removeEventListener("online", onOnline);
      joined.current = false;
      socket.disconnect();
      socketRef.current = null;
    };
  }, [projectId, sendPresence]);

  /** Tells the room which file this device has open. */
  const setOpenFile = useCallback(
    (fileId: string | null) => {
      if (mine.current.fileId === fileId) return;
      mine.current = { ...mine.current, fileId };
      if (socketRef.current) sendPresence(socketRef.current);
    },
    [sendPresence],
  );

  return { presence, status, error, setOpenFile };
}
