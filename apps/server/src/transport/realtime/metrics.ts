import { Counter, Gauge, type Registry } from "prom-client";
import type { PresenceRegistry } from "../../domain/presence/registry.ts";
import type { RealtimeServer } from "./types.ts";

export interface RealtimeMetrics {
  /** Client events received (`in`, unknown names counted as `unknown`) and broadcasts sent (`out`). */
  events: Counter<"direction" | "event">;
  /** Takes the gateway's metrics out of the registry again. */
  remove(): void;
}

const NAMES = ["realtime_connections", "presence_members", "presence_devices", "realtime_events_total"];

/** Gauges read live state when scraped, so they cannot drift from it. */
export function createRealtimeMetrics(
  registry: Registry,
  io: RealtimeServer,
  presence: PresenceRegistry,
): RealtimeMetrics {
  new Gauge({
    name: "realtime_connections",
    help: "Open Socket.IO connections (authenticated sockets) on this node",
    registers: [registry],
    collect() {
      this.set(io.of("/").sockets.size);
    },
  });
  new Gauge({
    name: "presence_members",
    help: "Users present in projects, by merged status (one per project and user): this node's, or the cluster's when presence is in Redis",
    labelNames: ["status"] as const,
    registers: [registry],
    async collect() {
      const stats = await presence.stats();
      this.set({ status: "online" }, stats.online);
      this.set({ status: "away" }, stats.away);
    },
  });
  new Gauge({
    name: "presence_devices",
    help: "Connections present in project rooms (one per project and connection): this node's, or the cluster's when presence is in Redis",
    registers: [registry],
    async collect() {
      this.set((await presence.stats()).devices);
    },
  });
  const events = new Counter({
    name: "realtime_events_total",
    help: "Realtime events: received from clients (direction=in) and broadcast (direction=out)",
    labelNames: ["direction", "event"] as const,
    registers: [registry],
  });
  return {
    events,
    remove: () => {
      for (const name of NAMES) registry.removeSingleMetric(name);
    },
  };
}
