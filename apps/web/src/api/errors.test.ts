import { describe, expect, it } from "vitest";
import { ApiError, describeError, NETWORK_DETAIL, networkError, problemOf } from "./errors.ts";

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
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 422,
      code: "validation",
      detail: "The name is too long",
      message: "The name is too long",
      errors: [{ path: "name", message: "too long" }],
    });
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

describe("describeError", () => {
  it("gives words for API errors, other errors and anything thrown", () => {
    expect(describeError(networkError())).toBe(NETWORK_DETAIL);
    expect(networkError()).toMatchObject({ status: 0, code: "network" });
    expect(describeError(new Error("boom"))).toBe("boom");
    expect(describeError("plain")).toBe("plain");
  });
});
