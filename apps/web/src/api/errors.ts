import type { Problem } from "./types.ts";

/** An API failure, carrying the problem+json the server sent (or one made up for network failures). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly errors: { path: string; message: string }[];

  constructor(
    problem: Pick<Problem, "status" | "title" | "detail"> & { code: string; errors?: Problem["errors"] },
  ) {
    super(problem.detail || problem.title);
    this.name = "ApiError";
    this.status = problem.status;
    this.code = problem.code;
    this.detail = problem.detail || problem.title;
    this.errors = problem.errors ?? [];
  }
}

export const NETWORK_DETAIL = "Cannot reach the CodePark server. Check your connection and try again.";

export function networkError(): ApiError {
  return new ApiError({ status: 0, title: "Network error", detail: NETWORK_DETAIL, code: "network" });
}

/** Reads an error response: problem+json when the server sent one, otherwise its status in words. */
export async function problemOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as Partial<Problem>;
    if (body && typeof body === "object" && (body.detail || body.title)) {
      return new ApiError({
        status: response.status,
        title: body.title ?? response.statusText,
        detail: body.detail ?? body.title ?? "",
        code: body.code ?? "unknown",
        errors: body.errors,
      });
    }
  } catch {
    // not JSON: fall through
  }
  return new ApiError({
    status: response.status,
    title: response.statusText,
    detail: `The server answered ${response.status} ${response.statusText || ""}`.trim(),
    code: "unknown",
  });
}

/** Words for any thrown value, for showing to a person. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.detail;
  if (error instanceof Error) return error.message;
  return String(error);
}
