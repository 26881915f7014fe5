import type { Actor } from "../actor.ts";
import type { ConnectionLedger } from "./connection-ledger.ts";
import { connectionTierOf, type Tier, type TierTable } from "./tiers.ts";

/** Which limit refused something (the `limit` label of codepark_limit_rejections_total). */
export type LimitName = "connections" | "collab_messages" | "socket_messages" | "document_bytes";

export interface ConnectionGateOptions {
  ledger: ConnectionLedger;
  tiers: TierTable;
  /** RATE_LIMIT_ENABLED: off, every connection is let in and nothing is counted. */
  enabled: boolean;
  /** Told about every refusal (the metric). */
  onRefused?: (limit: LimitName) => void;
}

/** Why a connection was refused, for the client: the tier and its figure. */
export interface Refusal {
  tier: Exclude<Tier, "api_key">;
  limit: number;
}

/** The refusal in words, as close reasons and connect_error details carry it. */
export function describeRefusal(refusal: Refusal | null): string {
  if (!refusal) return "connection limit reached";
  const who =
    refusal.tier === "anonymous" ? "from this address before signing in" : `on the ${refusal.tier} plan`;
  return `connection limit: ${refusal.limit} open connections ${who}`;
}

/**
 * WebSocket connection caps per tier (RATE_LIMIT_<TIER> `connections N`), across both doors and
 * every node. Every door asks for a credential, so a connection is anonymous only until it has
 * authenticated: meanwhile it counts against its client IP with the anonymous figure (what bounds
 * half-open, never-authenticating connections); once authenticated it counts against the person,
 * with their plan's figure, API-key connections against the key's owner.
 */
export class ConnectionGate {
  constructor(private readonly options: ConnectionGateOptions) {}

  /** One connection's slots; `close()` it when the connection ends, however it ends. */
  open(connectionId: string, clientIp: string): ConnectionSlot {
    return new ConnectionSlot(this.options, connectionId, clientIp);
  }
}

export class ConnectionSlot {
  /** Subjects this connection is counted against. */
  readonly #held = new Set<string>();
  #closed = false;
  /** The refusal of the last enter…() that returned false. */
  refusal: Refusal | null = null;

  constructor(
    private readonly options: ConnectionGateOptions,
    readonly connectionId: string,
    readonly clientIp: string,
  ) {}

  /** Counts the connection against its IP while it authenticates; false when that IP has too many. */
  enterAnonymous(): Promise<boolean> {
    return this.#enter(`ip:${this.clientIp}`, "anonymous");
  }

  /**
   * Moves the connection onto the authenticated person's count (the IP's slot is given back); false
   * when they have their plan's number of connections open already (the IP's slot is kept until
   * close(): the connection is still an anonymous one).
   */
  async enterAs(actor: Actor): Promise<boolean> {
    if (!(await this.#enter(`user:${actor.userId}`, connectionTierOf(actor)))) return false;
    await this.#leave(`ip:${this.clientIp}`);
    return true;
  }

  /** Gives back every slot (idempotent); an acquire still in flight gives its slot back on arrival. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#held].map((subject) => this.#leave(subject)));
  }

  async #enter(subject: string, tier: Exclude<Tier, "api_key">): Promise<boolean> {
    const { enabled, tiers, ledger, onRefused } = this.options;
    const limit = tiers[tier].connections;
    if (!enabled || limit === null || this.#closed) return !this.#closed;
    this.#held.add(subject);
    const held = await ledger.acquire(subject, limit, this.connectionId);
    if (!held) {
      this.#held.delete(subject);
      this.refusal = { tier, limit };
      onRefused?.("connections");
      return false;
    }
    if (this.#closed) {
      // Closed while the acquire was in flight: its release may have gone first, so release again.
      await ledger.release(subject, this.connectionId);
      return false;
    }
    return true;
  }

  async #leave(subject: string): Promise<void> {
    if (!this.#held.delete(subject)) return;
    await this.options.ledger.release(subject, this.connectionId);
  }
}
