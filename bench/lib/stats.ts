export function round(value: number, digits: number): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Nearest-rank percentiles (p in 0–100) of unsorted samples, rounded to 0.01; null when there are none. */
export function percentiles(samples: ArrayLike<number>, ps: number[]): (number | null)[] {
  const sorted = Float64Array.from(samples).sort();
  return ps.map((p) => {
    if (sorted.length === 0) return null;
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return round(sorted[rank]!, 2);
  });
}
