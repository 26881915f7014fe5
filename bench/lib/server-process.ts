/**
 * The real server as a separate process, started the way `npm start` / `npm run start:prod` start it,
 * for the benchmarks that measure the process itself (bench/idle.ts, bench/cold-start.ts).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { cp, mkdtemp, rename, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
/** What `npm run start:prod` runs, and `npm start` once the build is current. */
export const compiledServer = ["--enable-source-maps", join(repoRoot, "apps/server/dist/main.js")];

/** Builds the web app and the server bundle when missing or stale, as `npm start` does. */
export function ensureBuilt(): void {
  const result = spawnSync(process.execPath, [join(repoRoot, "scripts/ensure-build.mjs")], {
    cwd: repoRoot,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (result.status !== 0) throw new Error(`scripts/ensure-build.mjs failed (exit ${result.status})`);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** Spawn → first 200 from /readyz, ms. */
  readyMs: number;
  output(): string;
  /**
   * SIGTERM to the server process (under npm and its shell, if any: npm then exits with the server's
   * code); resolves to the exit code of what was spawned. Anything left is then SIGKILLed.
   */
  stop(): Promise<number | null>;
}

/**
 * Spawns `command` (in its own process group) with the server's settings and polls /readyz every
 * `pollMs` until it answers 200. DATA_DIR is `dataDir`; logs are kept (warn and up) for errors.
 */
export async function startServer(
  command: string,
  args: string[],
  dataDir: string,
  {
    pollMs = 5,
    timeoutMs = 120_000,
    env = {},
  }: { pollMs?: number; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: repoRoot,
    detached: true,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  const stop = async () => {
    if (!done) {
      try {
        process.kill(serverPid(child.pid!), "SIGTERM");
      } catch {
        process.kill(-child.pid!, "SIGTERM");
      }
    }
    const code = await exited;
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {}
    return code;
  };
  for (;;) {
    if (done) throw new Error(`the server exited before it was ready:\n${output}`);
    if (performance.now() - started > timeoutMs) {
      await stop();
      throw new Error(`the server was not ready within ${timeoutMs} ms:\n${output}`);
    }
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return { child, port, readyMs: performance.now() - started, output: () => output, stop };
}

/**
 * A fresh copy of a data directory the server initialised (PGlite's initdb, the migrations) and
 * stopped cleanly. The initialised one is kept in the temp directory, named after the migrations and
 * the PGlite version, and reused by later runs: initdb takes 5-20 s here, a copy well under one.
 */
export async function initialisedDataDir(): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), "codepark-bench-"));
  const key = createHash("sha256")
    .update(readFileSync(join(repoRoot, "apps/server/src/infra/db/migrations/meta/_journal.json")))
    .update(readFileSync(join(repoRoot, "node_modules/@electric-sql/pglite/package.json")))
    .digest("hex")
    .slice(0, 12);
  const template = join(tmpdir(), `codepark-bench-datadir-${key}`);
  if (!existsSync(template)) {
    const fresh = await mkdtemp(join(tmpdir(), "codepark-bench-init-"));
    const server = await startServer(process.execPath, compiledServer, fresh);
    const code = await server.stop();
    if (code !== 0)
      throw new Error(`the first start did not stop cleanly (exit ${code}):\n${server.output()}`);
    // Whole or not at all, even with two benches initialising at once.
    await rename(fresh, template).catch(() => rm(fresh, { recursive: true, force: true }));
  }
  await cp(template, dataDir, { recursive: true });
  return dataDir;
}

/** The process whose CPU a bench reads: `pid`, or (npm → sh → node) its only node descendant. */
export function serverPid(rootPid: number): number {
  let pid = rootPid;
  for (let depth = 0; depth < 4; depth++) {
    if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "node" && !isNpm(pid)) return pid;
    const children = childrenOf(pid);
    if (children.length !== 1) break;
    pid = children[0]!;
  }
  throw new Error(`no single node process under ${rootPid}`);
}

function isNpm(pid: number): boolean {
  return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("npm");
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
    if (text) children.push(...text.split(" ").map(Number));
  }
  return children;
}

/** CPU (ns, all threads, from the scheduler's own accounting) and wake-ups of a process so far. */
export interface ThreadTimes {
  tid: number;
  name: string;
  cpuNs: number;
  /** Voluntary context switches: each is a sleep, so each later wake-up counts once. */
  switches: number;
}

export function threadTimes(pid: number): ThreadTimes[] {
  const threads: ThreadTimes[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const base = `/proc/${pid}/task/${tid}`;
      const cpuNs = Number(readFileSync(`${base}/schedstat`, "utf8").split(" ")[0]);
      const status = readFileSync(`${base}/status`, "utf8");
      const switches = Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? 0);
      threads.push({ tid: Number(tid), name: readFileSync(`${base}/comm`, "utf8").trim(), cpuNs, switches });
    } catch {
      // The thread ended meanwhile.
    }
  }
  return threads;
}
