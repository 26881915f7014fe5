import type { LookupAddress } from "node:dns";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  checkWebhookUrl,
  createOutboundHttp,
  parseRetryAfter,
  sendWebhookRequest,
  type WebhookRequestOptions,
} from "./outbound.ts";

const NOW = new Date(Date.UTC(2026, 0, 1, 12, 0, 0));

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage["headers"];
  body: string;
  /** Which TCP connection it came on (1, 2, … in order of opening). */
  connection: number;
}

let server: Server;
let port: number;
let received: Received[];
let endlessClosed: Promise<void>;
const connectionIds = new WeakMap<Socket, number>();
const servedOn = new WeakMap<Socket, number>();
let connections = 0;
let markEndlessClosed: () => void;

/** Every behaviour a receiver can show, by path. */
function handle(request: IncomingMessage, response: ServerResponse, body: string) {
  const connection = connectionIds.get(request.socket) ?? 0;
  received.push({ method: request.method, url: request.url, headers: request.headers, body, connection });
  const served = (servedOn.get(request.socket) ?? 0) + 1;
  servedOn.set(request.socket, served);
  switch (new URL(request.url ?? "/", "http://receiver").pathname) {
    case "/ok":
      return response.writeHead(200, { "content-type": "text/plain" }).end("thanks");
    case "/fail":
      return response.writeHead(500).end("database on fire");
    case "/endless": {
      // Writes until the client hangs up: a client that buffered it all would never finish.
      response.writeHead(200);
      const chunk = Buffer.alloc(16 * 1024, "x");
      response.on("close", () => markEndlessClosed());
      const pump = () => {
        while (!response.destroyed && response.write(chunk)) {}
        if (!response.destroyed) response.once("drain", pump);
      };
      return pump();
    }
    case "/multibyte":
      // 1 + 600 × 2 bytes: the 1 KiB limit falls inside an "é".
      return response.writeHead(200).end(`a${"é".repeat(600)}`);
    case "/redirect":
      return response.writeHead(302, { location: `http://127.0.0.1:${port}/target` }).end("moved");
    case "/target":
      return response.writeHead(200).end("should never be reached");
    case "/hang":
      return; // never answers
    case "/drop-reused":
      // An idle connection the server closes as the next request arrives on it.
      if (served > 1) return request.socket.destroy();
      return response.writeHead(200).end("fresh");
    case "/slow-body":
      response.writeHead(200);
      response.write("partial");
      return; // and never ends
    case "/retry-seconds":
      return response.writeHead(429, { "retry-after": "120" }).end();
    case "/retry-date":
      return response.writeHead(503, { "retry-after": new Date(NOW.getTime() + 90_000).toUTCString() }).end();
    default:
      return response.writeHead(404).end();
  }
}

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      body += chunk;
    });
    request.on("end", () => handle(request, response, body));
  });
  server.on("connection", (socket: Socket) => connectionIds.set(socket, ++connections));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  endlessClosed = new Promise((resolve) => {
    markEndlessClosed = resolve;
  });
});

function send(path: string, overrides: Partial<WebhookRequestOptions> = {}) {
  return sendWebhookRequest({
    url: `http://127.0.0.1:${port}${path}`,
    headers: { "content-type": "application/json" },
    body: '{"type":"ping"}',
    timeoutMs: 5_000,
    allowPrivate: true,
    now: NOW,
    ...overrides,
  });
}

