import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type App, createApp } from "@codepark/server";
import type { Clock } from "@codepark/server/clock";
import { loadConfig } from "@codepark/server/config";
import type { DatabaseOptions } from "@codepark/server/database";
import pg from "pg";

export type Store = "pglite" | "postgres";

const adminUrl = process.env.TEST_DATABASE_URL;
const runId = process.env.TEST_RUN_ID ?? randomBytes(4).toString("hex");

/**
 * The stores every integration suite runs against: PGlite always, PostgreSQL when
 * TEST_DATABASE_URL is set. In CI a missing PostgreSQL is a failure, not a skip.
 */
export function testStores(): Store[] {
  if (!adminUrl && process.env.CI === "true") {
    throw new Error("CI=true but TEST_DATABASE_URL is not set: PostgreSQL tests may not be skipped in CI");
  }
  return adminUrl ? ["pglite", "postgres"] : ["pglite"];
}

/**
 * A fresh PostgreSQL database for one suite, so runs and files never collide. It is created from
 * `admin`, an admin URL: TEST_DATABASE_URL unless given (a benchmark passes its BENCH_DATABASE_URL).
 */
export async function createTestDatabase(
  admin: string | undefined = adminUrl,
): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!admin) throw new Error("TEST_DATABASE_URL is not set");
  const name = `cp_test_${runId}_${randomBytes(4).toString("hex")}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** A controllable clock: the one thing tests may fake. */
export class TestClock implements Clock {
  #offsetMs = 0;
  readonly #onAdvance = new Set<() => void>();
  now(): Date {
    return new Date(Date.now() + this.#offsetMs);
  }
  advance(ms: number): void {
    this.#offsetMs += ms;
    for (const listener of this.#onAdvance) listener();
  }
  /**
   * Called after each advance: what waits for a clock time with a real timer (the job runner's due
   * timers) looks again, as it would have once real time got there.
   */
  onAdvance(listener: () => void): void {
    this.#onAdvance.add(listener);
  }
}

export interface TestServer {
  app: App;
  baseUrl: string;
  store: Store;
  clock: TestClock;
  logs: string[];
  api: ApiClient;
  /** DATA_DIR of this server (mail lands in its `mail/` folder without SMTP_URL). */
  dataDir: string;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  /** Hears every statement the server sends to its store (with its name when prepared). */
  observeStatements?: DatabaseOptions["observe"];
}

/** Boots a real server on an ephemeral port over the given store. */
export async function startTestServer(
  store: Store,
  env: Record<string, string> = {},
  options: TestServerOptions = {},
): Promise<TestServer> {
  const clock = new TestClock();
  const logs: string[] = [];
  const testDb = store === "postgres" ? await createTestDatabase() : undefined;
  const database: DatabaseOptions = {
    ...(testDb ? { kind: "postgres", url: testDb.url, poolSize: 5 } : { kind: "pglite" }),
    observe: options.observeStatements,
  };
  // Its own data directory (mail written as .eml files, anything else kept on disk), removed at stop.
  const dataDir = env.DATA_DIR ?? (await mkdtemp(join(tmpdir(), "codepark-test-")));
  // Suites share one IP and a handful of accounts: limits are off unless a suite turns them on.
  const config = loadConfig({
    LOG_LEVEL: "info",
    PORT: "0",
    DATA_DIR: dataDir,
    RATE_LIMIT_ENABLED: "false",
    HTTP_MAX_CONNECTIONS_PER_IP: "0",
    ...env,
  });
  const app = await createApp(config, {
    clock,
    database,
    logStream: { write: (line) => void logs.push(line) },
  });
  clock.onAdvance(() => app.jobs.runner.recheck());
  await app.http.listen({ host: "127.0.0.1", port: 0 });
  const address = app.http.server.address();
  if (!address || typeof address === "string") throw new Error("server has no port");
  const baseUrl = `http://127.0.0.1:${address.port}`;
  return {
    app,
    baseUrl,
    store,
    clock,
    logs,
    // Fixture accounts are made verified straight in the store (tests of verification itself do not
    // ask for it; see registerUser).
    api: new ApiClient(baseUrl, {
      verifyEmail: (email) =>
        app.database.execute(
          "UPDATE users SET email_verified_at = $2 WHERE email = $1 AND email_verified_at IS NULL",
          [email, clock.now()],
        ),
    }),
    dataDir,
    stop: async () => {
      await app.close();
      await testDb?.drop();
      if (!env.DATA_DIR) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface ApiClientOptions {
  /**
   * Marks an account's email verified directly in the server's store, for fixture accounts: without
   * it a freshly registered account cannot be added to projects or emailed notifications.
   */
  verifyEmail?: (email: string) => Promise<void>;
}

/** A thin real-HTTP client (fetch) for tests. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly options: ApiClientOptions = {},
  ) {}

  async request<T = any>(
    method: string,
    path: string,
    options: {
      token?: string | undefined;
      body?: unknown;
      rawBody?: string;
      headers?: Record<string, string>;
    } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.rawBody !== undefined) {
      body = options.rawBody;
      headers["content-type"] ??= "application/json";
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    const type = response.headers.get("content-type") ?? "";
    const parsed = type.includes("json") && text ? JSON.parse(text) : text;
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  get = <T = any>(path: string, token?: string) => this.request<T>("GET", path, { token });
  post = <T = any>(path: string, body: unknown, token?: string) =>
    this.request<T>("POST", path, { body, token });
  put = <T = any>(path: string, body: unknown, token?: string) =>
    this.request<T>("PUT", path, { body, token });
  patch = <T = any>(path: string, body: unknown, token?: string) =>
    this.request<T>("PATCH", path, { body, token });
  delete = <T = any>(path: string, token?: string) => this.request<T>("DELETE", path, { token });
}

let userCounter = 0;

export interface TestUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  role: string;
}

export interface RegisterOptions {
  /**
   * Verified (the default when the client can: a server started by this harness, or a process on
   * PostgreSQL) — a fixture account as projects and notifications need it; the verification flow
   * itself is tested through its emails in account-lifecycle.test.ts. `false`: left unverified.
   */
  verified?: boolean;
}

/**
 * A fresh account through the API, as a client makes one: register (202, whether or not the address
 * was taken), then sign in with the same credentials. Verified first unless asked not to.
 */
export async function registerUser(
  api: ApiClient,
  name = "Tester",
  options: RegisterOptions = {},
): Promise<TestUser> {
  userCounter += 1;
  const email = `user${userCounter}-${randomBytes(3).toString("hex")}@example.test`;
  const password = `a sturdy passphrase ${userCounter}`;
  const response = await api.post("/api/v1/auth/register", { email, password, name });
  if (response.status !== 202)
    throw new Error(`register failed: ${response.status} ${JSON.stringify(response.body)}`);
  const verify = options.verified ?? api.options.verifyEmail !== undefined;
  if (verify) {
    if (!api.options.verifyEmail) throw new Error("this ApiClient cannot mark an email verified");
    await api.options.verifyEmail(email);
  }
  const login = await api.post("/api/v1/auth/login", { email, password });
  if (login.status !== 200)
    throw new Error(`sign-in after register failed: ${login.status} ${JSON.stringify(login.body)}`);
  return {
    id: login.body.user.id,
    email,
    password,
    role: login.body.user.role,
    ...pickTokens(login.body),
  };
}

function pickTokens(body: { accessToken: string; refreshToken: string }) {
  return { accessToken: body.accessToken, refreshToken: body.refreshToken };
}
