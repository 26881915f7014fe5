import { type PGlite, parse, protocol, type QueryOptions, type Results } from "@electric-sql/pglite";

const { serialize } = protocol;

interface Prepared {
  name: string;
  text: string;
  /** Parameter type oids, as the server inferred them: they pick each value's serializer. */
  paramTypes: number[];
}

/** Statements prepared for texts seen (drizzle's): the least recently used beyond this are closed. */
const MAX_AUTO_PREPARED = 500;

/**
 * Prepared statements on PGlite. `query()` parses, plans and describes its statement on every call,
 * in six exchanges with the engine (Parse, Describe, Bind, Describe, Execute, Sync); a statement
 * prepared here is parsed once, and each run after that is one exchange (Bind, Describe, Execute,
 * Sync) on a cached plan: about half the CPU of a short statement (docs/performance.md, chat).
 */
export class PglitePreparedStatements {
  readonly #client: PGlite;
  /** Named by the caller (Database.query with a name). */
  readonly #named = new Map<string, Prepared>();
  /** Prepared on first sight of their text, most recently used last. */
  readonly #auto = new Map<string, Prepared>();
  #autoNames = 0;

  constructor(client: PGlite) {
    this.#client = client;
  }

  /** A statement the caller named, outside any transaction. */
  async query<Row>(name: string, text: string, params: unknown[]): Promise<Row[]> {
    const results = await this.#exclusive(false, async () => {
      const prepared = this.#named.get(name) ?? (await this.#prepare(name, text, this.#named, name));
      if (prepared.text !== text) throw new Error(`statement ${name} was prepared with another text`);
      return this.#execute(prepared, params, undefined);
    });
    return results.rows as Row[];
  }

  /**
   * Any statement, prepared the first time its text is seen (drizzle's query texts are fixed per
   * query shape). `inTransaction`: the caller holds PGlite's transaction lock already.
   */
  run(text: string, params: unknown[], options: QueryOptions | undefined, inTransaction: boolean) {
    return this.#exclusive(inTransaction, async () => {
      let prepared = this.#auto.get(text);
      if (prepared) {
        // Most recently used last.
        this.#auto.delete(text);
        this.#auto.set(text, prepared);
      } else {
        prepared = await this.#prepare(`auto_${++this.#autoNames}`, text, this.#auto, text);
        if (this.#auto.size > MAX_AUTO_PREPARED) await this.#closeOldest();
      }
      return this.#execute(prepared, params, options);
    });
  }

  /** Like query(): never inside another caller's open transaction, one exchange at a time. */
  async #exclusive<T>(inTransaction: boolean, work: () => Promise<T>): Promise<T> {
    const client = this.#client;
    await client._checkReady();
    if (inTransaction) return client._runExclusiveQuery(work);
    return client._runExclusiveTransaction(() =>
      client._runExclusiveQuery(async () => {
        const result = await work();
        await client.syncToFs();
        return result;
      }),
    );
  }

  async #prepare(name: string, text: string, into: Map<string, Prepared>, key: string): Promise<Prepared> {
    const messages = await this.#client.execProtocolStream(
      Buffer.concat([
        serialize.parse({ name, text }),
        serialize.describe({ type: "S", name }),
        serialize.sync(),
      ]),
      { syncToFs: false },
    );
    const prepared = { name, text, paramTypes: parse.parseDescribeStatementResults(messages) };
    into.set(key, prepared);
    return prepared;
  }

  async #execute(prepared: Prepared, params: unknown[], options: QueryOptions | undefined): Promise<Results> {
    const client = this.#client;
    const values = params.map((value, index) => {
      if (value === null || value === undefined) return null;
      const type = prepared.paramTypes[index]!;
      const serializer = options?.serializers?.[type] ?? client.serializers[type];
      return serializer ? serializer(value) : String(value);
    });
    try {
      const messages = await client.execProtocolStream(
        Buffer.concat([
          serialize.bind({ statement: prepared.name, values }),
          serialize.describe({ type: "P" }),
          serialize.execute({}),
          serialize.sync(),
        ]),
        { syncToFs: false },
      );
      return parse.parseResults(messages, client.parsers, options)[0] ?? { rows: [], fields: [] };
    } catch (error) {
      // As query() does: the statement and its parameters travel with the error.
      Object.assign(error as object, { query: prepared.text, params, queryOptions: options });
      throw error;
    }
  }

  async #closeOldest(): Promise<void> {
    const [text, oldest] = this.#auto.entries().next().value as [string, Prepared];
    this.#auto.delete(text);
    await this.#client.execProtocolStream(
      Buffer.concat([serialize.close({ type: "S", name: oldest.name }), serialize.sync()]),
      { syncToFs: false },
    );
  }
}
