import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import pg from "pg";
import { ApiClient } from "./harness.ts";

/** The server's entry file, found through its workspace package (a path, not an import: importing would start it). */
export const mainScript = createRequire(import.meta.url).resolve("@codepark/server/main");

export interface Running {
  child: ChildProcess;
  api: ApiClient;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Starts the server as a real process from its sources (through tsx: tests see the code as it is;
 * `npm start` runs the same code compiled) and waits for it to listen.
 */
const START_TIMEOUT_MS = 45_000;

export async function startProcess(env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, ["--import", "tsx", mainScript], {
    env: { ...process.env, PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let ready = () => {};
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match && output.includes("CodePark is ready")) resolve(match[1]!);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    exited.then((code) => reject(new Error(`exited early with ${code}:\n${output}`)));
    // A child that never gets ready is killed, not left running after the test gives up.
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`not ready after ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    timer.unref();
    void exited.finally(() => clearTimeout(timer));
    ready = () => clearTimeout(timer);
  }).finally(() => ready());
  return { child, api: new ApiClient(url, processClientOptions(env)), output: () => output, exited };
}

/**
 * A process on PostgreSQL can have fixture accounts verified straight in its database (registerUser);
 * one on PGlite cannot (the process holds the data directory), so its accounts stay unverified.
 */
function processClientOptions(env: Record<string, string>) {
  const databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) return {};
  return {
    verifyEmail: async (email: string) => {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        await client.query(
          "UPDATE users SET email_verified_at = now() WHERE email = $1 AND email_verified_at IS NULL",
          [email],
        );
      } finally {
        await client.end();
      }
    },
  };
}
