import { describe, expect, it } from "vitest";
import type { Actor } from "../actor.ts";
import { DocumentAwareness, REMOTE_AWARENESS_TIMEOUT_MS } from "./awareness.ts";
import type { Peer } from "./peer.ts";
import { type AwarenessEntry, decodeAwareness, decodeMessage, encodeAwareness } from "./protocol.ts";

function peer(name: string): Peer {
  return {
    actor: {
      kind: "session",
      userId: `usr_${name}`,
      role: "user",
      plan: "free",
      sessionId: `ses_${name}`,
    } as Actor,
    user: { id: `usr_${name}`, name, color: "#123456" },
    readOnly: false,
    awarenessIds: new Set(),
    send: () => {},
    close: () => {},
  };
}

/** The inner awareness payload of a frame as encodeAwareness builds it (what a client sends). */
const payload = (entries: AwarenessEntry[]) => {
  const message = decodeMessage(encodeAwareness(entries));
  if (message.type !== "awareness") throw new Error("not an awareness frame");
  return message.payload;
};
const entriesOf = (frame: Uint8Array | null) => {
  if (!frame) return [];
  const message = decodeMessage(frame);
  return message.type === "awareness" ? decodeAwareness(message.payload) : [];
};
const cursor = (n: number) => JSON.stringify({ cursor: n });

describe("awareness across nodes", () => {
  it("keeps another node's entries, forwards only advancing clocks, and removes them on its null", () => {
    const here = new DocumentAwareness();
    const stamped = JSON.stringify({ cursor: 1, user: { id: "usr_b", name: "Bo", color: "#000" } });
    const first = here.applyRemote("node-b", payload([{ clientId: 7, clock: 1, state: stamped }]), 0);
    expect(entriesOf(first)).toEqual([{ clientId: 7, clock: 1, state: stamped }]);
    expect(here.applyRemote("node-b", payload([{ clientId: 7, clock: 1, state: stamped }]), 10)).toBeNull();
    expect(entriesOf(here.snapshot(10))).toEqual([{ clientId: 7, clock: 1, state: stamped }]);

    const removed = here.applyRemote("node-b", payload([{ clientId: 7, clock: 2, state: "null" }]), 20);
    expect(entriesOf(removed)).toEqual([{ clientId: 7, clock: 2, state: "null" }]);
    expect(here.snapshot(20)).toBeNull();
  });

  it("an echo of a remote state by a local connection does not take the id over; an advancing clock does", () => {
    const here = new DocumentAwareness();
    const local = peer("Al");
    here.applyRemote("node-b", payload([{ clientId: 7, clock: 3, state: cursor(1) }]), 0);
    // y-websocket clients re-send states they receive: same clock, not theirs.
    expect(here.apply(local, payload([{ clientId: 7, clock: 3, state: cursor(1) }]))).toBeNull();
    expect(local.awarenessIds.has(7)).toBe(false);
    // The client itself moved here: its clock advances and the id becomes this connection's.
    const moved = here.apply(local, payload([{ clientId: 7, clock: 4, state: cursor(2) }]));
    expect(entriesOf(moved)[0]).toMatchObject({ clientId: 7, clock: 4 });
    expect(local.awarenessIds.has(7)).toBe(true);
    // From then on the other node cannot speak for it.
    expect(here.applyRemote("node-b", payload([{ clientId: 7, clock: 9, state: "null" }]), 5)).toBeNull();
    expect(entriesOf(here.snapshot(5)).map((entry) => entry.clientId)).toEqual([7]);
  });

  it("forgets a remote entry not renewed within the timeout (its node died without a word)", () => {
    const here = new DocumentAwareness();
    here.applyRemote("node-b", payload([{ clientId: 7, clock: 1, state: cursor(1) }]), 0);
    here.applyRemote("node-b", payload([{ clientId: 7, clock: 1, state: cursor(1) }]), 20_000);
    expect(here.snapshot(20_000 + REMOTE_AWARENESS_TIMEOUT_MS)).not.toBeNull();
    expect(here.snapshot(20_001 + REMOTE_AWARENESS_TIMEOUT_MS)).toBeNull();
  });
});
