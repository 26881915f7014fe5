import type { FastifyRequest } from "fastify";
import type { Actor } from "../../domain/actor.ts";
import { authenticate } from "../../domain/auth/authenticate.ts";
import { AppError } from "../../domain/errors.ts";
import type { Services } from "../../services.ts";
import { bearerToken } from "../http/authenticate.ts";

/**
 * The REST credential check for a /graphql request: a bearer access token or API key sets the
 * actor; none leaves it null; a refused one is kept, so only fields that need a caller fail with it.
 */
export async function authenticateHttp(ctx: Services, request: FastifyRequest): Promise<void> {
  request.graphqlAuthError = null;
  try {
    const token = bearerToken(request);
    if (token) request.actor = await authenticate(ctx, token);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    request.graphqlAuthError = error;
  }
}

/**
 * graphql-ws's connection_init payload: `{ authorization: "Bearer <token or API key>" }` (also under
 * `headers`, as some clients send it), or `{ apiKey }`. Checked as REST checks a header.
 */
export async function authenticateInit(
  ctx: Services,
  payload: unknown,
): Promise<{ actor: Actor | null; authError: AppError | null }> {
  const given = (payload ?? {}) as {
    authorization?: unknown;
    apiKey?: unknown;
    headers?: { authorization?: unknown };
  };
  const header = given.authorization ?? given.headers?.authorization;
  try {
    let token: string | undefined;
    if (typeof given.apiKey === "string") token = given.apiKey;
    else if (typeof header === "string") {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match)
        throw new AppError("unauthorized", "Use { authorization: 'Bearer <token>' } in connection_init");
      token = match[1];
    }
    return { actor: token ? await authenticate(ctx, token) : null, authError: null };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { actor: null, authError: error };
  }
}