describe("sendWebhookRequest", () => {
  it("POSTs the body and headers and reports a 2xx as ok", async () => {
    const result = await send("/ok?x=1", {
      headers: { "Content-Type": "application/json", "webhook-id": "m1" },
    });
    expect(result).toMatchObject({
      ok: true,
      status: 200,
      responseExcerpt: "thanks",
      error: null,
      retryAfterMs: null,
      blocked: false,
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: "POST", url: "/ok?x=1", body: '{"type":"ping"}' });
    expect(received[0]!.headers).toMatchObject({
      "content-type": "application/json",
      "content-length": "15",
      "webhook-id": "m1",
    });
  });

  it("reports a 500 as not ok, with the start of what the receiver said", async () => {
    expect(await send("/fail")).toMatchObject({
      ok: false,
      status: 500,
      responseExcerpt: "database on fire",
      error: null,
      blocked: false,
    });
  });

  it("keeps only the first 1 KiB of a body and hangs up instead of reading the rest", async () => {
    const result = await send("/endless");
    expect(result).toMatchObject({ ok: true, status: 200, error: null });
    expect(result.responseExcerpt).toBe("x".repeat(1024));
    await endlessClosed; // the server saw the client hang up mid-body
  });

  it("does not split a UTF-8 character at the 1 KiB limit", async () => {
    const result = await send("/multibyte");
    expect(result.responseExcerpt).toBe(`a${"é".repeat(511)}`);
    expect(result.responseExcerpt).not.toContain("\uFFFD");
  });

  it("does not follow redirects: a 302 is a non-2xx result", async () => {
    const result = await send("/redirect");
    expect(result).toMatchObject({ ok: false, status: 302, responseExcerpt: "moved", error: null });
    expect(received.map((request) => request.url)).toEqual(["/redirect"]);
  });

  it("gives up after timeoutMs when the receiver never answers", async () => {
    const result = await send("/hang", { timeoutMs: 200 });
    expect(result).toMatchObject({ ok: false, status: null, error: "timeout", blocked: false });
    expect(result.durationMs).toBeGreaterThanOrEqual(190);
    expect(result.durationMs).toBeLessThan(2_000);
  });

  it("counts the body in the timeout: a 200 whose body never ends is not a success", async () => {
    const result = await send("/slow-body", { timeoutMs: 200 });
    expect(result).toMatchObject({ ok: false, status: 200, error: "timeout", responseExcerpt: "partial" });
  });

  it("reports a refused connection", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await send("/", { url: `http://127.0.0.1:${freePort}/` });
    expect(result).toMatchObject({
      ok: false,
      status: null,
      error: `connection refused: 127.0.0.1:${freePort}`,
      blocked: false,
    });
  });

  it("reads Retry-After as seconds", async () => {
    expect(await send("/retry-seconds")).toMatchObject({ ok: false, status: 429, retryAfterMs: 120_000 });
  });

  it("reads Retry-After as an HTTP date, relative to the given now", async () => {
    expect(await send("/retry-date")).toMatchObject({ ok: false, status: 503, retryAfterMs: 90_000 });
  });

  it("connects to the address it vetted, without resolving the name a second time", async () => {
    const lookups: string[] = [];
    const resolve = async (hostname: string): Promise<LookupAddress[]> => {
      lookups.push(hostname);
      return [{ address: "127.0.0.1", family: 4 }];
    };
    // .test never resolves for real: reaching the server proves the pinned address was used.
    const result = await send("/ok", { url: `http://hooks.example.test:${port}/ok`, resolve });
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(lookups).toEqual(["hooks.example.test"]);
    expect(received[0]!.headers.host).toBe(`hooks.example.test:${port}`);
  });

  it("refuses a name when any of its addresses is private", async () => {
    const resolve = async (): Promise<LookupAddress[]> => [
      { address: "93.184.215.14", family: 4 },
      { address: "10.0.0.5", family: 4 },
    ];
    const result = await send("/ok", { url: "https://hooks.example.test/", resolve, allowPrivate: false });
    expect(result).toMatchObject({
      ok: false,
      status: null,
      blocked: true,
      error: "destination refused: private address 10.0.0.5",
    });
  });

  it("reports a name that does not resolve as a network error, not a refusal", async () => {
    const resolve = async (): Promise<LookupAddress[]> => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    };
    const result = await send("/ok", { url: "https://nowhere.example.test/", resolve, allowPrivate: false });
    expect(result).toMatchObject({
      ok: false,
      blocked: false,
      error: "dns lookup failed: ENOTFOUND nowhere.example.test",
    });
  });

  it("resolves instead of throwing when a header value is unusable", async () => {
    const result = await send("/ok", { headers: { "x-bad": "line\nbreak" } });
    expect(result).toMatchObject({ ok: false, status: null, blocked: false });
    expect(result.error).toMatch(/x-bad/);
    expect(received).toHaveLength(0);
  });
});

describe("keep-alive (createOutboundHttp)", () => {
  const post = (outbound: ReturnType<typeof createOutboundHttp>, path: string, timeoutMs = 5_000) =>
    outbound.post({
      url: `http://127.0.0.1:${port}${path}`,
      headers: { "content-type": "application/json" },
      body: '{"type":"ping"}',
      timeoutMs,
    });

  it("sends one receiver's requests over one connection when each answer was read to its end", async () => {
    const outbound = createOutboundHttp({ allowPrivate: true });
    try {
      expect(await post(outbound, "/ok")).toMatchObject({ ok: true, status: 200 });
      expect(await post(outbound, "/fail")).toMatchObject({ ok: false, status: 500 });
      expect(await post(outbound, "/ok")).toMatchObject({ ok: true, status: 200 });
      expect(new Set(received.map((request) => request.connection)).size).toBe(1);
    } finally {
      outbound.close();
    }
  });

  it("does not reuse a connection whose answer it stopped reading or that timed out", async () => {
    const outbound = createOutboundHttp({ allowPrivate: true });
    try {
      await post(outbound, "/endless");
      await post(outbound, "/hang", 200);
      await post(outbound, "/ok");
      const [endless, hang, ok] = received.map((request) => request.connection);
      expect(new Set([endless, hang, ok]).size).toBe(3);
    } finally {
      outbound.close();
    }
  });

  it("sends once more, on a new connection, when a reused one turns out closed", async () => {
    const outbound = createOutboundHttp({ allowPrivate: true });
    try {
      await post(outbound, "/ok");
      expect(await post(outbound, "/drop-reused")).toMatchObject({
        ok: true,
        status: 200,
        responseExcerpt: "fresh",
      });
      expect(received.map((request) => request.url)).toEqual(["/ok", "/drop-reused", "/drop-reused"]);
      const [first, dropped, again] = received.map((request) => request.connection);
      expect(dropped).toBe(first);
      expect(again).not.toBe(first);
    } finally {
      outbound.close();
    }
  });
});

