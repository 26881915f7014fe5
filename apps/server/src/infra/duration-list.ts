/** Human-written durations for settings, e.g. a retry schedule `5s,5m,30m,2h,5h,10h,10h`. */

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

const DURATION = /^(-?\d+)(ms|s|m|h|d)$/;

/** `"5m"` → 300000. Whole numbers only, units ms, s, m, h, d (lower case: `M` could mean months). */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  const match = DURATION.exec(trimmed);
  if (!match) {
    throw new Error(
      `invalid duration "${trimmed}": expected a whole number followed by ms, s, m, h or d (e.g. "30s")`,
    );
  }
  const amount = Number(match[1]);
  if (amount < 0) throw new Error(`invalid duration "${trimmed}": must not be negative`);
  const ms = amount * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (!Number.isSafeInteger(ms)) throw new Error(`invalid duration "${trimmed}": too large`);
  return ms;
}

/** `"5s,5m,2h"` → [5000, 300000, 7200000]; spaces around items are allowed, empty items are not. */
export function parseDurationList(text: string): number[] {
  if (text.trim() === "") throw new Error("invalid duration list: it is empty");
  return text.split(",").map((item, index) => {
    if (item.trim() === "") {
      throw new Error(`invalid duration list "${text}": item ${index + 1} is empty`);
    }
    return parseDuration(item);
  });
}
