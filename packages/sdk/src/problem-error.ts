import type { ErrorCode, Problem } from "@codepark/protocol";

/** Codes the SDK itself gives failures that never reached the server or did not say. */
export type ClientErrorCode = "network" | "unknown" | "timeout";

/** The problem's stable code: one of the server's catalogue, one of the SDK's, or a newer server's. */
export type ProblemCode = ErrorCode | ClientErrorCode | (string & {});

export interface FieldError {
  path: string;
  message: string;
}

/** What a ProblemError is made from: a problem+json body (RFC 9457) with CodePark's `code`. */
export interface ProblemInit {
  status: number;
  code: string;
  title?: string;
  detail?: string;
  type?: string;
  errors?: FieldError[];
  /** Any other members of the problem (e.g. `retryAfter`), kept as sent. */
  [extra: string]: unknown;
}

/**
 * A failed call: the server's problem+json (status, stable code, detail, field errors and any extra
 * members), or one the SDK made up for a network failure (status 0, code "network").
 */
export class ProblemError extends Error {
  readonly status: number;
  readonly code: ProblemCode;
  readonly title: string;
  readonly detail: string;
  readonly type: string;
  readonly errors: FieldError[];
  /** The whole problem as received, extra members included. */
  readonly problem: Readonly<ProblemInit>;

  constructor(problem: ProblemInit) {
    const detail = problem.detail || problem.title || `Request failed with status ${problem.status}`;
    super(detail);
    this.name = "ProblemError";
    this.status = problem.status;
    this.code = problem.code;
    this.title = problem.title ?? "";
    this.detail = detail;
    this.type = problem.type ?? "about:blank";
    this.errors = problem.errors ?? [];
    this.problem = problem;
  }
}

export const NETWORK_DETAIL = "Cannot reach the CodePark server. Check your connection and try again.";

export function networkError(cause?: unknown): ProblemError {
  const error = new ProblemError({
    status: 0,
    title: "Network error",
    detail: NETWORK_DETAIL,
    code: "network",
  });
  if (cause !== undefined) Object.defineProperty(error, "cause", { value: cause });
  return error;
}

/** Reads an error response: problem+json when the server sent one, otherwise its status in words. */
export async function problemOf(response: Response): Promise<ProblemError> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as Partial<Problem> & Record<string, unknown>;
    if (body && typeof body === "object" && (body.detail || body.title)) {
      return new ProblemError({
        ...body,
        status: response.status,
        title: body.title ?? response.statusText,
        detail: body.detail ?? body.title ?? "",
        code: body.code ?? "unknown",
      });
    }
  } catch {
    // not JSON: fall through
  }
  return new ProblemError({
    status: response.status,
    title: response.statusText,
    detail: `The server answered ${response.status} ${response.statusText || ""}`.trim(),
    code: "unknown",
  });
}
