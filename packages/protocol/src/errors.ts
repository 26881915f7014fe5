/** Stable error codes: every problem+json body, GraphQL error and socket error carries one of these. */
export const errorCodes = [
  "bad_request",
  "invalid_url",
  "request_timeout",
  "headers_too_large",
  "invalid_json",
  "validation_failed",
  "unsupported_media_type",
  "payload_too_large",
  "route_not_found",
  "not_found",
  "method_not_allowed",
  "unauthorized",
  "token_expired",
  "session_revoked",
  "forbidden",
  "insufficient_scope",
  "session_required",
  "invalid_credentials",
  "mfa_required",
  "mfa_invalid",
  "mfa_not_setup",
  "mfa_already_enabled",
  "mfa_not_enabled",
  "weak_password",
  "email_taken",
  "email_unverified",
  "already_verified",
  "invalid_token",
  "refresh_token_invalid",
  "refresh_token_reused",
  "oidc_not_configured",
  "oidc_unavailable",
  "oidc_state_invalid",
  "oidc_failed",
  "oidc_email_unverified",
  "oidc_link_refused",
  "oidc_code_invalid",
  "user_not_found",
  "last_admin",
  "member_exists",
  "last_owner",
  "invalid_path",
  "path_taken",
  "file_too_large",
  "webhook_url_refused",
  "not_retryable",
  "no_transfer_candidate",
  "transfer_target_invalid",
  "export_not_ready",
  "export_link_invalid",
  "graphql_invalid",
  "query_too_deep",
  "query_too_complex",
  "too_many_aliases",
  "batch_too_large",
  "persisted_query_not_found",
  "rate_limited",
  "too_many_attempts",
  "connection_limit",
  "service_unavailable",
  "internal",
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** The problem+json body (RFC 9457) every error response carries. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  errors?: { path: string; message: string }[];
}
