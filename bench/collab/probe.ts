/**
 * Preloaded (`--import`) into every server child the collaboration benchmark starts, CodePark
 * and peers alike, so no product code changes: on request over the IPC channel it forces a full
 * GC (the child runs with --expose-gc) and answers with process.memoryUsage(). The channel is
 * unref'd, so it never keeps a server alive or changes how it shuts down.
 */
import type { FromProbe, ToProbe } from "./shared.ts";

const collect = (globalThis as { gc?: () => void }).gc;

if (process.send && process.channel) {
  process.channel.unref();
  process.on("message", (message: ToProbe) => {
    if (message?.type !== "probe") return;
    let gcForced = false;
    if (message.gc && collect) {
      // Twice: the first pass can leave objects with finalizers for the second.
      collect();
      collect();
      gcForced = true;
    }
    const usage = process.memoryUsage();
    const reply: FromProbe = {
      type: "probe",
      id: message.id,
      gcForced,
      rss: usage.rss,
      heapUsed: usage.heapUsed,
      external: usage.external,
      arrayBuffers: usage.arrayBuffers,
    };
    process.send?.(reply);
  });
}
