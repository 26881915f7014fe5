import type { PGlite, QueryOptions, Transaction } from "@electric-sql/pglite";

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

/** A view of `client` for drizzle: same queries and results, without the per-query parser copy. */
export function drizzleClientOf(client: PGlite): PGlite {
  for (const oid of RAW_TYPE_OIDS) client.parsers[oid] = asString;
  const strip = (options?: QueryOptions) => (options?.parsers ? { ...options, parsers: undefined } : options);
  const query = (text: string, params?: unknown[], options?: QueryOptions) =>
    client.query(text, params, strip(options));
  const transaction = <T>(callback: (tx: Transaction) => Promise<T>) =>
    client.transaction((tx) => callback(withStrippedQuery(tx, strip)));
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

function withStrippedQuery(
  tx: Transaction,
  strip: (options?: QueryOptions) => QueryOptions | undefined,
): Transaction {
  return new Proxy(tx, {
    get(target, property) {
      if (property === "query")
        return (text: string, params?: unknown[], options?: QueryOptions) =>
          target.query(text, params, strip(options));
      return Reflect.get(target, property, target);
    },
  });
}
