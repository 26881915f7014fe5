import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import type { PoolClient } from "pg";
import type { Database, Db, PendingJobListener } from "../../domain/ports/database.ts";
import { drizzleClientOf, installFastBytea } from "./pglite-client.ts";
import { PglitePreparedStatements } from "./pglite-prepared.ts";

const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));
/** Where the jobs trigger announces pending jobs (migration 0010_job_wakeups). */
const PENDING_JOBS_CHANNEL = "codepark_jobs";
/** Any fixed number: serialises migrations when several nodes start at once. */
const MIGRATION_LOCK = 7_353_201;

/**
 * Hears every statement the server sends once open, with its name when it is a prepared one (tests
 * and benches count them).
 */
export type StatementObserver = (statement: string, name?: string) => void;

export type DatabaseOptions = (
  | { kind: "postgres"; url: string; poolSize: number }
  /** dataDir undefined → in memory (tests). sharedBuffers: PostgreSQL's shared_buffers (default 32MB). */
  | { kind: "pglite"; dataDir?: string; sharedBuffers?: string }
) & { observe?: StatementObserver };

/** Opens the primary store and applies pending migrations. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.kind === "postgres"
    ? openPostgres(options.url, options.poolSize, options.observe)
    : openPglite(options.dataDir, options.sharedBuffers ?? "32MB", options.observe);
}

async function openPostgres(url: string, poolSize: number, observe?: StatementObserver): Promise<Database> {
  // Loaded only for PostgreSQL: an embedded start does not read the driver.
  const { default: pg } = await import("pg");
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on("error", () => {});
  if (observe) pool.on("connect", (client) => observeClient(client, observe));
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    await migratePg(drizzlePg({ client }), { migrationsFolder });
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
  const db = drizzlePg({ client: pool }) as unknown as Db;
  // One connection of its own for the collab append path (a pool, so a lost connection is replaced).
  const appendPool = new pg.Pool({ connectionString: url, max: 1 });
  appendPool.on("error", () => {});
  const query = async <Row>(text: string, params: unknown[], name?: string) =>
    (await pool.query(name ? { name, text, values: params } : { text, values: params })).rows as Row[];
  let closing: Promise<void> | undefined;
  return {
    kind: "postgres",
    db,
    watchPendingJobs: null,
    ping: async () => {
      await pool.query("SELECT 1");
    },
    execute: async (text, params, name) => {
      await query(text, params, name);
    },
    executeAppend: async (text, params, name) => {
      await appendPool.query({ name, text, values: params });
    },
    query,
    close: () => {
      closing ??= Promise.all([pool.end(), appendPool.end()]).then(() => {});
      return closing;
    },
  };
}

async function openPglite(
  dataDir: string | undefined,
  sharedBuffers: string,
  observe?: StatementObserver,
): Promise<Database> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  // PostgreSQL zeroes its shared buffers at every start, in WebAssembly: at the stock 128MB that
  // memset was ~0.3 s of a ~1 s PGlite start and ~90 MB of resident memory.
  const client = await PGlite.create(dataDir, {
    startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${sharedBuffers}`],
  });
  installFastBytea(client);
  await migratePglite(drizzlePglite({ client }), { migrationsFolder });
  const prepared = new PglitePreparedStatements(client);
  const pgliteDb = drizzlePglite({ client: drizzleClientOf(client, prepared, observe) });
  const query = async <Row>(text: string, params: unknown[], name?: string) => {
    observe?.(text, name);
    return name ? prepared.query<Row>(name, text, params) : (await client.query<Row>(text, params)).rows;
  };
  let closing: Promise<void> | undefined;
  return {
    kind: "pglite",
    db: pgliteDb as unknown as Db,
    watchPendingJobs: (listener) => watchPendingJobs(client, listener),
    ping: async () => {
      if (closing) throw new Error("database closed");
      await client.query("SELECT 1");
    },
    execute: async (text, params, name) => {
      await query(text, params, name);
    },
    executeAppend: async (text, params, name) => {
      await query(text, params, name);
    },
    query,
    close: () => {
      closing ??= client.close();
      return closing;
    },
  };
}

/**
 * The jobs table's trigger (migration 0010) announces each job that becomes pending, from sessions
 * that turn it on: PGlite has one session, so turning it on covers every writer in the process.
 */
async function watchPendingJobs(client: PGlite, listener: PendingJobListener): Promise<() => Promise<void>> {
  const unlisten = await client.listen(PENDING_JOBS_CHANNEL, (payload) => {
    const space = payload.lastIndexOf(" ");
    listener(payload.slice(0, space), Number(payload.slice(space + 1)));
  });
  // On for good once anyone listens (other listeners may remain; unheard announcements cost little).
  await client.exec("SET codepark.job_wakeups TO 'on'");
  return unlisten;
}

/** Reports each statement a pooled connection sends (drizzle's, transactions' BEGIN/COMMIT, raw ones). */
function observeClient(client: PoolClient, observe: StatementObserver): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const [first] = args;
    if (typeof first === "string") observe(first);
    else {
      const config = first as { text?: unknown; name?: unknown };
      observe(String(config.text), typeof config.name === "string" ? config.name : undefined);
    }
    return query(...args);
  };
}
