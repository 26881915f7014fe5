import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import type { Database, Db, PendingJobListener } from "../../domain/ports/database.ts";
import { drizzleClientOf, installFastBytea } from "./pglite-client.ts";

const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));
/** Where the jobs trigger announces pending jobs (migration 0010_job_wakeups). */
const PENDING_JOBS_CHANNEL = "codepark_jobs";
/** Any fixed number: serialises migrations when several nodes start at once. */
const MIGRATION_LOCK = 7_353_201;

export type DatabaseOptions =
  | { kind: "postgres"; url: string; poolSize: number }
  /** dataDir undefined → in memory (tests). */
  | { kind: "pglite"; dataDir?: string };

/** Opens the primary store and applies pending migrations. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.kind === "postgres"
    ? openPostgres(options.url, options.poolSize)
    : openPglite(options.dataDir);
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on("error", () => {});
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
  let closing: Promise<void> | undefined;
  return {
    kind: "postgres",
    db,
    watchPendingJobs: null,
    ping: async () => {
      await pool.query("SELECT 1");
    },
    execute: async (text, params, name) => {
      await pool.query(name ? { name, text, values: params } : { text, values: params });
    },
    executeAppend: async (text, params, name) => {
      await appendPool.query({ name, text, values: params });
    },
    close: () => {
      closing ??= Promise.all([pool.end(), appendPool.end()]).then(() => {});
      return closing;
    },
  };
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir);
  installFastBytea(client);
  await migratePglite(drizzlePglite({ client }), { migrationsFolder });
  const pgliteDb = drizzlePglite({ client: drizzleClientOf(client) });
  let closing: Promise<void> | undefined;
  return {
    kind: "pglite",
    db: pgliteDb as unknown as Db,
    watchPendingJobs: (listener) => watchPendingJobs(client, listener),
    ping: async () => {
      if (closing) throw new Error("database closed");
      await client.query("SELECT 1");
    },
    execute: async (text, params) => {
      await client.query(text, params);
    },
    executeAppend: async (text, params) => {
      await client.query(text, params);
    },
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
