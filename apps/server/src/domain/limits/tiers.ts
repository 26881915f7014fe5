import type { UserPlan } from "@codepark/protocol";
import type { Actor } from "../actor.ts";

/** Who a limit counts against: an IP (no credential), an account's plan, or an API key of its own. */
export type Tier = "anonymous" | UserPlan | "api_key";

export interface TierLimits {
  /** Requests per minute; null is unlimited (only `burst` applies). */
  perMinute: number | null;
  /** Requests in any one second. */
  burst: number;
  /** Open WebSocket connections (collab + Socket.IO together, across nodes); null where it does not apply. */
  connections: number | null;
}

export type TierTable = Record<Tier, TierLimits>;

/** The seed figures (docs/security.md), each overridable by a RATE_LIMIT_<TIER> setting. */
export const DEFAULT_TIERS: Readonly<Record<Tier, string>> = {
  anonymous: "60/min burst 10 connections 5",
  free: "300/min burst 30 connections 20",
  pro: "1200/min burst 100 connections 100",
  enterprise: "unlimited burst 500 connections 1000",
  api_key: "1000/min burst 100",
};

const SPEC = /^\s*(\d+\/min|unlimited)\s+burst\s+(\d+)(?:\s+connections\s+(\d+))?\s*$/;

/** Reads "300/min burst 30 connections 20" (or "unlimited burst 500 …"); throws on anything else. */
export function parseTierSpec(spec: string): TierLimits {
  const match = SPEC.exec(spec);
  if (!match) throw new Error(`must look like "300/min burst 30 connections 20" (got "${spec}")`);
  const perMinute = match[1] === "unlimited" ? null : Number.parseInt(match[1]!, 10);
  const burst = Number.parseInt(match[2]!, 10);
  if (perMinute === 0 || burst === 0) throw new Error("limits must be at least 1");
  const connections = match[3] === undefined ? null : Number.parseInt(match[3], 10);
  return { perMinute, burst, connections };
}

/** The tier a caller's requests count against; API keys have their own, whatever the owner's plan. */
export function tierOf(actor: Actor | undefined): Tier {
  if (!actor) return "anonymous";
  return actor.kind === "api_key" ? "api_key" : actor.plan;
}

/** WebSocket connections count against the person, so an API key's connections use the owner's plan. */
export function connectionTierOf(actor: Actor | undefined): Exclude<Tier, "api_key"> {
  return actor ? actor.plan : "anonymous";
}
