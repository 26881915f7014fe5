/**
 * Yjs merges cost more per update the more are merged at once (the merge re-sorts its inputs for
 * every struct): 100 merge at ~10 µs each, 2,000 at ~38 µs, 30,000 take a minute. So wherever a
 * document's updates are merged (a group commit, a journal flush), they are merged in runs of this
 * many.
 */
export const MERGE_RUN = 100;

/** `items` cut into consecutive runs of at most MERGE_RUN, in order. */
export function inMergeRuns<T>(items: readonly T[]): T[][] {
  const runs: T[][] = [];
  for (let start = 0; start < items.length; start += MERGE_RUN)
    runs.push(items.slice(start, start + MERGE_RUN));
  return runs;
}
