import type { PGlite, QueryOptions, Transaction } from "@electric-sql/pglite";
import type { PglitePreparedStatements } from "./pglite-prepared.ts";

/**
 * Types drizzle's PGlite driver asks to get back as strings (timestamps, intervals, dates and their
 * arrays, numeric[]), passing them as `parsers` with every query. PGlite answers that option by
 * copying its whole ~320-entry parser map into a new object per query: ~11 % of server CPU under the
 * chat benchmark. Installing the same parsers once on the client and dropping the per-query option
 * gives identical rows without the copy.
 */
const RAW_TYPE_OIDS = [1114, 1184, 1186, 1082, 1231, 1115, 1185, 1187, 1182];
const asString = (value: string) => value;

const BYTEA_OID = 17;

/**
 * PGlite's own bytea codec goes byte by byte through JavaScript arrays (`Array.from(bytes).map(…)`
 * to write, `parseInt` per hex pair to read): a compaction writing a 200 KB snapshot spent more time
 * there than in the database. Node's hex codec does the same in native code. Reads come back as
 * Buffers, which are Uint8Arrays, as node-postgres returns them.
 */
export function installFastBytea(client: PGlite): void {
  client.serializers[BYTEA_OID] = (value: unknown) => {
    if (!(value instanceof Uint8Array)) throw new Error("Invalid input for bytea type");
    return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex")}`;
  };
  client.parsers[BYTEA_OID] = (text: string) => Buffer.from(text.slice(2), "hex");
}

/**
 * A view of `client` for drizzle: same queries and results, without the per-query parser copy, and
 * each query text prepared once (`prepared`): drizzle's texts are fixed per query shape.
 * `observe`, if given, hears the text of every statement sent through it (BEGIN and COMMIT included).
 */
export function drizzleClientOf(
  client: PGlite,
  prepared: PglitePreparedStatements,
  observe?: (statement: string) => void,
): PGlite {
  for (const oid of RAW_TYPE_OIDS) client.parsers[oid] = asString;
  const strip = (options?: QueryOptions) => (options?.parsers ? { ...options, parsers: undefined } : options);
  const query = (text: string, params?: unknown[], options?: QueryOptions) => {
    observe?.(text);
    return prepared.run(text, params ?? [], strip(options), false);
  };
  const transaction = async <T>(callback: (tx: Transaction) => Promise<T>) => {
    observe?.("BEGIN");
    let outcome = "ROLLBACK";
    try {
      const result = await client.transaction((tx) => callback(inTransaction(tx, prepared, strip, observe)));
      outcome = "COMMIT";
      return result;
    } finally {
      observe?.(outcome);
    }
  };
  return new Proxy(client, {
    get(target, property) {
      if (property === "query") return query;
      if (property === "transaction") return transaction;
      const value = Reflect.get(target, property, target);
      // PGlite's methods use private fields, so they must run with the real client as `this`.
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function inTransaction(
  tx: Transaction,
  prepared: PglitePreparedStatements,
  strip: (options?: QueryOptions) => QueryOptions | undefined,
  observe?: (statement: string) => void,
): Transaction {
  return new Proxy(tx, {
    get(target, property) {
      if (property === "query")
        return (text: string, params?: unknown[], options?: QueryOptions) => {
          if (target.closed) throw new Error("Transaction is closed");
          observe?.(text);
          return prepared.run(text, params ?? [], strip(options), true);
        };
      return Reflect.get(target, property, target);
    },
  });
}
