import type { ErrorCode, Problem } from "@codepark/protocol";

interface CatalogueEntry {
  status: number;
  title: string;
}

/** The one catalogue of coded errors: HTTP status and human title per stable code. */
export const errorCatalogue: Record<ErrorCode, CatalogueEntry> = {
  bad_request: { status: 400, title: "Bad request" },
  invalid_url: { status: 400, title: "Malformed URL" },
  request_timeout: { status: 408, title: "The request took too long to arrive" },
  headers_too_large: { status: 431, title: "Request headers (or URL) too large" },
  invalid_json: { status: 400, title: "Malformed JSON body" },
  validation_failed: { status: 400, title: "The request did not pass validation" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  payload_too_large: { status: 413, title: "Request body too large" },
  route_not_found: { status: 404, title: "No such route" },
  not_found: { status: 404, title: "Not found" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  unauthorized: { status: 401, title: "Authentication required" },
  token_expired: { status: 401, title: "Access token expired" },
  session_revoked: { status: 401, title: "Session revoked" },
  forbidden: { status: 403, title: "Not allowed" },
  insufficient_scope: { status: 403, title: "API key lacks the required scope" },
  session_required: { status: 403, title: "This action needs a signed-in session, not an API key" },
  invalid_credentials: { status: 401, title: "Invalid email or password" },
  mfa_required: { status: 401, title: "Two-factor code required" },
  mfa_invalid: { status: 401, title: "Invalid two-factor code" },
  mfa_not_setup: { status: 409, title: "Two-factor setup has not been started" },
  mfa_already_enabled: { status: 409, title: "Two-factor authentication is already on" },
  mfa_not_enabled: { status: 409, title: "Two-factor authentication is not on" },
  weak_password: { status: 422, title: "Password does not meet the policy" },
  email_taken: { status: 409, title: "Email already registered" },
  email_unverified: { status: 409, title: "This person has not verified their email address yet" },
  already_verified: { status: 409, title: "This email address is already verified" },
  invalid_token: { status: 400, title: "This link is invalid, used or expired" },
  refresh_token_invalid: { status: 401, title: "Invalid refresh token" },
  refresh_token_reused: { status: 401, title: "Refresh token reused; session revoked" },
  oidc_not_configured: { status: 404, title: "Sign-in with an identity provider is not configured" },
  oidc_unavailable: { status: 503, title: "The identity provider cannot be reached" },
  oidc_state_invalid: { status: 400, title: "Sign-in attempt expired or not started in this browser" },
  oidc_failed: { status: 401, title: "The identity provider's answer was refused" },
  oidc_email_unverified: { status: 403, title: "The identity provider has not verified this email" },
  oidc_link_refused: {
    status: 409,
    title: "An account with this email exists but cannot be linked (its email is not verified)",
  },
  oidc_code_invalid: { status: 401, title: "Sign-in code invalid, expired or already used" },
  user_not_found: { status: 404, title: "User not found" },
  last_admin: { status: 409, title: "The instance must keep at least one admin" },
  member_exists: { status: 409, title: "Already a member" },
  last_owner: { status: 409, title: "A project must keep at least one owner" },
  invalid_path: { status: 400, title: "Invalid file path" },
  path_taken: { status: 409, title: "A file or folder already uses this path" },
  file_too_large: { status: 413, title: "File too large" },
  webhook_url_refused: { status: 400, title: "Webhook destination not allowed" },
  not_retryable: { status: 409, title: "Only a failed item can be retried" },
  no_transfer_candidate: { status: 409, title: "A project has no other member to hand ownership to" },
  transfer_target_invalid: { status: 422, title: "The new owner must be another member of the project" },
  export_not_ready: { status: 409, title: "This export is not ready" },
  export_link_invalid: { status: 410, title: "This download link is invalid or has expired" },
  graphql_invalid: { status: 400, title: "The GraphQL document does not parse or validate" },
  query_too_deep: { status: 400, title: "The GraphQL query nests deeper than allowed" },
  query_too_complex: { status: 400, title: "The GraphQL query costs more than allowed" },
  too_many_aliases: { status: 400, title: "The GraphQL query uses more aliases than allowed" },
  batch_too_large: { status: 400, title: "Too many GraphQL operations in one batch" },
  persisted_query_not_found: { status: 400, title: "PersistedQueryNotFound" },
  rate_limited: { status: 429, title: "Too many requests" },
  too_many_attempts: { status: 429, title: "Too many failed attempts; wait before trying again" },
  connection_limit: { status: 429, title: "Too many open connections" },
  service_unavailable: { status: 503, title: "Service unavailable" },
  internal: { status: 500, title: "Internal server error" },
};

export class AppError extends Error {
  override name = "AppError";
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: Problem["errors"];
  /** For a refusal that ends (a limit, a lockout): when to try again, sent as Retry-After. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    detail?: string,
    errors?: Problem["errors"],
    options: { retryAfterSeconds?: number } = {},
  ) {
    super(detail ?? errorCatalogue[code].title);
    this.code = code;
    this.status = errorCatalogue[code].status;
    this.errors = errors;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function toProblem(error: AppError, instance?: string): Problem {
  return {
    type: `urn:codepark:problem:${error.code}`,
    title: errorCatalogue[error.code].title,
    status: error.status,
    detail: error.message,
    code: error.code,
    ...(instance ? { instance } : {}),
    ...(error.errors ? { errors: error.errors } : {}),
  };
}

export const notFound = (what = "Resource") => new AppError("not_found", `${what} not found`);