describe("SSRF guard", () => {
  const nonPublic: Array<[string, string]> = [
    ["127.0.0.1", "destination refused: loopback address 127.0.0.1"],
    ["localhost", "destination refused: loopback address"],
    ["10.1.2.3", "destination refused: private address 10.1.2.3"],
    ["172.16.0.1", "destination refused: private address 172.16.0.1"],
    ["192.168.1.10", "destination refused: private address 192.168.1.10"],
    ["169.254.169.254", "destination refused: link-local address 169.254.169.254"],
    ["[::1]", "destination refused: loopback address ::1"],
    // WHATWG URL rewrites it to ::ffff:7f00:1; the verdict is the IPv4 one.
    ["[::ffff:127.0.0.1]", "destination refused: loopback address ::ffff:7f00:1 (127.0.0.1)"],
    ["[::ffff:10.0.0.1]", "destination refused: private address ::ffff:a00:1 (10.0.0.1)"],
    ["100.64.0.1", "destination refused: carrier-grade NAT address 100.64.0.1"],
    ["0.0.0.0", "destination refused: unspecified address 0.0.0.0"],
    ["255.255.255.255", "destination refused: broadcast address 255.255.255.255"],
    ["224.0.0.1", "destination refused: multicast address 224.0.0.1"],
    ["240.0.0.1", "destination refused: reserved address 240.0.0.1"],
    ["[fd00::1]", "destination refused: private address fd00::1"],
    ["[fe80::1]", "destination refused: link-local address fe80::1"],
    ["[::]", "destination refused: unspecified address ::"],
    ["[::7f00:1]", "destination refused: reserved address ::7f00:1"],
    // 127.0.0.1 spelled as one number; URL parsing normalises it first.
    ["2130706433", "destination refused: loopback address 127.0.0.1"],
  ];

  it.each(nonPublic)("refuses %s without allowPrivate, without connecting", async (host, reason) => {
    const url = `http://${host}:${port}/ok`;
    const result = await send("/ok", { url, allowPrivate: false });
    expect(result).toMatchObject({ ok: false, status: null, blocked: true });
    expect(result.error).toContain(reason);
    expect(received).toHaveLength(0);
    const check = await checkWebhookUrl(url, { allowPrivate: false });
    expect(check.ok).toBe(false);
    expect(check.ok ? "" : check.reason).toContain(reason);
  });

  it.each(nonPublic)("accepts %s with allowPrivate", async (host) => {
    expect(await checkWebhookUrl(`http://${host}:${port}/ok`, { allowPrivate: true })).toEqual({ ok: true });
  });

  it.each(["127.0.0.1", "localhost", "[::ffff:127.0.0.1]", "0.0.0.0"])(
    "delivers to %s with allowPrivate",
    async (host) => {
      const result = await send("/ok", { url: `http://${host}:${port}/ok` });
      expect(result).toMatchObject({ ok: true, status: 200, blocked: false });
    },
  );

  it("delivers to [::1] with allowPrivate", async (context) => {
    const v6 = createServer((_request, response) => response.end("v6"));
    const listening = await new Promise<boolean>((resolve) => {
      v6.once("error", () => resolve(false));
      v6.listen(0, "::1", () => resolve(true));
    });
    if (!listening) context.skip("no IPv6 loopback here");
    try {
      const v6Port = (v6.address() as AddressInfo).port;
      const result = await send("/", { url: `http://[::1]:${v6Port}/` });
      expect(result).toMatchObject({ ok: true, status: 200, responseExcerpt: "v6" });
    } finally {
      await new Promise((resolve) => v6.close(resolve));
    }
  });

  it("accepts public addresses", async () => {
    const publicOnly = async (): Promise<LookupAddress[]> => [
      { address: "93.184.215.14", family: 4 },
      { address: "2606:2800:21f:cb07:6820:80da:af6b:8b2c", family: 6 },
    ];
    for (const url of [
      "https://1.1.1.1/hook",
      "https://[2606:4700:4700::1111]/hook",
      "https://example.com/",
    ]) {
      expect(await checkWebhookUrl(url, { allowPrivate: false, resolve: publicOnly })).toEqual({ ok: true });
    }
  });

  it.each([
    "ftp://example.com/hook",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "ws://example.com/",
    "not a url",
  ])("refuses %s even with allowPrivate", async (url) => {
    const result = await send("/", { url });
    expect(result).toMatchObject({ ok: false, status: null, blocked: true });
    expect(result.error).toMatch(/^destination refused: (unsupported scheme|invalid URL)/);
    const check = await checkWebhookUrl(url, { allowPrivate: true });
    expect(check.ok).toBe(false);
  });
});

describe("parseRetryAfter", () => {
  it.each([
    [undefined, null],
    ["", null],
    ["0", 0],
    [" 30 ", 30_000],
    ["1.5", null],
    ["-5", null],
    ["soon", null],
    [new Date(NOW.getTime() + 60_000).toUTCString(), 60_000],
    [new Date(NOW.getTime() - 60_000).toUTCString(), 0],
  ])("%j → %j", (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });
});
