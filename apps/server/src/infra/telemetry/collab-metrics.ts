import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { CollabMetrics } from "../../domain/collab/metrics.ts";

/** The collaboration metrics in Prometheus form, registered on the node's registry. */
export function createCollabMetrics(registry: Registry) {
  const registers = [registry];
  return {
    connections: new Gauge({ name: "collab_connections", help: "Open collaboration connections", registers }),
    documents: new Gauge({ name: "collab_documents_loaded", help: "Documents held in memory", registers }),
    updatesReceived: new Counter({
      name: "collab_updates_received_total",
      help: "Yjs updates received from clients",
      registers,
    }),
    updatesBroadcast: new Counter({
      name: "collab_updates_broadcast_total",
      help: "Update messages sent to clients (one per receiving connection)",
      registers,
    }),
    updatesRefused: new Counter({
      name: "collab_updates_refused_total",
      help: "Updates refused (read-only, malformed or over the size limit)",
      labelNames: ["reason"] as const,
      registers,
    }),
    writeLatency: new Histogram({
      name: "collab_update_log_write_seconds",
      help: "Latency of one group commit to the update log",
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    batchSize: new Histogram({
      name: "collab_update_log_batch_size",
      help: "Updates per group commit",
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    }),
    journalFlushes: new Histogram({
      name: "collab_journal_flush_seconds",
      help: "Embedded storage: moving journaled updates into doc_updates (one statement per flush)",
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    journalFlushSize: new Histogram({
      name: "collab_journal_flush_size",
      help: "Updates moved into doc_updates per journal flush",
      buckets: [1, 4, 16, 64, 256, 1024, 4096],
      registers,
    }),
    compactionSeconds: new Histogram({
      name: "collab_compaction_seconds",
      help: "Duration of one compaction (log merged into the snapshot, materialised text refreshed)",
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    compactions: new Counter({
      name: "collab_compactions_total",
      help: "Update-log compactions into a snapshot",
      labelNames: ["result"] as const,
      registers,
    }),
    resyncs: new Counter({
      name: "collab_resyncs_total",
      help: "Catch-ups of a document from the durable log after cross-node messages may have been missed (result: repaired, in_sync, failed)",
      labelNames: ["result"] as const,
      registers,
    }),
  };
}

/** Compile-time check that the Prometheus set satisfies the domain's port. */
export type PrometheusCollabMetrics = ReturnType<typeof createCollabMetrics> & CollabMetrics;
