import type { ExtractTablesWithRelations } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";

/**
 * The primary store as the domain sees it: a drizzle query builder over PostgreSQL's dialect. Each
 * domain module owns its tables (`schema.ts`) and queries; infra opens PGlite or PostgreSQL behind it.
 */
export type Db = PgDatabase<PgQueryResultHKT>;
type NoRelations = Record<string, never>;
export type Tx = PgTransaction<PgQueryResultHKT, NoRelations, ExtractTablesWithRelations<NoRelations>>;
/** Anything a command can run queries on: the database or an open transaction. */
export type Executor = Db | Tx;

/** Told of a job that became pending: its queue and run_at (epoch ms). */
export type PendingJobListener = (queue: string, runAtMs: number) => void;

/** The store as the composition root and the hot paths see it. */
export interface Database {
  readonly kind: "pglite" | "postgres";
  readonly db: Db;
  /**
   * Tells `listener` of every job that becomes pending (enqueued, retried, handed back, rescued),
   * once its transaction has committed; resolves to the unsubscribe. Only where the store sees
   * every writer (embedded: one process); null on PostgreSQL, where other nodes enqueue too.
   */
  readonly watchPendingJobs: ((listener: PendingJobListener) => Promise<() => Promise<void>>) | null;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  /**
   * One parameterised statement straight to the driver, for hot paths where ORM query building shows
   * in profiles. With a name, it is prepared once (per connection on PostgreSQL, once on PGlite) and
   * only bound and run after that: the text must not vary.
   */
  execute(text: string, params: unknown[], name?: string): Promise<void>;
  /**
   * As execute(), on a connection kept for the live-edit log alone, so a group commit never waits
   * for a pooled connection behind other work (PGlite has one connection: same as execute).
   */
  executeAppend(text: string, params: unknown[], name: string): Promise<void>;
  /**
   * As execute(), answering the rows. Both drivers return int4, text, boolean and json(b) columns alike;
   * others (timestamps, int8) differ: cast them (`::text`, `::int`) in the statement.
   */
  query<Row>(text: string, params: unknown[], name?: string): Promise<Row[]>;
  close(): Promise<void>;
}

/** What hot-path domain code takes to run fixed statements (see Database.query). */
export type Statements = Pick<Database, "query">;

/** True when a driver error (pg or PGlite, possibly wrapped by drizzle) is a unique-constraint violation. */
export function isUniqueViolation(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    if ((current as { code?: unknown }).code === "23505") return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
