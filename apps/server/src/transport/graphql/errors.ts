import type { ErrorCode } from "@codepark/protocol";
import { errorCodes } from "@codepark/protocol";
import type { FastifyBaseLogger } from "fastify";
import type { ExecutionResult, GraphQLError, GraphQLFormattedError } from "graphql";
import { AppError, errorCatalogue } from "../../domain/errors.ts";
import { graphqlJs } from "./graphql-js.ts";

const { GraphQLError: GraphQLErrorClass } = graphqlJs;

/** Mercurius's own request errors, each given a stable code of ours. */
const mercuriusCodes: Record<string, ErrorCode> = {
  MER_ERR_GQL_PERSISTED_QUERY_NOT_FOUND: "persisted_query_not_found",
  MER_ERR_GQL_PERSISTED_QUERY_NOT_SUPPORTED: "bad_request",
  MER_ERR_GQL_PERSISTED_QUERY_MISMATCH: "bad_request",
  MER_ERR_GQL_VALIDATION: "graphql_invalid",
  MER_ERR_METHOD_NOT_ALLOWED: "method_not_allowed",
  MER_ERR_INVALID_METHOD: "method_not_allowed",
  MER_ERR_GQL_INVALID_SCHEMA: "graphql_invalid",
  MER_ERR_GQL_QUERY_DEPTH: "query_too_deep",
  // Fastify's body parsing, before Mercurius: the codes REST gives them (transport/http/problems.ts).
  FST_ERR_CTP_INVALID_JSON_BODY: "invalid_json",
  FST_ERR_CTP_EMPTY_JSON_BODY: "invalid_json",
  FST_ERR_CTP_BODY_TOO_LARGE: "payload_too_large",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported_media_type",
};

const knownCodes = new Set<string>(errorCodes);
const isCode = (value: unknown): value is ErrorCode => typeof value === "string" && knownCodes.has(value);

interface Coded {
  message: string;
  code: ErrorCode;
  details?: AppError["errors"];
  retryAfterSeconds?: number | undefined;
}

/** What a GraphQL error is in our catalogue's terms; anything unexpected is `internal`, its text hidden. */
function classify(error: GraphQLError, log: FastifyBaseLogger): Coded {
  const original = error.originalError as (Error & { code?: string; errors?: unknown }) | undefined;
  if (original instanceof AppError) {
    return {
      message: original.message,
      code: original.code,
      details: original.errors,
      retryAfterSeconds: original.retryAfterSeconds,
    };
  }
  // Our validation rules (limits) set the code themselves.
  if (isCode(error.extensions?.code)) return { message: error.message, code: error.extensions.code };
  const mapped = original?.code ? mercuriusCodes[original.code] : undefined;
  if (mapped) return { message: error.message, code: mapped };
  // No original error: the document did not parse or validate against the schema.
  if (!original || original instanceof GraphQLErrorClass)
    return { message: error.message, code: "graphql_invalid" };
  log.error({ err: original }, "GraphQL resolver failed");
  return { message: "Something went wrong on our side; it has been logged", code: "internal" };
}

/** One GraphQL error as the client sees it: extensions.code is the stable code, status its HTTP status. */
export function formatError(error: GraphQLError, log: FastifyBaseLogger): GraphQLFormattedError {
  const coded = classify(error, log);
  const json = error.toJSON();
  return {
    ...json,
    message: coded.message,
    extensions: {
      code: coded.code,
      status: errorCatalogue[coded.code].status,
      ...(coded.details ? { errors: coded.details } : {}),
      ...(coded.retryAfterSeconds !== undefined ? { retryAfterSeconds: coded.retryAfterSeconds } : {}),
    },
  };
}

/** Mercurius wraps its request errors (validation) around a list of GraphQL errors: unwrap them. */
function flatten(errors: readonly GraphQLError[]): GraphQLError[] {
  return errors.flatMap((error) => {
    // An AppError's `errors` are its field details, not wrapped errors.
    if (error.originalError instanceof AppError) return [error];
    const inner = (error.originalError as { errors?: unknown } | undefined)?.errors;
    if (!Array.isArray(inner)) return [error];
    return inner.map((each) =>
      each instanceof GraphQLErrorClass
        ? each
        : new GraphQLErrorClass((each as Error).message, {
            originalError: each as Error,
            extensions: each.extensions,
          }),
    );
  });
}

/**
 * Mercurius's errorFormatter: an operation that ran answers 200 with its data and coded errors (the
 * GraphQL-over-HTTP convention); one refused before running answers the first error's status.
 */
export function errorFormatter(
  execution: ExecutionResult & { errors: readonly GraphQLError[]; statusCode?: number },
  context: { reply?: { log: FastifyBaseLogger }; app: { log: FastifyBaseLogger } },
) {
  const log = context.reply?.log ?? context.app.log;
  const errors = flatten(execution.errors).map((error) => formatError(error, log));
  const ran = execution.data !== undefined;
  const statusCode = ran ? 200 : ((errors[0]?.extensions?.status as number | undefined) ?? 400);
  return { statusCode, response: { data: execution.data ?? null, errors } };
}

/** A coded error as a GraphQL response body, for refusals before Mercurius runs (rate limit, batch size). */
export function errorBody(error: AppError) {
  return {
    data: null,
    errors: [
      {
        message: error.message,
        extensions: {
          code: error.code,
          status: error.status,
          ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
        },
      },
    ],
  };
}

/**
 * An error as a GraphQLError carrying its code, for the paths Mercurius sends without the error
 * formatter (a subscription refused when it starts, or ended by a delivery).
 */
export function codedGraphqlError(error: unknown): GraphQLError {
  if (error instanceof GraphQLErrorClass && !(error.originalError instanceof AppError)) {
    // Our rules set a code; graphql's own validation errors (no original error) are graphql_invalid.
    const code = isCode(error.extensions?.code)
      ? error.extensions.code
      : error.originalError
        ? "internal"
        : "graphql_invalid";
    return new GraphQLErrorClass(
      code === "internal" ? "Something went wrong on our side; it has been logged" : error.message,
      {
        nodes: error.nodes,
        extensions: { code, status: errorCatalogue[code].status },
      },
    );
  }
  if (error instanceof GraphQLErrorClass) return codedGraphqlError(error.originalError);
  const coded =
    error instanceof AppError
      ? error
      : new AppError("internal", "Something went wrong on our side; it has been logged");
  return new GraphQLErrorClass(coded.message, {
    originalError: error instanceof Error ? error : undefined,
    extensions: { code: coded.code, status: coded.status },
  });
}
