export interface GroupCommitOptions {
  /** Most items in one batch; the rest go in the next. */
  max?: number;
  /** When a batch fails, run each of its items alone, so one bad item fails only its own caller. */
  isolateFailures?: boolean;
}

interface Waiting<In, Out> {
  item: In;
  resolve: (out: Out) => void;
  reject: (error: unknown) => void;
}

/**
 * One operation (a statement) for many callers. A batch starts after the event loop's current
 * turn (setImmediate): everything handed in meanwhile, including by the I/O callbacks of that turn
 * (responses that arrived together), goes in it; items handed in while a batch runs go in the next.
 * An idle caller waits one turn; under load batches grow by themselves, so the statement count
 * follows the database's pace, not the number of items. That turn matters on the embedded store:
 * a PGlite statement runs without yielding to I/O, so without it every item would find the
 * previous batch finished and go alone. (So a chain of promises that never yields, such as a run
 * of PGlite statements, delays a batch until it does.) `run` returns each item's result in order
 * (or nothing).
 */
export function groupCommit<In, Out = void>(
  run: (items: In[]) => Promise<Out[] | undefined>,
  options: GroupCommitOptions = {},
): (item: In) => Promise<Out> {
  const max = options.max ?? 500;
  const queue: Waiting<In, Out>[] = [];
  let running = false;

  const settle = async (batch: Waiting<In, Out>[]) => {
    try {
      const results = await run(batch.map((waiting) => waiting.item));
      for (const [index, waiting] of batch.entries()) waiting.resolve(results?.[index] as Out);
    } catch (error) {
      if (!options.isolateFailures || batch.length === 1) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
      for (const waiting of batch) await settle([waiting]);
    }
  };
  const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
  const drain = async () => {
    do {
      await nextTurn();
      await settle(queue.splice(0, max));
    } while (queue.length > 0);
    running = false;
  };
  return (item) =>
    new Promise<Out>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (running) return;
      running = true;
      void drain();
    });
}
