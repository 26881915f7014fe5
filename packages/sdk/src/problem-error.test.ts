import { describe, expect, it } from "vitest";
import { NETWORK_DETAIL, networkError, ProblemError, problemOf } from "./problem-error.ts";

const response = (status: number, body: string, statusText = "") =>
  new Response(body, { status, statusText });

describe("problemOf", () => {
  it("reads a problem+json body: detail, code and field errors", async () => {
    const error = await problemOf(
      response(
        422,
        JSON.stringify({
          title: "Invalid",
          detail: "The name is too long",
          code: "validation",
          errors: [{ path: "name", message: "too long" }],
        }),
      ),
    );
    expect(error).toBeInstanceOf(ProblemError);
    expect(error).toMatchObject({
      status: 422,
      code: "validation",
      detail: "The name is too long",
      message: "The name is too long",
      errors: [{ path: "name", message: "too long" }],
    });
  });

  it("keeps the problem's other members, such as retryAfter", async () => {
    const error = await problemOf(
      response(
        429,
        JSON.stringify({ title: "Slow down", detail: "Too many", code: "rate_limited", retryAfter: 7 }),
      ),
    );
    expect(error.problem.retryAfter).toBe(7);
    expect(error.type).toBe("about:blank");
    expect(networkError()).toMatchObject({ status: 0, code: "network", detail: NETWORK_DETAIL });
  });

  it("falls back to the title when there is no detail, and to 'unknown' without a code", async () => {
    const error = await problemOf(response(409, JSON.stringify({ title: "Conflict" })));
    expect(error).toMatchObject({ status: 409, detail: "Conflict", code: "unknown", errors: [] });
  });

  it("says the status in words when the body is not a problem", async () => {
    expect((await problemOf(response(502, "<html>bad gateway</html>", "Bad Gateway"))).detail).toBe(
      "The server answered 502 Bad Gateway",
    );
    expect((await problemOf(response(500, JSON.stringify({ other: 1 })))).detail).toBe(
      "The server answered 500",
    );
  });
});
