import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { registerUser, type TestServer } from "@codepark/testing";
import { vi } from "vitest";

export const examplesDir = fileURLToPath(new URL("../examples/", import.meta.url));
export const readmePath = fileURLToPath(new URL("../README.md", import.meta.url));

export const exampleFiles = () => readdirSync(examplesDir).filter((name) => name.endsWith(".ts"));

/** The README's ```ts blocks, each with the example file its marker names. */
export function readmeExamples(): { file: string | null; code: string }[] {
  const readme = readFileSync(readmePath, "utf8");
  return [...readme.matchAll(/(?:<!-- example: ([\w.-]+) -->\n)?```ts\n([\s\S]*?)```/g)].map((match) => ({
    file: match[1] ?? null,
    code: match[2]!,
  }));
}

let runs = 0;

/**
 * Runs an example file as a reader would (its top-level code, on import) against `server`, signed
 * in as a fresh account through the environment variables the examples read; returns what it logged.
 */
export async function runExample(server: TestServer, file: string, env: Record<string, string> = {}) {
  const user = await registerUser(server.api, "Example");
  Object.assign(process.env, {
    CODEPARK_URL: server.baseUrl,
    CODEPARK_EMAIL: user.email,
    CODEPARK_PASSWORD: user.password,
    ...env,
  });
  const logged: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    logged.push(args.map(String).join(" "));
  });
  try {
    // A fresh module each run (a query string), so the same example can run once per store.
    runs += 1;
    await import(`${examplesDir}${file}?run=${runs}`);
  } finally {
    spy.mockRestore();
  }
  return { logged, user };
}
