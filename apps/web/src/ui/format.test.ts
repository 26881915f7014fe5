import { describe, expect, it } from "vitest";
import { formatBytes, formatDate, formatMessageTime, formatRelative } from "./format.ts";

describe("formatBytes", () => {
  it("uses B, KB and MB at 1024 steps", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1024)).toBe("1.0 KB");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(5 * 1024 * 1024)).toBe("5.0 MB");
  });
});

describe("formatDate", () => {
  it("says never for no date and passes an unreadable one through", () => {
    expect(formatDate(null)).toBe("never");
    expect(formatDate("not a date")).toBe("not a date");
    expect(formatDate("2026-03-04T05:06:00Z")).toMatch(/2026/);
  });
});

describe("formatRelative", () => {
  const now = Date.parse("2026-03-10T12:00:00Z");
  const ago = (seconds: number) => new Date(now - seconds * 1000).toISOString();

  it("says just now within 45 seconds, either way", () => {
    expect(formatRelative(ago(44), now)).toBe("just now");
    expect(formatRelative(ago(-30), now)).toBe("just now");
  });

  it("counts in the largest unit under its limit", () => {
    const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
    expect(formatRelative(ago(50), now)).toBe(relative.format(-50, "second"));
    expect(formatRelative(ago(5 * 60), now)).toBe(relative.format(-5, "minute"));
    expect(formatRelative(ago(3 * 3600), now)).toBe(relative.format(-3, "hour"));
    expect(formatRelative(ago(24 * 3600), now)).toBe(relative.format(-1, "day"));
  });

  it("gives the date from a week on, and passes an unreadable one through", () => {
    expect(formatRelative(ago(8 * 24 * 3600), now)).toBe(formatDate(ago(8 * 24 * 3600)));
    expect(formatRelative("soon", now)).toBe("soon");
  });
});

describe("formatMessageTime", () => {
  it("shows only the time today and the date otherwise", () => {
    const now = new Date(2026, 2, 10, 15, 0);
    const today = new Date(2026, 2, 10, 9, 30).toISOString();
    const earlier = new Date(2026, 2, 9, 9, 30).toISOString();
    expect(formatMessageTime(today, now)).not.toBe(formatDate(today));
    expect(formatMessageTime(earlier, now)).toBe(formatDate(earlier));
    expect(formatMessageTime("nope", now)).toBe("nope");
  });
});
