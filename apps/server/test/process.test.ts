import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ApiClient,
  authenticatorCode,
  createTestDatabase,
  mainScript,
  registerUser,
  startProcess,
  testStores,
  waitFor,
} from "@codepark/testing";
import { openEditor } from "@codepark/testing/collab";
import { afterAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";

describe("the server process", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("keeps data and signing keys across a graceful restart on embedded storage", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "codepark-"));
    dirs.push(dataDir);
    const first = await startProcess({ DATA_DIR: dataDir });
    const user = await registerUser(first.api);
    const project = await first.api.post("/api/v1/projects", { name: "Survives" }, user.accessToken);
    expect(project.status).toBe(201);

    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain("shut down cleanly");

    const second = await startProcess({ DATA_DIR: dataDir });
    try {
      // The access token issued before the restart is still accepted: the key was kept.
      const again = await second.api.get(`/api/v1/projects/${project.body.id}`, user.accessToken);
      expect(again.status).toBe(200);
      expect(again.body.name).toBe("Survives");
      expect(
        (await second.api.post("/api/v1/auth/refresh", { refreshToken: user.refreshToken })).status,
      ).toBe(200);
    } finally {
      second.child.kill("SIGINT");
      expect(await second.exited).toBe(0);
    }
  }, 60_000);

  it("finishes a request already in flight when told to stop", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "codepark-"));
    dirs.push(dataDir);
    const server = await startProcess({ DATA_DIR: dataDir });
    const user = await registerUser(server.api);
    const body = JSON.stringify({ name: "Sent across a shutdown" });
    const url = new URL("/api/v1/projects", server.api.baseUrl);
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(
        url,
        {
          method: "POST",
          headers: {
            authorization: `Bearer ${user.accessToken}`,
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = "";
          res.on("data", (chunk) => {
            text += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      request.on("error", reject);
      // Half the body now, SIGTERM while the server waits for the rest, then the rest.
      request.write(body.slice(0, 10));
      setTimeout(() => {
        server.child.kill("SIGTERM");
        setTimeout(() => request.end(body.slice(10)), 300);
      }, 300);
    });
    const result = await response;
    expect(result.status).toBe(201);
    expect(JSON.parse(result.body).name).toBe("Sent across a shutdown");
    expect(await server.exited).toBe(0);
  }, 60_000);

  it("refuses to start on a wrong setting and names it", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", mainScript], {
      env: { ...process.env, PORT: "not-a-port" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    expect(stderr).toContain("PORT");
  });

  it.each([
    [{ REDIS_URL: "redis://127.0.0.1:6379" }, /DATABASE_URL[\s\S]*single-node/],
    [
      { REDIS_URL: "redis://127.0.0.1:1", DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test" },
      /Redis at redis:\/\/127\.0\.0\.1:1\/? did not answer/,
    ],
  ])(
    "refuses to join a cluster it cannot: %j",
    async (env, message) => {
      const dataDir = await mkdtemp(join(tmpdir(), "codepark-"));
      dirs.push(dataDir);
      const child = spawn(process.execPath, ["--import", "tsx", mainScript], {
        env: { ...process.env, PORT: "0", DATA_DIR: dataDir, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk) => (output += chunk));
      const code = await new Promise((resolve) => child.once("exit", resolve));
      expect(code).toBe(1);
      expect(output).toMatch(message);
    },
    60_000,
  );
});

describe.skipIf(!testStores().includes("postgres"))("several nodes on one PostgreSQL", () => {
  it("share generated keys: tokens and encrypted secrets from one node work on the other", async () => {
    const database = await createTestDatabase();
    const config = loadConfig({ LOG_LEVEL: "silent" });
    const options = { database: { kind: "postgres" as const, url: database.url, poolSize: 3 } };
    // Started concurrently, as a scaled deployment would: migrations and key creation must agree.
    const [nodeA, nodeB] = await Promise.all([createApp(config, options), createApp(config, options)]);
    try {
      await nodeA.http.listen({ host: "127.0.0.1", port: 0 });
      await nodeB.http.listen({ host: "127.0.0.1", port: 0 });
      const urlOf = (app: typeof nodeA) => {
        const address = app.http.server.address();
        return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
      };
      const a = new ApiClient(urlOf(nodeA));
      const b = new ApiClient(urlOf(nodeB));
      const user = await registerUser(a);
      expect((await b.get("/api/v1/me", user.accessToken)).status).toBe(200);

      const setup = await a.post("/api/v1/auth/2fa/setup", undefined, user.accessToken);
      const enabled = await b.post(
        "/api/v1/auth/2fa/enable",
        { code: authenticatorCode(setup.body.secret, new Date()) },
        user.accessToken,
      );
      expect(enabled.status).toBe(200);
    } finally {
      await nodeA.close();
      await nodeB.close();
      await database.drop();
    }
  }, 60_000);
});

describe.each(testStores())("durability of live edits on %s", (store) => {
  it("loses no update another client has seen when the server is killed with SIGKILL", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "codepark-kill-"));
    const database = store === "postgres" ? await createTestDatabase() : undefined;
    const env = {
      DATA_DIR: dataDir,
      ...(database ? { DATABASE_URL: database.url } : {}),
      // Embedded storage: nothing moves from the journal into PGlite before the kill, so the
      // restart has to replay every update from the journal.
      COLLAB_JOURNAL_FLUSH_MS: "60000",
    };
    try {
      const first = await startProcess(env);
      const user = await registerUser(first.api);
      const project = await first.api.post("/api/v1/projects", { name: "Crash" }, user.accessToken);
      const file = await first.api.post(
        `/api/v1/projects/${project.body.id}/files`,
        { path: "a.txt" },
        user.accessToken,
      );
      const writer = openEditor(first.api.baseUrl, file.body.id, user.accessToken);
      const observer = openEditor(first.api.baseUrl, file.body.id, user.accessToken);
      await Promise.all([writer.synced(), observer.synced()]);
      for (let i = 0; i < 200; i++) {
        writer.text.insert(writer.text.length, `<${i}>`);
        if (i % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await waitFor(() => observer.text.toString().includes("<199>"), 10_000, "observer sees every edit");
      const seen = observer.text.toString();
      first.child.kill("SIGKILL");
      await first.exited;
      writer.destroy();
      observer.destroy();

      const second = await startProcess(env);
      try {
        const after = await second.api.get(
          `/api/v1/projects/${project.body.id}/files/${file.body.id}`,
          user.accessToken,
        );
        expect(after.body.content).toBe(seen);
      } finally {
        second.child.kill("SIGTERM");
        await second.exited;
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
      await database?.drop();
    }
  }, 90_000);
});
