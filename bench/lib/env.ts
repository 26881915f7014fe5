/** A numeric env knob: unset or empty → fallback; anything not a number ≥ min stops the bench. */
export function numberFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min)
    throw new Error(`${name} must be a number >= ${min}, got "${raw}"`);
  return value;
}

/** A comma-separated list knob, trimmed, empty items dropped. */
export function listFromEnv(name: string, fallback: string): string[] {
  const raw = process.env[name] || fallback;
  return raw
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

/** BENCH_QUICK=1: short windows and fewer repetitions, for a quick look (every bench together < 3 min). */
export function benchQuick(): boolean {
  return process.env.BENCH_QUICK === "1";
}
