import type { Db } from "./ports/database.ts";

/**
 * A drizzle statement built once per database and then only executed (`.prepare(name)` with
 * `sql.placeholder`s): no query building per call, which for a join costs more than PostgreSQL
 * spends answering it; on PostgreSQL the statement is also parsed and planned once per connection.
 * For reads outside transactions (a prepared statement runs on the database it was built on).
 */
export function preparedPerDatabase<S>(build: (db: Db) => S): (db: Db) => S {
  const built = new WeakMap<Db, S>();
  return (db) => {
    let statement = built.get(db);
    if (!statement) {
      statement = build(db);
      built.set(db, statement);
    }
    return statement;
  };
}
