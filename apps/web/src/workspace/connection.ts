/** What the person sees about the live connection of the open file. */
export type ConnectionKind = "connected" | "syncing" | "offline" | "closed";

export interface ConnectionState {
  kind: ConnectionKind;
  /** A sentence for closed connections (why) and offline ones (what happens to edits). */
  detail?: string;
}
