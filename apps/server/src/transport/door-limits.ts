import type { ConnectionGate, LimitName } from "../domain/limits/connection-gate.ts";

/** What both WebSocket doors (collaboration, Socket.IO) need to enforce the connection limits. */
export interface DoorLimits {
  /** The connection caps, one gate shared by both doors (and by every node through its ledger). */
  gate: ConnectionGate;
  /** TRUST_PROXY: the client IP is X-Forwarded-For's, as for HTTP requests. */
  trustProxy: boolean;
  /** Counts a refusal by a limit (codepark_limit_rejections_total). */
  refused(limit: LimitName): void;
}
