import { describe, expect, it } from "vitest";
import { groupCommit } from "./group-commit.ts";

/** A batch operation that records its batches and finishes when told. */
function recorder() {
  const batches: number[][] = [];
  const finishers: (() => void)[] = [];
  const run = (items: number[]) => {
    batches.push(items);
    return new Promise<number[]>((resolve) => {
      finishers.push(() => resolve(items.map((item) => item * 10)));
    });
  };
  return { batches, finishers, run };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
/** Lets the batcher's own turn pass too, whichever was scheduled first. */
const turns = async (count = 3) => {
  for (let i = 0; i < count; i++) await nextTurn();
};

describe("groupCommit", () => {
  it("runs items handed in together as one batch, each caller getting its own result", async () => {
    const { batches, finishers, run } = recorder();
    const add = groupCommit(run);
    const results = Promise.all([add(1), add(2), add(3)]);
    await nextTurn();
    expect(batches).toEqual([[1, 2, 3]]);
    finishers[0]!();
    expect(await results).toEqual([10, 20, 30]);
  });

  it("collects items handed in while a batch runs into the next one", async () => {
    const { batches, finishers, run } = recorder();
    const add = groupCommit(run);
    const first = add(1);
    await nextTurn();
    const later = [add(2), add(3)];
    await nextTurn();
    expect(batches).toEqual([[1]]);
    finishers[0]!();
    expect(await first).toBe(10);
    await turns();
    expect(batches).toEqual([[1], [2, 3]]);
    finishers[1]!();
    expect(await Promise.all(later)).toEqual([20, 30]);
  });

  it("also takes items handed in by the I/O callbacks of the same turn", async () => {
    const { batches, finishers, run } = recorder();
    const add = groupCommit(run);
    const results: Promise<number>[] = [];
    // Two timers due together run in one turn, like two responses that arrived together.
    await new Promise<void>((resolve) => {
      setTimeout(() => results.push(add(1)), 5);
      setTimeout(() => {
        results.push(add(2));
        resolve();
      }, 5);
    });
    await nextTurn();
    expect(batches).toEqual([[1, 2]]);
    finishers[0]!();
    expect(await Promise.all(results)).toEqual([10, 20]);
  });

  it("caps a batch at max items", async () => {
    const { batches, finishers, run } = recorder();
    const add = groupCommit(run, { max: 2 });
    const results = Promise.all([add(1), add(2), add(3)]);
    await nextTurn();
    finishers[0]!();
    await turns();
    finishers[1]!();
    await results;
    expect(batches).toEqual([[1, 2], [3]]);
  });

  it("fails every caller of a failed batch, or with isolateFailures only the item that fails alone", async () => {
    const failing = async (items: number[]) => {
      if (items.includes(2)) throw new Error(`bad batch ${items.join(",")}`);
      return items;
    };
    const plain = groupCommit(failing);
    const together = await Promise.allSettled([plain(1), plain(2), plain(3)]);
    expect(together.map((result) => result.status)).toEqual(["rejected", "rejected", "rejected"]);

    const isolated = groupCommit(failing, { isolateFailures: true });
    const alone = await Promise.allSettled([isolated(1), isolated(2), isolated(3)]);
    expect(alone).toEqual([
      { status: "fulfilled", value: 1 },
      { status: "rejected", reason: new Error("bad batch 2") },
      { status: "fulfilled", value: 3 },
    ]);
  });

  it("keeps working after a failed batch", async () => {
    let fail = true;
    const add = groupCommit(async (items: number[]) => {
      if (fail) throw new Error("down");
      return items;
    });
    await expect(add(1)).rejects.toThrow("down");
    fail = false;
    expect(await add(2)).toBe(2);
  });
});
