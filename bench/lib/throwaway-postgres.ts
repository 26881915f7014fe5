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

/** Databases created and not dropped yet (name → admin URL), for an interrupted run to drop. */
const live = new Map<string, string>();
let signalsHooked = false;

/** Ctrl-C or a kill mid-run still drops the throwaway databases, then exits 130. */
function dropOnSignal(): void {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      if (live.size > 0) process.stderr.write(`bench: ${signal}, dropping ${[...live.keys()].join(", ")}\n`);
      Promise.allSettled(
        [...live].map(([name, admin]) => adminQuery(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
      ).finally(() => process.exit(130));
    });
  }
}

/**
 * Runs `work` with the URL of a database created from the admin URL for it alone, dropped
 * afterwards (WITH (FORCE): even if a pool was left open, even when `work` failed or the process
 * was interrupted by SIGINT/SIGTERM).
 */
export async function withThrowawayDatabase<T>(admin: string, work: (url: string) => Promise<T>): Promise<T> {
  const name = `cp_bench_${randomBytes(6).toString("hex")}`;
  dropOnSignal();
  await adminQuery(admin, `CREATE DATABASE ${name}`);
  live.set(name, admin);
  try {
    const url = new URL(admin);
    url.pathname = `/${name}`;
    return await work(url.toString());
  } finally {
    await adminQuery(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    live.delete(name);
  }
}
