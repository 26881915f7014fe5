/** What collaboration measures; infra/telemetry gives it Prometheus form. */

interface Gauge {
  set(value: number): void;
  inc(): void;
  dec(): void;
}
interface Counter {
  inc(value?: number): void;
}
interface LabelledCounter<Label extends string> {
  inc(labels: Partial<Record<Label, string>>): void;
}
interface Histogram {
  observe(value: number): void;
  /** Starts a timing; calling the result observes the elapsed seconds. */
  startTimer(): () => number;
}

export interface CollabMetrics {
  connections: Gauge;
  documents: Gauge;
  updatesReceived: Counter;
  /** One per receiving connection. */
  updatesBroadcast: Counter;
  updatesRefused: LabelledCounter<"reason">;
  writeLatency: Histogram;
  batchSize: Histogram;
  journalFlushes: Histogram;
  journalFlushSize: Histogram;
  compactionSeconds: Histogram;
  compactions: LabelledCounter<"result">;
  /** Catch-ups from the log after cross-node messages may have been missed. */
  resyncs: LabelledCounter<"result">;
}
