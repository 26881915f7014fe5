/**
 * Outbound HTTP for webhooks: one POST to a URL a user typed in. The implementation (infra/http)
 * guards the destination (SSRF), bounds time and the answer, and never throws for network trouble.
 */

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  /** Sent byte for byte: it is what the signature covers. */
  body: string;
  /** Covers DNS, connect and the whole response. */
  timeoutMs: number;
  /** What a `Retry-After` date is measured from (the injectable clock's now). */
  now?: Date;
}

export interface WebhookResult {
  /** 2xx and no error. */
  ok: boolean;
  status: number | null;
  durationMs: number;
  /** At most the first 1 KiB of the response body, decoded as UTF-8. */
  responseExcerpt: string;
  error: string | null;
  retryAfterMs: number | null;
  /** Refused before sending (SSRF guard, bad URL): retrying the same URL will not help. */
  blocked: boolean;
}

export type UrlCheck = { ok: true } | { ok: false; reason: string };

export interface OutboundHttp {
  /** Validates a URL as sending would (scheme, DNS, address ranges), without sending. */
  check(url: string): Promise<UrlCheck>;
  /** POSTs once; every outcome is a result. Redirects are not followed. */
  post(request: WebhookRequest): Promise<WebhookResult>;
}
