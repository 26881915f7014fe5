import { describe, expect, it } from "vitest";
import type { Actor } from "../../domain/actor.ts";
import { ConnectionGate, describeRefusal, type LimitName } from "../../domain/limits/connection-gate.ts";
import type { ConnectionLedger } from "../../domain/limits/connection-ledger.ts";
import { DEFAULT_TIERS, parseTierSpec, type TierTable } from "../../domain/limits/tiers.ts";
import { MemoryConnectionLedger } from "./memory-ledger.ts";

const tiers = Object.fromEntries(
  Object.entries(DEFAULT_TIERS).map(([tier, spec]) => [tier, parseTierSpec(spec)]),
) as TierTable;

const session = (userId: string, plan: Actor["plan"] = "free"): Actor => ({
  kind: "session",
  userId,
  role: "user",
  plan,
  sessionId: `ses_${userId}`,
});
const apiKey = (userId: string, plan: Actor["plan"] = "free"): Actor => ({
  kind: "api_key",
  userId,
  role: "user",
  plan,
  apiKeyId: `key_${userId}`,
  scopes: ["projects:read"],
});

function gate(options: { enabled?: boolean; tiers?: TierTable; ledger?: ConnectionLedger } = {}) {
  const ledger = options.ledger ?? new MemoryConnectionLedger();
  const refusals: LimitName[] = [];
  const made = new ConnectionGate({
    ledger,
    tiers: options.tiers ?? tiers,
    enabled: options.enabled ?? true,
    onRefused: (limit) => refusals.push(limit),
  });
  return { gate: made, ledger, refusals };
}

describe("ConnectionGate", () => {
  it("holds the seed figures: 20 free, 100 pro, 1,000 enterprise; API keys count against the owner", async () => {
    const { gate: g, ledger, refusals } = gate();
    for (const [plan, figure] of [
      ["free", 20],
      ["pro", 100],
      ["enterprise", 1000],
    ] as const) {
      const user = `usr_${plan}`;
      for (let i = 0; i < figure; i++) {
        const actor = i % 2 ? apiKey(user, plan) : session(user, plan);
        expect(await g.open(`${plan}${i}`, "10.0.0.1").enterAs(actor)).toBe(true);
      }
      const over = g.open(`${plan}-over`, "10.0.0.1");
      expect(await over.enterAs(apiKey(user, plan))).toBe(false);
      expect(over.refusal).toEqual({ tier: plan, limit: figure });
      expect(await ledger.count(`user:${user}`)).toBe(figure);
    }
    expect(refusals).toEqual(["connections", "connections", "connections"]);
    expect(describeRefusal({ tier: "pro", limit: 100 })).toBe(
      "connection limit: 100 open connections on the pro plan",
    );
  });

  it("anonymous: 5 per IP while authenticating; entering as a person gives the IP's slot back", async () => {
    const { gate: g, ledger } = gate();
    const slots = Array.from({ length: 5 }, (_, i) => g.open(`c${i}`, "10.0.0.9"));
    for (const slot of slots) expect(await slot.enterAnonymous()).toBe(true);
    const sixth = g.open("c5", "10.0.0.9");
    expect(await sixth.enterAnonymous()).toBe(false);
    expect(describeRefusal(sixth.refusal)).toBe(
      "connection limit: 5 open connections from this address before signing in",
    );
    expect(await g.open("other", "10.0.0.10").enterAnonymous()).toBe(true);
    expect(await slots[0]!.enterAs(session("usr_a"))).toBe(true);
    expect(await ledger.count("ip:10.0.0.9")).toBe(4);
    expect(await ledger.count("user:usr_a")).toBe(1);
    expect(await g.open("c6", "10.0.0.9").enterAnonymous()).toBe(true);
    // Refused as a person: still an anonymous connection, its IP slot kept until it closes.
    const { gate: tight, ledger: tightLedger } = gate({
      tiers: { ...tiers, free: parseTierSpec("300/min burst 30 connections 1") },
    });
    expect(await tight.open("t1", "10.0.0.9").enterAs(session("usr_b"))).toBe(true);
    const refused = tight.open("t2", "10.0.0.9");
    expect(await refused.enterAnonymous()).toBe(true);
    expect(await refused.enterAs(session("usr_b"))).toBe(false);
    expect(await tightLedger.count("ip:10.0.0.9")).toBe(1);
    await refused.close();
    expect(await tightLedger.count("ip:10.0.0.9")).toBe(0);
  });

  it("close() gives back every slot, also one whose acquire was still in flight; twice is harmless", async () => {
    const memory = new MemoryConnectionLedger();
    let letThrough = () => {};
    const slow: ConnectionLedger = {
      acquire: async (...args) => {
        await new Promise<void>((resolve) => {
          letThrough = resolve;
        });
        return memory.acquire(...args);
      },
      release: (...args) => memory.release(...args),
      count: (subject) => memory.count(subject),
    };
    const { gate: g } = gate({ ledger: slow });
    const slot = g.open("c1", "10.0.0.1");
    const entering = slot.enterAs(session("usr_a"));
    await slot.close();
    letThrough();
    expect(await entering).toBe(false);
    expect(memory.size).toBe(0);
    await slot.close();
    expect(memory.size).toBe(0);
  });

  it("off (RATE_LIMIT_ENABLED=false), or a tier without a connections figure: everyone in, nothing counted", async () => {
    const off = gate({ enabled: false });
    for (let i = 0; i < 50; i++) {
      const slot = off.gate.open(`c${i}`, "10.0.0.1");
      expect(await slot.enterAnonymous()).toBe(true);
      expect(await slot.enterAs(session("usr_a"))).toBe(true);
    }
    expect((off.ledger as MemoryConnectionLedger).size).toBe(0);
    const uncapped = gate({ tiers: { ...tiers, free: parseTierSpec("300/min burst 30") } });
    for (let i = 0; i < 50; i++)
      expect(await uncapped.gate.open(`c${i}`, "10.0.0.1").enterAs(session("u"))).toBe(true);
    expect(await uncapped.ledger.count("user:u")).toBe(0);
  });
});
