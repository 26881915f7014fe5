import type { LookupAddress } from "node:dns";
import { lookup } from "node:dns/promises";
import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
} from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { StringDecoder } from "node:string_decoder";
import ipaddr from "ipaddr.js";
import type {
  OutboundHttp,
  UrlCheck,
  WebhookRequest,
  WebhookResult,
} from "../../domain/ports/outbound-http.ts";

/**
 * Outbound HTTP for webhooks: one POST to a URL a user typed in, so it must not become a way to
 * reach this server's own network (SSRF), hang forever, or buffer an unbounded answer.
 */

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export interface DestinationOptions {
  /** Skip the public-address check: tests, and self-hosters whose receivers live on their own network. */
  allowPrivate: boolean;
  /** How hostnames are resolved; dns.lookup (all addresses) unless a test swaps it. */
  resolve?: Resolver;
}

export interface WebhookRequestOptions extends DestinationOptions, WebhookRequest {
  /** Keep-alive pools to send through (createOutboundHttp's); without, each request opens its own connection. */
  agents?: Agents;
}

interface Agents {
  http: HttpAgent;
  https: HttpsAgent;
}

const EXCERPT_BYTES = 1024;
/**
 * An idle pooled connection is closed after this long: under the 5 s most servers (Node's default
 * among them) keep an idle connection open, so the sender rarely reuses one the receiver is closing.
 */
const IDLE_CONNECTION_MS = 4_000;

/** Validates a webhook URL as sending would (scheme, DNS, address ranges), without sending. */
export async function checkWebhookUrl(url: string, options: DestinationOptions): Promise<UrlCheck> {
  const destination = await resolveDestination(url, options);
  return destination.ok ? { ok: true } : { ok: false, reason: destination.reason };
}

/** POSTs once; never throws for network trouble, every outcome is a result. Redirects are not followed. */
export function sendWebhookRequest(options: WebhookRequestOptions): Promise<WebhookResult> {
  const started = performance.now();
  const now = options.now ?? new Date();
  return new Promise((resolve) => {
    let request: ClientRequest | undefined;
    let status: number | null = null;
    let retryAfterMs: number | null = null;
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;

    const settle = (error: string | null, blocked = false, ended = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // A response read to its end leaves the connection to the pool. Otherwise the connection
      // goes: that is also how reading stops after the excerpt (the rest is never pulled in).
      if (!ended) request?.destroy();
      const success = error === null && status !== null && status >= 200 && status < 300;
      resolve({
        ok: success,
        status,
        durationMs: Math.round(performance.now() - started),
        // The decoder keeps back a multi-byte character cut at the limit instead of mangling it.
        responseExcerpt: new StringDecoder("utf8").write(Buffer.concat(chunks)),
        error,
        retryAfterMs,
        blocked,
      });
    };
    const timer = setTimeout(() => settle("timeout"), options.timeoutMs);

    const onResponse = (response: IncomingMessage) => {
      status = response.statusCode ?? null;
      retryAfterMs = parseRetryAfter(response.headers["retry-after"], now);
      response.on("data", (chunk: Buffer) => {
        const kept = chunk.subarray(0, EXCERPT_BYTES - received);
        chunks.push(kept);
        received += kept.length;
        if (received >= EXCERPT_BYTES) settle(null);
      });
      response.on("end", () => settle(null, false, true));
      response.on("error", (error) => settle(describeNetworkError(error)));
      response.on("close", () => {
        if (!response.complete) settle("connection closed before the response ended");
      });
    };

    const send = (destination: Extract<Destination, { ok: true }>, pooled: boolean) => {
      const current = openRequest(destination, options, pooled);
      request = current;
      current.on("response", onResponse);
      current.on("error", (error: NodeJS.ErrnoException) => {
        // The receiver closed an idle pooled connection just as it was reused: the request never
        // reached it, so it goes once more, on a new connection.
        if (current.reusedSocket && status === null && !settled && STALE_CONNECTION.has(error.code ?? "")) {
          return send(destination, false);
        }
        settle(describeNetworkError(error));
      });
      current.end(options.body);
    };

    resolveDestination(options.url, options)
      .then((destination) => {
        if (settled) return;
        if (!destination.ok) return settle(destination.reason, destination.blocked);
        send(destination, true);
      })
      // http.request throws synchronously on e.g. a header value with a newline in it.
      .catch((error: Error) => settle(error.message));
  });
}

