import { randomBytes } from "node:crypto";

/**
 * The Redis the cluster suites use (TEST_REDIS_URL), or undefined to skip them on a machine without
 * one. In CI a missing Redis is a failure, not a skip.
 */
export function testRedisUrl(): string | undefined {
  const url = process.env.TEST_REDIS_URL;
  if (!url && process.env.CI === "true") {
    throw new Error("CI=true but TEST_REDIS_URL is not set: Redis tests may not be skipped in CI");
  }
  return url || undefined;
}

/** A key prefix of this run's own (TEST_REDIS_PREFIX from .ci/run), unique per call. */
export function testRedisPrefix(label: string): string {
  return `${process.env.TEST_REDIS_PREFIX ?? "cp_test:"}${label}_${randomBytes(4).toString("hex")}:`;
}
