/**
 * Child processes of the collaboration benchmark: spawning (node + tsx), output kept as a bounded
 * tail, IPC requests with timeouts, CPU and RSS read from /proc (so a busy child's event loop never
 * delays its own measurement), and a registry that kills every child at the end, even on error.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

const TAIL_CHARS = 64 * 1024;
const FORWARDED_STDERR_LINES = 40;

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly pid: number;
  /** The last 64 KB of stdout and stderr together. */
  tail(): string;
  readonly exited: Promise<number | null>;
  hasExited(): boolean;
}

const live = new Set<Child>();

export interface SpawnOptions {
  /** Node flags before the script (after `--import tsx`). */
  nodeArgs?: string[];
  args?: string[];
  env: NodeJS.ProcessEnv;
  ipc?: boolean;
  /** Copy the child's stderr lines to ours (the first few dozen), prefixed with its name. */
  forwardStderr?: boolean;
}

/** `node --import tsx [flags] script [args]` from the repository root. */
export function spawnTs(name: string, script: string, options: SpawnOptions): Child {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", ...(options.nodeArgs ?? []), script, ...(options.args ?? [])],
    {
      cwd: repoRoot,
      env: options.env,
      stdio: options.ipc ? ["ignore", "pipe", "pipe", "ipc"] : ["ignore", "pipe", "pipe"],
    },
  );
  if (child.pid === undefined) throw new Error(`${name}: spawn failed`);
  let output = "";
  let forwarded = 0;
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > TAIL_CHARS) output = output.slice(-TAIL_CHARS);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", (chunk: Buffer) => {
    keep(chunk);
    if (!options.forwardStderr) return;
    for (const line of chunk.toString().split("\n")) {
      if (!line.trim() || forwarded >= FORWARDED_STDERR_LINES) continue;
      forwarded++;
      process.stderr.write(`[${name}] ${line}\n`);
    }
  });
  let exitedFlag = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code, signal) => {
      exitedFlag = true;
      live.delete(handle);
      resolve(code ?? (signal ? -1 : null));
    });
    child.once("error", () => {
      exitedFlag = true;
      live.delete(handle);
      resolve(-1);
    });
  });
  const handle: Child = {
    name,
    process: child,
    pid: child.pid,
    tail: () => output,
    exited,
    hasExited: () => exitedFlag,
  };
  live.add(handle);
  return handle;
}

/** Resolves with the first match of `pattern` in the child's output; rejects on exit or timeout. */
export function waitForOutput(child: Child, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(child.tail());
      if (!match) return false;
      cleanup();
      resolve(match);
      return true;
    };
    const onData = () => void check();
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${child.name}: no ${pattern} within ${timeoutMs} ms. Output:\n${child.tail()}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.process.stdout?.off("data", onData);
      child.process.stderr?.off("data", onData);
    };
    child.process.stdout?.on("data", onData);
    child.process.stderr?.on("data", onData);
    child.exited.then((code) => {
      if (check()) return;
      cleanup();
      reject(new Error(`${child.name} exited (${code}) before ${pattern}. Output:\n${child.tail()}`));
    });
    check();
  });
}

/** Sends `message` (with a fresh id) and resolves with the reply carrying the same id. */
let nextId = 1;
export function request<Reply extends { id: number; type: string }>(
  child: Child,
  message: { type: string } & Record<string, unknown>,
  timeoutMs: number,
): Promise<Reply> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const onMessage = (reply: Reply) => {
      if (reply?.id !== id) return;
      cleanup();
      if (reply.type === "error")
        reject(new Error(`${child.name}: ${(reply as { message?: string }).message}`));
      else resolve(reply);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${child.name}: no reply to "${message.type}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.process.off("message", onMessage);
    };
    child.process.on("message", onMessage);
    child.exited.then((code) => {
      cleanup();
      reject(new Error(`${child.name} exited (${code}) during "${message.type}". Output:\n${child.tail()}`));
    });
    if (!child.process.send?.({ ...message, id })) {
      cleanup();
      reject(new Error(`${child.name}: IPC channel closed`));
    }
  });
}

/** Resolves on the first IPC message of `type` (e.g. a worker's "ready"). */
export function nextMessage(child: Child, type: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type?: string }) => {
      if (message?.type !== type) return;
      cleanup();
      resolve();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${child.name}: no "${type}" within ${timeoutMs} ms. Output:\n${child.tail()}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.process.off("message", onMessage);
    };
    child.process.on("message", onMessage);
    child.exited.then((code) => {
      cleanup();
      reject(new Error(`${child.name} exited (${code}) before "${type}". Output:\n${child.tail()}`));
    });
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone. */
export async function stop(child: Child, graceMs = 10_000): Promise<void> {
  if (child.hasExited()) return;
  child.process.kill("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      if (!child.hasExited()) child.process.kill("SIGKILL");
      resolve();
    }, graceMs);
  });
  await Promise.race([child.exited, killed]);
  clearTimeout(timer);
  await child.exited;
}

/** Stops every child still running (in parallel). */
export async function stopAll(graceMs = 5_000): Promise<void> {
  await Promise.all([...live].map((child) => stop(child, graceMs)));
}

/** Last resort on our own exit: SIGKILL whatever is left, synchronously. */
export function killAllNow(): void {
  for (const child of live) {
    if (!child.hasExited()) child.process.kill("SIGKILL");
  }
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU of a process (all its threads, live and exited), in µs, from /proc/<pid>/stat. */
export function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after "(comm)": state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / ticksPerSecond();
}

/** Resident set size and its peak, in bytes, from /proc/<pid>/status. */
export function rss(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rss: kb("VmRSS") * 1024, peak: kb("VmHWM") * 1024 };
}

/** CPU time the whole machine spent busy (all cores, every process), in µs, from /proc/stat. */
export function machineBusyUs(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
  // cpu user nice system idle iowait irq softirq steal ...
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  const ticks = user! + nice! + system! + irq! + softirq! + (steal ?? 0);
  return (ticks * 1_000_000) / ticksPerSecond();
}

/**
 * Waits (up to `maxMs`) until the rest of the machine is quiet — under 10 % of one core for a whole
 * second — so one target's aftermath (PostgreSQL dropping the throwaway database, a server's exit)
 * does not land in the next target's window. Returns how long it waited.
 */
export async function waitForQuietMachine(maxMs = 30_000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < maxMs) {
    const before = machineBusyUs();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    if (machineBusyUs() - before < 100_000) break;
  }
  return Math.round(performance.now() - started);
}
