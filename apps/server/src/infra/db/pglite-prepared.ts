import { type PGlite, parse, protocol } from "@electric-sql/pglite";

const { serialize } = protocol;

interface Prepared {
  text: string;
  /** Parameter type oids, as the server inferred them: they pick each value's serializer. */
  paramTypes: number[];
}

/**
 * Named statements on PGlite. `query()` parses, plans and describes its statement on every call, in
 * six exchanges with the engine (Parse, Describe, Bind, Describe, Execute, Sync); a statement
 * prepared here is parsed once, and each run after that is one exchange (Bind, Describe, Execute,
 * Sync) on a cached plan: about half the CPU of a short write (docs/performance.md, chat).
 */
export class PglitePreparedStatements {
  readonly #client: PGlite;
  readonly #prepared = new Map<string, Prepared>();

  constructor(client: PGlite) {
    this.#client = client;
  }

  async query<Row>(name: string, text: string, params: unknown[]): Promise<Row[]> {
    const client = this.#client;
    await client._checkReady();
    // Exclusive like query(): never inside another caller's open transaction.
    return client._runExclusiveTransaction(() =>
      client._runExclusiveQuery(async () => {
        const prepared = this.#prepared.get(name) ?? (await this.#prepare(name, text));
        if (prepared.text !== text) throw new Error(`statement ${name} was prepared with another text`);
        const values = params.map((value, index) => {
          if (value === null || value === undefined) return null;
          const serializer = client.serializers[prepared.paramTypes[index]!];
          return serializer ? serializer(value) : String(value);
        });
        const messages = await client.execProtocolStream(
          Buffer.concat([
            serialize.bind({ statement: name, values }),
            serialize.describe({ type: "P" }),
            serialize.execute({}),
            serialize.sync(),
          ]),
          { syncToFs: false },
        );
        await client.syncToFs();
        return (parse.parseResults(messages, client.parsers)[0]?.rows ?? []) as Row[];
      }),
    );
  }

  async #prepare(name: string, text: string): Promise<Prepared> {
    const messages = await this.#client.execProtocolStream(
      Buffer.concat([
        serialize.parse({ name, text }),
        serialize.describe({ type: "S", name }),
        serialize.sync(),
      ]),
      { syncToFs: false },
    );
    const prepared = { text, paramTypes: parse.parseDescribeStatementResults(messages) };
    this.#prepared.set(name, prepared);
    return prepared;
  }
}
