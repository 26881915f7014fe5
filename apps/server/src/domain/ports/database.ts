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

/** The store as the composition root and the hot paths see it. */
export interface Database {
  readonly kind: "pglite" | "postgres";
  readonly db: Db;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  /**
   * One parameterised statement straight to the driver, for hot paths where ORM query building shows
   * in profiles. With a name, it is prepared once (per connection on PostgreSQL, once on PGlite) and
   * only bound and run after that: the text must not vary.
   */
  execute(text: string, params: unknown[], name?: string): Promise<void>;
  /**
   * The same, answering the rows. Both drivers return int4, text, boolean and json(b) columns alike;
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