/** Seconds (`120`) or an HTTP date; anything else is ignored rather than guessed at. */
export function parseRetryAfter(value: string | undefined, now: Date): number | null {
  const text = value?.trim();
  if (!text) return null;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Date.parse takes nearly anything ("1.5" is a date to V8); HTTP dates start with a day name.
  if (!/^[A-Za-z]{3}/.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

type Destination =
  | { ok: true; url: URL; hostname: string; addresses: LookupAddress[] }
  | { ok: false; reason: string; blocked: boolean };

async function resolveDestination(rawUrl: string, options: DestinationOptions): Promise<Destination> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return refused("invalid URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return refused(`unsupported scheme ${url.protocol} (only http: and https:)`);
  }
  // WHATWG URL has already normalised odd IPv4 spellings (2130706433, 0x7f.1) to dotted quads.
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  let addresses: LookupAddress[];
  const literal = isIP(hostname);
  if (literal !== 0) {
    addresses = [{ address: hostname, family: literal }];
  } else {
    try {
      addresses = await (options.resolve ?? systemResolve)(hostname);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      return { ok: false, reason: `dns lookup failed: ${code} ${hostname}`, blocked: false };
    }
    if (addresses.length === 0) {
      return { ok: false, reason: `dns lookup failed: no address for ${hostname}`, blocked: false };
    }
  }
  if (!options.allowPrivate) {
    // Any bad address refuses the host: which one the connection would pick is not ours to predict.
    for (const { address } of addresses) {
      const verdict = nonPublic(address);
      if (verdict !== null) {
        const shown = verdict.address === address ? address : `${address} (${verdict.address})`;
        return refused(`${verdict.range} address ${shown}`);
      }
    }
  }
  return { ok: true, url, hostname, addresses };
}

function refused(detail: string): Destination {
  return { ok: false, reason: `destination refused: ${detail}`, blocked: true };
}

function systemResolve(hostname: string): Promise<LookupAddress[]> {
  return lookup(hostname, { all: true });
}

const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR("2000::/3");

const RANGE_LABELS: Record<string, string> = {
  linkLocal: "link-local",
  uniqueLocal: "private",
  carrierGradeNat: "carrier-grade NAT",
  rfc6052: "NAT64",
  rfc6145: "IPv4-translated",
};

/** The range an address belongs to when it is not globally routable (and the IP judged), else null. */
function nonPublic(address: string): { range: string; address: string } | null {
  if (!ipaddr.isValid(address)) return { range: "invalid", address };
  // process() turns ::ffff:10.0.0.1 into 10.0.0.1, so mapped addresses get the IPv4 verdict.
  const ip = ipaddr.process(address);
  const range = ip.range();
  if (range !== "unicast") return { range: RANGE_LABELS[range] ?? range, address: ip.toString() };
  // ipaddr.js calls anything it has no name for "unicast" (e.g. IPv4-compatible ::7f00:1);
  // only 2000::/3 is allocated for global IPv6 unicast.
  if (ip.kind() === "ipv6" && !ip.match(GLOBAL_UNICAST_V6)) return { range: "reserved", address };
  return null;
}

const STALE_CONNECTION = new Set(["ECONNRESET", "EPIPE"]);

function openRequest(
  destination: Extract<Destination, { ok: true }>,
  options: WebhookRequestOptions,
  pooled: boolean,
): ClientRequest {
  const { url, hostname, addresses } = destination;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers)) headers[name.toLowerCase()] = value;
  headers["content-length"] = String(Buffer.byteLength(options.body));
  const https = url.protocol === "https:";
  const send = https ? httpsRequest : httpRequest;
  return send({
    method: "POST",
    protocol: url.protocol,
    hostname,
    port: url.port === "" ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    auth: url.username
      ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
      : undefined,
    headers,
    // Pooled per host and port: a pooled connection goes to an address that passed the check when
    // it was opened (pinnedLookup), and every request is checked again (DNS included) before it is
    // sent, so reuse never reaches an address the check would refuse now.
    agent: pooled && options.agents ? (https ? options.agents.https : options.agents.http) : false,
    lookup: pinnedLookup(addresses),
  });
}

/**
 * Answers the connection's DNS question with the addresses already vetted, so a second lookup
 * cannot return something else (DNS rebinding). Host header and TLS SNI still use the hostname.
 */
function pinnedLookup(addresses: LookupAddress[]): LookupFunction {
  return (hostname, options, callback) => {
    const family = options.family === "IPv4" ? 4 : options.family === "IPv6" ? 6 : options.family;
    const usable = family ? addresses.filter((address) => address.family === family) : addresses;
    const first = usable[0];
    if (!first) {
      const error: NodeJS.ErrnoException = new Error(`no IPv${family} address for ${hostname}`);
      error.code = "ENOTFOUND";
      return callback(error, "", 0);
    }
    // Node 20 connects with autoSelectFamily (happy eyeballs), which asks for every address.
    if (options.all) return callback(null, usable);
    callback(null, first.address, first.family);
  };
}

const ERROR_LABELS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "connect timed out",
  EPIPE: "connection closed while sending",
};

function describeNetworkError(error: Error): string {
  const { code, address, port } = error as NodeJS.ErrnoException & { address?: string; port?: number };
  const label = code ? ERROR_LABELS[code] : undefined;
  if (!label) return code ? `${code}: ${error.message}` : error.message;
  if (!address) return label;
  const host = address.includes(":") ? `[${address}]` : address;
  return `${label}: ${host}${port ? `:${port}` : ""}`;
}

/**
 * The port the domain sends webhooks through, bound to this instance's destination rule, with
 * keep-alive connection pools (a busy endpoint is not a TCP and TLS handshake per delivery).
 * close() drops the idle connections.
 */
export function createOutboundHttp(options: DestinationOptions): OutboundHttp & { close(): void } {
  const pool = { keepAlive: true, timeout: IDLE_CONNECTION_MS, scheduling: "lifo" as const };
  const agents: Agents = { http: new HttpAgent(pool), https: new HttpsAgent(pool) };
  return {
    check: (url) => checkWebhookUrl(url, options),
    post: (request) => sendWebhookRequest({ ...options, ...request, agents }),
    close: () => {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
