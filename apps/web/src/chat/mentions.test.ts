import { describe, expect, it } from "vitest";
import {
  filterPeople,
  mentionAt,
  mentionIndex,
  mentionKey,
  mentionToken,
  resolveMention,
} from "./mentions.ts";

const people = [
  { id: "usr_ada", name: "Ada Lovelace" },
  { id: "usr_alan", name: "Alan Turing" },
  { id: "usr_grace", name: "Grace Hopper" },
  { id: "usr_grace2", name: "Grace Kelly" },
];
const index = mentionIndex(people, "usr_ada");

describe("mention keys and tokens", () => {
  it("compares names as the server does: NFKC, case-insensitive, without spaces", () => {
    expect(mentionKey("Ada  Lovelace")).toBe("adalovelace");
    expect(mentionKey("ＡＤＡ")).toBe("ada"); // full-width letters fold under NFKC
  });

  it("types a mention as the name without spaces", () => {
    expect(mentionToken("Ada Lovelace")).toBe("@AdaLovelace");
  });
});

describe("resolveMention", () => {
  it("finds people by full name, marking the signed-in person", () => {
    expect(resolveMention("adalovelace", index)).toEqual({ id: "usr_ada", name: "Ada Lovelace", self: true });
    expect(resolveMention("AlanTuring", index)).toMatchObject({ id: "usr_alan", self: false });
  });

  it("finds people by a first name only one of them has", () => {
    expect(resolveMention("alan", index)?.id).toBe("usr_alan");
    expect(resolveMention("grace", index)).toBeNull();
    expect(resolveMention("nobody", index)).toBeNull();
  });
});

describe("mentionAt", () => {
  it("finds the @query just before the caret", () => {
    expect(mentionAt("hello @Gra", 10)).toEqual({ start: 6, query: "Gra" });
    expect(mentionAt("@", 1)).toEqual({ start: 0, query: "" });
  });

  it("ignores e-mail addresses, text after a space, and text after the caret", () => {
    expect(mentionAt("ada@exam", 8)).toBeNull();
    expect(mentionAt("@Ada Love", 9)).toBeNull();
    expect(mentionAt("@Ada and more", 4)).toEqual({ start: 0, query: "Ada" });
  });
});

describe("filterPeople", () => {
  it("puts full-name prefix matches before word matches, each by name", () => {
    expect(filterPeople(people, "gr").map((p) => p.id)).toEqual(["usr_grace", "usr_grace2"]);
    expect(filterPeople(people, "ho").map((p) => p.id)).toEqual(["usr_grace"]);
    expect(filterPeople(people, "a").map((p) => p.id)).toEqual(["usr_ada", "usr_alan"]);
  });

  it("matches names typed without spaces, and limits the list", () => {
    expect(filterPeople(people, "gracek").map((p) => p.id)).toEqual(["usr_grace2"]);
    expect(filterPeople(people, "", 2)).toHaveLength(2);
    expect(filterPeople(people, "zzz")).toEqual([]);
  });
});
