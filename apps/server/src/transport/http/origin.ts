import type { FastifyRequest } from "fastify";

/**
 * The origin a request came to (`https://codepark.example.com`), for emailed links when PUBLIC_URL
 * is not set: Fastify's protocol and host, which follow X-Forwarded-Proto/-Host only under
 * TRUST_PROXY. Anything that does not parse as an http(s) origin gives undefined (links become paths).
 */
export function requestOrigin(request: FastifyRequest): string | undefined {
  try {
    const url = new URL(`${request.protocol}://${request.host}`);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : undefined;
  } catch {
    return undefined;
  }
}
