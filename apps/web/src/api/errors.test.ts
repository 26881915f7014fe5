import { describe, expect, it } from "vitest";
import { describeError, NETWORK_DETAIL, networkError } from "./errors.ts";

describe("describeError", () => {
  it("gives words for API errors, other errors and anything thrown", () => {
    expect(describeError(networkError())).toBe(NETWORK_DETAIL);
    expect(networkError()).toMatchObject({ status: 0, code: "network" });
    expect(describeError(new Error("boom"))).toBe("boom");
    expect(describeError("plain")).toBe("plain");
  });
});
