import { describe, expect, it } from "vitest";
import { resolveMentions } from "./mentions.ts";

const people = [
  { id: "u1", name: "Ada Lovelace" },
  { id: "u2", name: "Bob" },
  { id: "u3", name: "Ada Byron" },
  { id: "u4", name: "Zoë" },
];

describe("resolveMentions", () => {
  it("matches full names without spaces, unique first names, case-insensitively", () => {
    expect(resolveMentions("hi @AdaLovelace and @bob", people).sort()).toEqual(["u1", "u2"]);
    expect(resolveMentions("@zoë, look", people)).toEqual(["u4"]);
  });
  it("ignores ambiguous first names, unknown names, e-mail addresses and repeats", () => {
    expect(resolveMentions("@Ada?", people)).toEqual([]);
    expect(resolveMentions("@nobody mail bob@example.com", people)).toEqual([]);
    expect(resolveMentions("@Bob @bob @BOB.", people)).toEqual(["u2"]);
  });
});
