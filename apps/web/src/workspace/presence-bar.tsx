import type { FileInfo, PresenceState } from "../api/types.ts";
import { colorFor } from "../ui/colors.ts";
import type { ConnectionState } from "./connection.ts";
import type { RealtimeStatus } from "./use-project-socket.ts";

/** Who is in the project and which file each person has open. */
export function PresenceBar({
  presence,
  files,
  selfId,
}: {
  presence: Map<string, PresenceState>;
  files: FileInfo[];
  selfId: string;
}) {
  const people = [...presence.values()]
    .filter((state) => state.status !== "offline")
    .sort((a, b) => (a.userId === selfId ? -1 : b.userId === selfId ? 1 : a.name.localeCompare(b.name)));
  const pathOf = (fileId: string) => files.find((file) => file.id === fileId)?.path;
  return (
    <ul className="presence-bar" aria-label="People in this project">
      {people.map((state) => {
        const open = state.fileIds.map(pathOf).filter(Boolean).join(", ");
        const who = state.userId === selfId ? `${state.name} (you)` : state.name;
        const description = `${who}, ${state.status}${open ? `, editing ${open}` : ""}`;
        return (
          <li key={state.userId} className={`presence presence-${state.status}`} title={description}>
            <span className="avatar" style={{ backgroundColor: colorFor(state.userId) }} aria-hidden="true">
              {state.name.slice(0, 1).toUpperCase()}
            </span>
            <span className="presence-text">
              <span className="presence-name">{who}</span>
              <span className="presence-file">
                {state.status === "away" ? "away" : open || "no file open"}
              </span>
            </span>
            <span className="visually-hidden">{description}</span>
          </li>
        );
      })}
    </ul>
  );
}

const LABELS = { connected: "Connected", syncing: "Syncing…", offline: "Offline", closed: "Disconnected" };

/** Connected / syncing / offline for the open file's live document (and the realtime channel). */
export function ConnectionIndicator({
  state,
  realtime,
}: {
  state: ConnectionState | null;
  realtime: RealtimeStatus;
}) {
  const kind =
    state?.kind ?? (realtime === "connected" ? "connected" : realtime === "offline" ? "offline" : "syncing");
  const detail =
    state?.detail ?? (kind === "offline" ? "Edits are kept on this device and sync when you reconnect." : "");
  return (
    <div
      className={`connection connection-${kind}`}
      role="status"
      data-state={kind}
      title={detail || LABELS[kind]}
    >
      <span className="connection-dot" aria-hidden="true" />
      <span className="connection-label">{LABELS[kind]}</span>
      {detail && <span className="visually-hidden"> — {detail}</span>}
    </div>
  );
}
