import { describe, expect, it } from "vitest";
import { parseDuration, parseDurationList } from "./duration-list.ts";

describe("parseDuration", () => {
  it.each([
    ["250ms", 250],
    ["5s", 5_000],
    ["5m", 300_000],
    ["2h", 7_200_000],
    ["1d", 86_400_000],
    ["0s", 0],
    [" 30s ", 30_000],
  ])("%j → %i ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ["", /invalid duration "": expected a whole number followed by ms, s, m, h or d/],
    ["5", /invalid duration "5": expected/],
    ["5x", /invalid duration "5x": expected/],
    ["5M", /invalid duration "5M": expected/],
    ["1.5h", /invalid duration "1.5h": expected/],
    ["5 m", /invalid duration "5 m": expected/],
    ["m", /invalid duration "m": expected/],
    ["-5s", /invalid duration "-5s": must not be negative/],
    ["99999999999999999999d", /too large/],
  ])("refuses %j", (text, message) => {
    expect(() => parseDuration(text)).toThrow(message);
  });
});

describe("parseDurationList", () => {
  it("parses the default retry schedule", () => {
    expect(parseDurationList("5s,5m,30m,2h,5h,10h,10h")).toEqual([
      5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
    ]);
  });

  it("allows spaces around items and a single item", () => {
    expect(parseDurationList(" 1s , 2m ")).toEqual([1_000, 120_000]);
    expect(parseDurationList("10ms")).toEqual([10]);
  });

  it.each([
    ["", /it is empty/],
    ["  ", /it is empty/],
    ["5s,,5m", /"5s,,5m": item 2 is empty/],
    ["5s,", /item 2 is empty/],
    ["5s,5y", /invalid duration "5y"/],
    ["5s,-1m", /must not be negative/],
  ])("refuses %j", (text, message) => {
    expect(() => parseDurationList(text)).toThrow(message);
  });
});
