import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ApiClient, createTestDatabase } from "./harness.ts";
import { type Running, startProcess } from "./processes.ts";

/** A port nobody listens on right now (the kernel picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Resolves once something accepts TCP connections on the port. */
export async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
      socket.connect(port, "127.0.0.1");
    });
    if (open) return;
    if (Date.now() > until) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The programs a cluster needs besides Node and PostgreSQL, where Debian (or a local build) puts them. */
const binaries = {
  "redis-server": ["/usr/bin/redis-server", "/usr/local/bin/redis-server"],
  nginx: ["/usr/sbin/nginx", "/usr/bin/nginx"],
} as const;

type Binary = keyof typeof binaries;

function whyMissing(binary: Binary): string {
  return `${binary} is not installed (looked in ${binaries[binary].join(", ")}); .ci/run installs it from Debian`;
}

function need(binary: Binary): string {
  const found = binaries[binary].find((path) => existsSync(path));
  if (!found) throw new Error(whyMissing(binary));
  return found;
}

/** Why startCluster() cannot run on this machine (a missing redis-server or nginx), or [] when it can. */
export function missingClusterBinaries(): string[] {
  return (Object.keys(binaries) as Binary[])
    .filter((binary) => !binaries[binary].some((path) => existsSync(path)))
    .map(whyMissing);
}

function exitOf(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()));
}

