import { ProblemError } from "@codepark/sdk";

export { NETWORK_DETAIL, networkError, ProblemError } from "@codepark/sdk";

/** Words for any thrown value, for showing to a person. */
export function describeError(error: unknown): string {
  if (error instanceof ProblemError) return error.detail;
  if (error instanceof Error) return error.message;
  return String(error);
}
