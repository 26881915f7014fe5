import { registerUser, startTestServer, type TestServer, testStores } from "@codepark/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe.each(testStores())("operations on %s", (store) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(store);
  });
  afterAll(() => server?.stop());

  it("echoes a sane x-request-id and generates one otherwise", async () => {
    const given = await server.api.request("GET", "/healthz", {
      headers: { "x-request-id": "trace-abc.123" },
    });
    expect(given.headers.get("x-request-id")).toBe("trace-abc.123");
    const generated = await server.api.get("/healthz");
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const hostile = await server.api.request("GET", "/healthz", {
      headers: { "x-request-id": "a b\tc<script>" },
    });
    expect(hostile.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("writes JSON logs carrying the request id and never a token or password", async () => {
    const password = "very secret passphrase 42";
    const registered = await server.api.request("POST", "/api/v1/auth/register", {
      body: { email: "logs@example.test", password, name: "Logs" },
      headers: { "x-request-id": "req-for-log-test" },
    });
    expect(registered.status).toBe(202);
    const response = await server.api.post("/api/v1/auth/login", { email: "logs@example.test", password });
    const { accessToken, refreshToken } = response.body;
    await server.api.get("/api/v1/me", accessToken);
    await server.api.get(`/api/v1/me?token=${accessToken}`, accessToken);
    const lines = server.logs.map((line) => JSON.parse(line));
    expect(lines.some((line) => line.reqId === "req-for-log-test")).toBe(true);
    const all = server.logs.join("\n");
    expect(all).not.toContain(password);
    expect(all).not.toContain(accessToken);
    expect(all).not.toContain(refreshToken);
  });

  it("exposes Prometheus metrics with the request histogram by route pattern", async () => {
    const user = await registerUser(server.api);
    await server.api.get("/api/v1/me", user.accessToken);
    const metrics = await server.api.get("/metrics");
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get("content-type")).toContain("text/plain");
    const text = metrics.body as string;
    expect(text).toContain("# TYPE http_request_duration_seconds histogram");
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/me",status_code="200"\} \d+/,
    );
    expect(text).toContain("process_resident_memory_bytes");
    expect(text).toContain("nodejs_eventloop_lag_seconds");
  });

  it("reports event-loop delay as how late a timer ran, not counting the sampling interval", async () => {
    const gauge = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]);
    await server.api.get("/metrics"); // each scrape reports the samples since the previous one
    // The loop held for 2.5 s: a sample falls due during the hold and runs ≥ 1.5 s late.
    const until = Date.now() + 2_500;
    while (Date.now() < until) {}
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // then samples of an idle loop
    const text = (await server.api.get("/metrics")).body as string;
    expect(text).toContain("Sampled every 1000 ms: how late a timer ran, the interval not included.");
    expect(gauge(text, "nodejs_eventloop_lag_max_seconds")).toBeGreaterThanOrEqual(1.4);
    // An idle loop's samples are on time: 0 plus scheduling noise, not the 1 s between samples.
    expect(gauge(text, "nodejs_eventloop_lag_min_seconds")).toBeLessThan(0.5);
  });

  it("publishes an OpenAPI 3.1 document generated from the validation schemas, and a docs page", async () => {
    const doc = await server.api.get("/api/v1/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe("3.1.0");
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/auth/register",
        "/api/v1/projects/{id}",
        "/api/v1/projects/{id}/files/{fileId}",
      ]),
    );
    const register = doc.body.paths["/api/v1/auth/register"].post;
    const schema = register.requestBody.content["application/json"].schema;
    expect(schema.required).toEqual(expect.arrayContaining(["email", "password", "name"]));
    expect(schema.additionalProperties).toBe(false);
    expect(doc.body.paths["/api/v1/projects"].get.security).toEqual([{ bearerAuth: [] }]);
    const docs = await server.api.get("/docs/");
    expect(docs.status).toBe(200);
    expect(String(docs.body)).toContain("swagger");
  });

  it("sends security headers", async () => {
    const response = await server.api.get("/healthz");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'self'");
    // Plain HTTP here: HSTS is only sent over HTTPS (see http-edges.test.ts).
    expect(response.headers.get("strict-transport-security")).toBeNull();
  });

  it("reports not ready (503 problem+json) when storage is unreachable", async () => {
    const other = await startTestServer(store);
    try {
      expect((await other.api.get("/readyz")).status).toBe(200);
      await other.app.database.close();
      const response = await other.api.get("/readyz");
      expect(response.status).toBe(503);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      expect(response.body.code).toBe("service_unavailable");
      expect((await other.api.get("/healthz")).status).toBe(200);
    } finally {
      await other.stop();
    }
  });
});
