import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import type { Database, Db } from "../../domain/ports/database.ts";
import { drizzleClientOf } from "./pglite-client.ts";
import { PglitePreparedStatements } from "./pglite-prepared.ts";

const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));
/** Any fixed number: serialises migrations when several nodes start at once. */
const MIGRATION_LOCK = 7_353_201;

/**
 * Hears every statement the server sends once open, with its name when it is a prepared one (tests
 * and benches count them).
 */
export type StatementObserver = (statement: string, name?: string) => void;

export type DatabaseOptions = (
  | { kind: "postgres"; url: string; poolSize: number }
  /** dataDir undefined → in memory (tests). */
  | { kind: "pglite"; dataDir?: string }
) & { observe?: StatementObserver };

/** Opens the primary store and applies pending migrations. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.kind === "postgres"
    ? openPostgres(options.url, options.poolSize, options.observe)
    : openPglite(options.dataDir, options.observe);
}

async function openPostgres(url: string, poolSize: number, observe?: StatementObserver): Promise<Database> {
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
  const query = async <Row>(text: string, params: unknown[], name?: string) =>
    (await pool.query(name ? { name, text, values: params } : { text, values: params })).rows as Row[];
  let closing: Promise<void> | undefined;
  return {
    kind: "postgres",
    db,
    ping: async () => {
      await pool.query("SELECT 1");
    },
    execute: async (text, params, name) => {
      await query(text, params, name);
    },
    query,
    close: () => {
      closing ??= pool.end();
      return closing;
    },
  };
}

async function openPglite(dataDir: string | undefined, observe?: StatementObserver): Promise<Database> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir);
  await migratePglite(drizzlePglite({ client }), { migrationsFolder });
  const pgliteDb = drizzlePglite({ client: drizzleClientOf(client, observe) });
  const prepared = new PglitePreparedStatements(client);
  const query = async <Row>(text: string, params: unknown[], name?: string) => {
    observe?.(text, name);
    return name ? prepared.query<Row>(name, text, params) : (await client.query<Row>(text, params)).rows;
  };
  let closing: Promise<void> | undefined;
  return {
    kind: "pglite",
    db: pgliteDb as unknown as Db,
    ping: async () => {
      if (closing) throw new Error("database closed");
      await client.query("SELECT 1");
    },
    execute: async (text, params, name) => {
      await query(text, params, name);
    },
    query,
    close: () => {
      closing ??= client.close();
      return closing;
    },
  };
}

/** Reports each statement a pooled connection sends (drizzle's, transactions' BEGIN/COMMIT, raw ones). */
function observeClient(client: pg.PoolClient, observe: StatementObserver): void {
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
