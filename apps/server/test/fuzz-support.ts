import fc from "fast-check";

/**
 * Shared settings for the property-based fuzz suites: a fixed seed in CI so a failure reproduces
 * (fast-check prints the seed, path and counterexample), FUZZ_SEED / FUZZ_RUNS to explore further.
 */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 1_400_014);
/** A per-store salt for fuzzParameters. */
export const storeSalt = (store: string) => (store === "postgres" ? 1_000 : 0);
export const fuzzRuns = (ciRuns: number) => Number(process.env.FUZZ_RUNS ?? ciRuns);

/** `salt` varies the seed between stores and batches, so together they cover more inputs. */
export const fuzzParameters = (ciRuns: number, salt = 0): fc.Parameters<unknown> => ({
  seed: FUZZ_SEED + salt,
  numRuns: fuzzRuns(ciRuns),
  // Shrinking a failure replays requests; keep it bounded so a red run still ends quickly.
  endOnFailure: false,
  interruptAfterTimeLimit: 60_000,
  markInterruptAsFailure: false,
});

/** Strings that have broken parsers, databases and renderers before. */
export const nastyStrings = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "\uD800",
    "\uDFFF\uD800",
    "\u202Eevil\u202C",
    "\u2066x\u2069",
    "\u200F\u200E",
    "\uFEFF",
    "😀".repeat(50),
    "👩‍💻",
    "e\u0301",
    "%00",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "'; DROP TABLE users; --",
    "{{7*7}}",
    "$" + "{7*7}",
    "__proto__",
    "constructor",
    "prototype",
    "toString",
    "hasOwnProperty",
    "null",
    "NaN",
    "-0",
    "1e309",
  ),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.integer({ min: 1_000, max: 300_000 }).map((length) => "x".repeat(length)),
);

/** JSON text for a value nested `depth` levels deep (arrays or objects). */
export const deeplyNested = fc
  .record({ depth: fc.integer({ min: 50, max: 20_000 }), kind: fc.constantFrom("array", "object") })
  .map(({ depth, kind }) =>
    kind === "array"
      ? `${"[".repeat(depth)}1${"]".repeat(depth)}`
      : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
  );
