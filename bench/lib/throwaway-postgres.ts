import { randomBytes } from "node:crypto";
import pg from "pg";

/** One statement on a short-lived admin connection (nothing held open while the load runs). */
export async function adminQuery(admin: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Runs `work` with the URL of a database created from the admin URL for it alone, dropped
 * afterwards (WITH (FORCE): even if a pool was left open, even when `work` failed).
 */
export async function withThrowawayDatabase<T>(admin: string, work: (url: string) => Promise<T>): Promise<T> {
  const name = `cp_bench_${randomBytes(6).toString("hex")}`;
  await adminQuery(admin, `CREATE DATABASE ${name}`);
  try {
    const url = new URL(admin);
    url.pathname = `/${name}`;
    return await work(url.toString());
  } finally {
    await adminQuery(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}
