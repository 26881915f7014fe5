import { randomUUID } from "node:crypto";
import type { Actor } from "../../domain/actor.ts";
import { AppError } from "../../domain/errors.ts";
import { type ConnectionSlot, describeRefusal } from "../../domain/limits/connection-gate.ts";
import type { DoorLimits } from "../door-limits.ts";

/**
 * A graphql-ws connection's place under the WebSocket connection caps the collaboration and Socket.IO
 * doors share: counted against its address from connection_init, then against its person at the
 * first operation that has one (the credential arrives in connection_init, which Mercurius hands
 * to onConnect without the socket).
 */
export class GraphqlConnection {
  #admitted = false;

  private constructor(private readonly slot: ConnectionSlot) {}

  /** Opens the slot for a new socket; the refusal (the socket is to be closed) when its address has too many. */
  static async open(
    limits: DoorLimits,
    ip: string,
    socket: { once(event: "close", listener: () => void): unknown },
  ): Promise<GraphqlConnection | AppError> {
    const slot = limits.gate.open(`graphql:${randomUUID()}`, ip);
    socket.once("close", () => void slot.close());
    // (A refusal is counted in the rejection metrics by the gate itself.)
    if (await slot.enterAnonymous()) return new GraphqlConnection(slot);
    return new AppError("connection_limit", describeRefusal(slot.refusal), undefined, {
      retryAfterSeconds: 1,
    });
  }

  /** Before each operation: the first one with a caller moves the count onto that person (or is refused). */
  async admit(actor: Actor | null): Promise<void> {
    if (this.#admitted || !actor) return;
    if (!(await this.slot.enterAs(actor))) {
      throw new AppError("connection_limit", describeRefusal(this.slot.refusal));
    }
    this.#admitted = true;
  }
}
