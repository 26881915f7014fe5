import pino from "pino";
import { describe, expect, it } from "vitest";
import { loggerOptions } from "./logger.ts";

function capture() {
  const lines: string[] = [];
  const logger = pino(loggerOptions("info") as pino.LoggerOptions, {
    write: (line: string) => void lines.push(line),
  });
  return { logger, lines };
}

describe("logger options", () => {
  it("censors a password or token one level down, and leaves the rest (and the original) alone", () => {
    const { logger, lines } = capture();
    const body = { email: "a@example.test", password: "hunter2 hunter2", token: "cpk_secret" };
    logger.info({ body, other: { name: "kept" }, count: 3 }, "something");
    const line = JSON.parse(lines[0]!);
    expect(line.body).toEqual({ email: "a@example.test", password: "[redacted]", token: "[redacted]" });
    expect(line.other).toEqual({ name: "kept" });
    expect(line.count).toBe(3);
    expect(body.password).toBe("hunter2 hunter2");
  });

  it("writes a request with no headers and the URL's credentials redacted", () => {
    const { logger, lines } = capture();
    const req = {
      method: "GET",
      url: "/collab/f1?token=eyJ.secret.jwt&x=1",
      ip: "10.0.0.1",
      headers: { authorization: "Bearer eyJ.secret.jwt", cookie: "sid=secret", "user-agent": "test-agent" },
    };
    logger.info({ req, res: { statusCode: 200 } }, "request completed");
    expect(lines[0]).not.toContain("secret");
    expect(JSON.parse(lines[0]!).req).toEqual({
      method: "GET",
      url: "/collab/f1?token=[redacted]&x=1",
      remoteAddress: "10.0.0.1",
      userAgent: "test-agent",
    });
  });
});
