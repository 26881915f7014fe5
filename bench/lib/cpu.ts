import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/** Linux USER_HZ: /proc times are in these ticks (100 on every mainstream architecture). */
const TICKS_PER_SECOND = 100;

export interface CpuMark {
  wall: number;
  process: NodeJS.CpuUsage;
  /** Busy and total ticks of the whole machine (/proc/stat), when readable. */
  machine: { busy: number; total: number } | null;
  /** CPU ticks so far of every process named `postgres`, by pid. */
  postgres: Map<number, number>;
}

function machineTimes(): { busy: number; total: number } | null {
  try {
    const fields = readFileSync("/proc/stat", "utf8")
      .split("\n", 1)[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** CPU ticks so far of every process named `postgres`, by pid (one of /proc's USER_HZ ticks is 10 ms). */
export function postgresTicks(): Map<number, number> {
  const ticks = new Map<number, number>();
  let pids: string[] = [];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return ticks;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      if (stat.slice(stat.indexOf("(") + 1, close) !== "postgres") continue;
      const fields = stat.slice(close + 2).split(" ");
      ticks.set(Number(pid), Number(fields[11]) + Number(fields[12])); // utime + stime
    } catch {
      // Gone meanwhile.
    }
  }
  return ticks;
}

export function cpuMark(): CpuMark {
  return {
    wall: performance.now(),
    process: process.cpuUsage(),
    machine: machineTimes(),
    postgres: postgresTicks(),
  };
}

/**
 * CPU since a mark, in % of one core: this process; every `postgres` process on the machine
 * (backends that exited meanwhile are missed; other users of the same server are included); and
 * everything else, which should be near 0 — more means the figures were disturbed.
 */
export function cpuSince(mark: CpuMark): {
  processCpuPercent: number;
  postgresCpuPercent: number;
  otherCpuPercent: number | null;
} {
  const wallMs = performance.now() - mark.wall;
  const used = process.cpuUsage(mark.process);
  const processCpuPercent = ((used.user + used.system) / 1000 / wallMs) * 100;
  let postgresTicksUsed = 0;
  for (const [pid, ticks] of postgresTicks()) postgresTicksUsed += ticks - (mark.postgres.get(pid) ?? 0);
  const postgresCpuPercent = ((postgresTicksUsed / TICKS_PER_SECOND) * 1000 * 100) / wallMs;
  const now = machineTimes();
  let otherCpuPercent: number | null = null;
  if (mark.machine && now && now.total > mark.machine.total) {
    const machine =
      ((now.busy - mark.machine.busy) / (now.total - mark.machine.total)) * availableParallelism() * 100;
    otherCpuPercent = Math.round(Math.max(0, machine - processCpuPercent - postgresCpuPercent));
  }
  return {
    processCpuPercent: Math.round(processCpuPercent),
    postgresCpuPercent: Math.round(postgresCpuPercent),
    otherCpuPercent,
  };
}
