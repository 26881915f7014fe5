import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { registerUser, startTestServer, type TestServer } from "@codepark/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** A raw HTTP/1.1 request (fetch would refuse or rewrite what these tests send). */
function raw(
  baseUrl: string,
  path: string,
  method = "GET",
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const problemOf = (response: { headers: Record<string, unknown>; body: string }) => {
  expect(String(response.headers["content-type"])).toContain("application/problem+json");
  return JSON.parse(response.body) as { code: string; status: number };
};

describe("HTTP edges: every error is problem+json, HSTS only over HTTPS, names display as they read", () => {
  let server: TestServer;
  let guarded: TestServer;
  beforeAll(async () => {
    server = await startTestServer("pglite", { TRUST_PROXY: "true" });
    guarded = await startTestServer("pglite", {
      METRICS_TOKEN: "a-metrics-token-of-length",
      HTTP_HEADERS_TIMEOUT_MS: "1000",
      HTTP_KEEP_ALIVE_TIMEOUT_MS: "500",
      HTTP_MAX_CONNECTIONS_PER_IP: "3",
    });
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), guarded?.stop()]);
  });

  it("answers a URL that does not decode with 400 invalid_url", async () => {
    const response = await raw(server.baseUrl, "/api/v1/projects/%E0%A4%A");
    expect(response.status).toBe(400);
    expect(problemOf(response)).toMatchObject({ code: "invalid_url", status: 400 });
  });

  it("answers headers or a URL past the limit with 431 headers_too_large", async () => {
    const response = await raw(server.baseUrl, `/api/v1/projects?q=${"x".repeat(20_000)}`);
    expect(response.status).toBe(431);
    expect(problemOf(response)).toMatchObject({ code: "headers_too_large", status: 431 });
  });

  it("answers a known path asked with the wrong method with 405 and Allow; unknown paths stay 404", async () => {
    const wrong = await raw(server.baseUrl, "/api/v1/projects", "PUT");
    expect(wrong.status).toBe(405);
    expect(problemOf(wrong)).toMatchObject({ code: "method_not_allowed" });
    expect(wrong.headers.allow).toBe("GET, HEAD, POST");
    const withParams = await raw(server.baseUrl, "/api/v1/projects/prj_x/members/usr_y", "GET");
    expect(withParams.status).toBe(405);
    expect(withParams.headers.allow).toBe("DELETE, PATCH");

    const unknown = await raw(server.baseUrl, "/api/v1/nothing-here", "PUT");
    expect(unknown.status).toBe(404);
    expect(problemOf(unknown)).toMatchObject({ code: "route_not_found" });
  });

  it("sends Strict-Transport-Security only when the request came over HTTPS (here: a trusted proxy says so)", async () => {
    const plain = await raw(server.baseUrl, "/healthz");
    expect(plain.headers["strict-transport-security"]).toBeUndefined();
    const viaTls = await raw(server.baseUrl, "/healthz", "GET", { "x-forwarded-proto": "https" });
    expect(viaTls.headers["strict-transport-security"]).toMatch(/max-age=\d+/);
  });

  it("refuses bidirectional control characters in names and paths, but not in file contents", async () => {
    const rlo = "\u202E";
    const refused = await server.api.post("/api/v1/auth/register", {
      email: "bidi@example.test",
      password: "a sturdy passphrase 1",
      name: `invoice${rlo}fdp.exe`,
    });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe("validation_failed");

    const user = await registerUser(server.api, "Plain Name");
    const project = await server.api.post("/api/v1/projects", { name: `a${rlo}b` }, user.accessToken);
    expect(project.status).toBe(400);
    const ok = await server.api.post("/api/v1/projects", { name: "Plain" }, user.accessToken);
    expect(ok.status).toBe(201);
    const base = `/api/v1/projects/${ok.body.id}/files`;
    const badPath = await server.api.post(base, { path: `src/${rlo}gpj.ts`, content: "" }, user.accessToken);
    expect(badPath.status).toBe(400);
    expect(badPath.body.errors[0].path).toContain("path");
    const content = await server.api.post(
      base,
      { path: "src/ok.ts", content: `// a comment with ${rlo} in it` },
      user.accessToken,
    );
    expect(content.status).toBe(201);
  });

  it("keeps /metrics open by default and behind METRICS_TOKEN when it is set", async () => {
    expect((await raw(server.baseUrl, "/metrics")).status).toBe(200);
    const refused = await raw(guarded.baseUrl, "/metrics");
    expect(refused.status).toBe(401);
    expect(problemOf(refused)).toMatchObject({ code: "unauthorized" });
    expect(refused.headers["www-authenticate"]).toContain("Bearer");
    const wrong = await raw(guarded.baseUrl, "/metrics", "GET", {
      authorization: "Bearer not-the-token-at-all",
    });
    expect(wrong.status).toBe(401);
    const allowed = await raw(guarded.baseUrl, "/metrics", "GET", {
      authorization: "Bearer a-metrics-token-of-length",
    });
    expect(allowed.status).toBe(200);
    expect(allowed.body).toContain("http_request_duration_seconds");
  });

  it("closes a connection that trickles its headers (slowloris) or never speaks, with a 408 problem", async () => {
    const url = new URL(guarded.baseUrl);
    /** Opens a raw connection; resolves with what the server wrote once it closed the connection. */
    const watch = (speak: (socket: ReturnType<typeof connect>) => void) =>
      new Promise<{ said: string; closedAfterMs: number }>((resolve, reject) => {
        const started = Date.now();
        const socket = connect(Number(url.port), url.hostname, () => speak(socket));
        let said = "";
        socket.on("data", (chunk) => (said += chunk));
        socket.on("error", reject);
        socket.on("close", () => resolve({ said, closedAfterMs: Date.now() - started }));
      });
    let trickle: NodeJS.Timeout | undefined;
    const [slowloris, silent] = await Promise.all([
      watch((socket) => {
        socket.write("GET /api/v1/projects HTTP/1.1\r\nHost: x\r\n");
        trickle = setInterval(() => socket.write("X-Slow: 1\r\n"), 200);
      }),
      watch(() => {}),
    ]);
    clearInterval(trickle);
    for (const closed of [slowloris, silent]) {
      expect(closed.said).toMatch(/^HTTP\/1\.1 408 /);
      expect(closed.said).toContain('"code":"request_timeout"');
    }
    console.log(
      `slowloris closed after ${slowloris.closedAfterMs} ms, silent after ${silent.closedAfterMs} ms (limit 1 s)`,
    );
  });

  it("caps open connections per address: one more gets 429 and is closed; a closed one frees its place", async () => {
    const url = new URL(guarded.baseUrl);
    const open = () =>
      new Promise<ReturnType<typeof connect>>((resolve, reject) => {
        const socket = connect(Number(url.port), url.hostname, () => resolve(socket));
        socket.on("error", reject);
      });
    const held = [await open(), await open(), await open()];
    const extra = await open();
    const said = await new Promise<string>((resolve) => {
      let text = "";
      extra.on("data", (chunk) => (text += chunk));
      extra.on("close", () => resolve(text));
      // A request sent over the refused connection is never answered (never run).
      extra.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    });
    expect(said).toMatch(/^HTTP\/1\.1 429 /);
    expect(said).toContain('"code":"rate_limited"');
    expect(said.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    held.pop()!.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const health = await raw(guarded.baseUrl, "/healthz");
    expect(health.status).toBe(200);
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const metrics = await raw(guarded.baseUrl, "/metrics", "GET", {
      authorization: "Bearer a-metrics-token-of-length",
    });
    expect(metrics.body).toMatch(/codepark_limit_rejections_total\{limit="connections_per_ip"\} 1/);
  });

  it("closes an idle keep-alive connection after HTTP_KEEP_ALIVE_TIMEOUT_MS", async () => {
    // The earlier tests' kept-alive connections count against the cap of 3 until they idle out.
    await new Promise((resolve) => setTimeout(resolve, 700));
    const url = new URL(guarded.baseUrl);
    let answeredAt = 0;
    const { said, closedAt } = await new Promise<{ said: string; closedAt: number }>((resolve, reject) => {
      let text = "";
      const socket = connect(Number(url.port), url.hostname, () =>
        socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n"),
      );
      socket.on("data", (chunk) => {
        text += chunk;
        answeredAt ||= Date.now();
      });
      socket.on("error", reject);
      socket.on("close", () => resolve({ said: text, closedAt: Date.now() }));
    });
    expect(said).toMatch(/^HTTP\/1\.1 200 /);
    // Closed by the server (the client never closes it), once idle for the keep-alive time.
    expect(closedAt - answeredAt).toBeGreaterThanOrEqual(450);
  });
});