/** A Redis server of the test's own, which it may restart (the machine's Redis is shared). */
export interface RedisServer {
  url: string;
  /** The running redis-server's pid (a new one after restart()), e.g. to read its CPU from /proc. */
  readonly pid: number;
  /** Stops it hard (its data goes with it, as with `--save ""`) and starts it again on the same port. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedisServer(): Promise<RedisServer> {
  const binary = need("redis-server");
  const port = await freePort();
  let child: ChildProcess;
  const start = async () => {
    child = spawn(
      binary,
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--protected-mode",
        "no",
      ],
      { stdio: "ignore" },
    );
    await waitForPort(port);
  };
  const stop = async () => {
    child.kill("SIGKILL");
    await exitOf(child);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child.pid ?? -1;
    },
    restart: async (downMs = 300) => {
      await stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
    },
    stop,
  };
}

/** The file compose mounts into its nginx: the tests run the same configuration. */
const deployNginxConf = fileURLToPath(new URL("../../../deploy/nginx.conf", import.meta.url));

/**
 * deploy/nginx.conf made runnable by an unprivileged test: its upstream servers become the nodes'
 * ports, it listens on `port`, and its pid, logs and temp files live in `dir`. Everything else
 * (round robin, WebSocket upgrades, retries, timeouts) is the shipped configuration.
 */
export function renderDeployNginxConf(
  conf: string,
  dir: string,
  port: number,
  upstreamPorts: number[],
): string {
  const upstreams = /^(\s*)server codepark-\d+:3000 ([^;]*);\n/gm;
  const options = [...conf.matchAll(upstreams)];
  if (options.length === 0)
    throw new Error("deploy/nginx.conf has no `server codepark-N:3000 …;` upstream lines");
  const [, indent, settings] = options[0]!;
  let rendered = conf.replace(upstreams, "");
  rendered = rendered.replace(
    /upstream codepark \{\n/,
    `upstream codepark {\n${upstreamPorts.map((p) => `${indent}server 127.0.0.1:${p} ${settings};\n`).join("")}`,
  );
  const replaced = (pattern: RegExp, replacement: string) => {
    if (!pattern.test(rendered)) throw new Error(`deploy/nginx.conf no longer matches ${pattern}`);
    rendered = rendered.replace(pattern, replacement);
  };
  replaced(/^worker_processes [^;]+;/m, `worker_processes 1;\npid ${dir}/nginx.pid;`);
  replaced(/listen 80;/, `listen 127.0.0.1:${port};`);
  replaced(/access_log [^;]+;/, "access_log off;");
  replaced(/error_log [^;]+;/, `error_log ${dir}/error.log warn;`);
  replaced(
    /^http \{\n/m,
    `http {\n  client_body_temp_path ${dir}/body;\n  proxy_temp_path ${dir}/proxy;\n  fastcgi_temp_path ${dir}/fastcgi;\n  uwsgi_temp_path ${dir}/uwsgi;\n  scgi_temp_path ${dir}/scgi;\n`,
  );
  return rendered;
}

/** Debian's nginx in front of the nodes, running deploy/nginx.conf (round robin, no stickiness). */
export interface LoadBalancer {
  url: string;
  stop(): Promise<void>;
}

export async function startNginx(upstreamPorts: number[]): Promise<LoadBalancer> {
  const binary = need("nginx");
  const dir = await mkdtemp(join(tmpdir(), "codepark-nginx-"));
  const port = await freePort();
  const conf = renderDeployNginxConf(await readFile(deployNginxConf, "utf8"), dir, port, upstreamPorts);
  await writeFile(join(dir, "nginx.conf"), conf);
  const test = spawnSync(binary, ["-t", "-p", dir, "-c", join(dir, "nginx.conf")], { encoding: "utf8" });
  if (test.status !== 0) throw new Error(`nginx refused its configuration:\n${test.stderr}`);
  const child = spawn(binary, ["-p", dir, "-c", join(dir, "nginx.conf"), "-g", "daemon off;"], {
    stdio: "ignore",
  });
  await waitForPort(port);
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.kill("SIGQUIT");
      await Promise.race([exitOf(child), new Promise((resolve) => setTimeout(resolve, 3_000))]);
      child.kill("SIGKILL");
      if (!process.env.KEEP_NGINX) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One CodePark server process of the cluster, on a fixed port so it can be restarted behind nginx. */
export interface ClusterNode {
  name: string;
  port: number;
  url: string;
  api: ApiClient;
  process: Running;
  /** Starts the process again (after stop/kill) on the same port. */
  start(): Promise<void>;
  /** SIGTERM and wait for the exit code (a graceful shutdown). */
  stop(): Promise<number | null>;
  /** SIGKILL: the process dies mid-whatever. */
  kill(): Promise<void>;
}

export interface Cluster {
  nodes: ClusterNode[];
  lb: LoadBalancer;
  redis: RedisServer;
  databaseUrl: string;
  /** REDIS_PREFIX the nodes share. */
  prefix: string;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** Server processes (default 2). */
  nodes?: number;
  /** Settings for every node, over the cluster's test defaults below. */
  env?: Record<string, string>;
  /** Admin URL the cluster's fresh database is created from (default TEST_DATABASE_URL). */
  adminDatabaseUrl?: string;
}

/**
 * The real topology: `nodes` server processes sharing one PostgreSQL database and one Redis prefix,
 * with nginx in front. Needs TEST_DATABASE_URL (or `adminDatabaseUrl`), redis-server and nginx.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const database = await createTestDatabase(options.adminDatabaseUrl);
  const nodes: ClusterNode[] = [];
  let redis: RedisServer | undefined;
  let lb: LoadBalancer | undefined;
  let dataRoot: string | undefined;
  // Also what a start that fails halfway undoes, so nothing it began is left running.
  const stop = async () => {
    await lb?.stop();
    for (const node of nodes) {
      const child = node.process?.child;
      if (child && child.exitCode === null && child.signalCode === null) await node.kill();
    }
    await redis?.stop();
    await database.drop();
    if (dataRoot) await rm(dataRoot, { recursive: true, force: true });
  };
  try {
    redis = await startRedisServer();
    const prefix = `${process.env.TEST_REDIS_PREFIX ?? "cp_test:"}cluster_${randomBytes(3).toString("hex")}:`;
    const root = await mkdtemp(join(tmpdir(), "codepark-cluster-"));
    dataRoot = root;
    const shared = {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      JWT_SECRET: randomBytes(32).toString("hex"),
      ENCRYPTION_KEY: randomBytes(32).toString("base64url"),
      TRUST_PROXY: "true",
      COLLAB_UNLOAD_GRACE_MS: "500",
      SHUTDOWN_TIMEOUT_MS: "8000",
      JOBS_POLL_INTERVAL_MS: "100",
      PRESENCE_TTL_SECONDS: "3",
      LOG_LEVEL: "warn",
      RATE_LIMIT_ENABLED: "false",
      ...options.env,
    };
    const count = options.nodes ?? 2;
    const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
    for (let index = 0; index < count; index++) {
      const name = String.fromCharCode(65 + index);
      const port = ports[index]!;
      const env = { ...shared, PORT: String(port), DATA_DIR: join(root, name), LOG_LEVEL: "info" };
      const node: ClusterNode = {
        name,
        port,
        url: `http://127.0.0.1:${port}`,
        api: undefined as unknown as ApiClient,
        process: undefined as unknown as Running,
        start: async () => {
          node.process = await startProcess(env);
          node.api = node.process.api;
        },
        stop: async () => {
          node.process.child.kill("SIGTERM");
          return node.process.exited;
        },
        kill: async () => {
          node.process.child.kill("SIGKILL");
          await node.process.exited;
        },
      };
      nodes.push(node);
    }
    // One at a time: both would wait on the migration lock anyway.
    for (const node of nodes) await node.start();
    lb = await startNginx(ports);
    return { nodes, lb, redis, databaseUrl: database.url, prefix, stop };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}
