import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Whether browser tests can run. Outside CI a missing Chromium skips them with a message;
 * in CI it is a failure (the suite must not silently skip).
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === "true") throw new Error(`CI=true but Chromium is missing at ${CHROMIUM}`);
  console.warn(`Skipping browser tests: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  return false;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * Builds apps/web when its build is missing or stale (the server serves apps/web/dist). Test files
 * run in parallel workers: a lock directory makes one build while the others wait, so no server
 * serves a dist that another build is emptying.
 */
export function ensureWebBuild(): void {
  const script = fileURLToPath(new URL("../../../scripts/ensure-web-build.mjs", import.meta.url));
  const lock = fileURLToPath(new URL("../.build-lock", import.meta.url));
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      // A lock left by a killed run is stale after two minutes.
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`web build lock ${lock} still held`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    const result = spawnSync(process.execPath, [script], { stdio: "inherit" });
    if (result.status !== 0) throw new Error("web app build failed");
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Screenshots go to test-results/ (git-ignored). */
export async function screenshotPath(name: string): Promise<string> {
  const dir = fileURLToPath(new URL("../../../test-results/", import.meta.url));
  await mkdir(dir, { recursive: true });
  return `${dir}${name}.png`;
}
