import { describe, expect, it } from "vitest";
import { parseInline, parseMarkdown, safeUrl } from "./markdown-parse.ts";
import { mentionIndex } from "./mentions.ts";

const people = mentionIndex(
  [
    { id: "usr_ada", name: "Ada Lovelace" },
    { id: "usr_bob", name: "Bob Builder" },
    { id: "usr_bo", name: "Bob Marley" },
  ],
  "usr_ada",
);
const inline = (text: string) => parseInline(text, people);

describe("parseInline", () => {
  it("leaves plain text as one text span", () => {
    expect(inline("just words")).toEqual([{ kind: "text", text: "just words" }]);
  });

  it("reads code spans verbatim, with no formatting inside", () => {
    expect(inline("run `npm *i*` now")).toEqual([
      { kind: "text", text: "run " },
      { kind: "code", text: "npm *i*" },
      { kind: "text", text: " now" },
    ]);
  });

  it("reads bold and italic, nested", () => {
    expect(inline("**very _nice_**")).toEqual([
      {
        kind: "strong",
        children: [
          { kind: "text", text: "very " },
          { kind: "em", children: [{ kind: "text", text: "nice" }] },
        ],
      },
    ]);
    expect(inline("__b__ *i*")).toEqual([
      { kind: "strong", children: [{ kind: "text", text: "b" }] },
      { kind: "text", text: " " },
      { kind: "em", children: [{ kind: "text", text: "i" }] },
    ]);
  });

  it("does not italicise underscores inside words, or stars around spaces", () => {
    expect(inline("snake_case_name")).toEqual([{ kind: "text", text: "snake_case_name" }]);
    expect(inline("2 * 3 * 4")).toEqual([{ kind: "text", text: "2 * 3 * 4" }]);
  });

  it("links http(s) URLs, bare or named, and leaves the sentence's full stop outside", () => {
    expect(inline("see https://example.com/a.")).toEqual([
      { kind: "text", text: "see " },
      {
        kind: "link",
        href: "https://example.com/a",
        children: [{ kind: "text", text: "https://example.com/a" }],
      },
      { kind: "text", text: "." },
    ]);
    expect(inline("[the **docs**](https://example.com)")).toEqual([
      {
        kind: "link",
        href: "https://example.com/",
        children: [
          { kind: "text", text: "the " },
          { kind: "strong", children: [{ kind: "text", text: "docs" }] },
        ],
      },
    ]);
  });

  it("never links javascript: or relative URLs, and no link inside a link's text", () => {
    expect(inline("[x](javascript:alert(1))")).toEqual([{ kind: "text", text: "[x](javascript:alert(1))" }]);
    expect(inline("[x](/relative)")).toEqual([{ kind: "text", text: "[x](/relative)" }]);
    const [link] = inline("[see https://a.example](https://b.example)");
    expect(link).toEqual({
      kind: "link",
      href: "https://b.example/",
      children: [{ kind: "text", text: "see https://a.example" }],
    });
  });

  it("marks mentions of people in the conversation, by full name or a unique first name", () => {
    expect(inline("hi @AdaLovelace.")).toEqual([
      { kind: "text", text: "hi " },
      { kind: "mention", token: "AdaLovelace", person: { id: "usr_ada", name: "Ada Lovelace", self: true } },
      { kind: "text", text: "." },
    ]);
    expect(inline("@ada")[0]).toMatchObject({ kind: "mention", token: "ada", person: { id: "usr_ada" } });
  });

  it("leaves ambiguous or unknown mentions and e-mail addresses as text", () => {
    expect(inline("@Bob @Nobody")).toEqual([{ kind: "text", text: "@Bob @Nobody" }]);
    expect(inline("mail ada@example.com")).toEqual([{ kind: "text", text: "mail ada@example.com" }]);
  });

  it("never makes markup of HTML in the text", () => {
    expect(inline("<img src=x onerror=alert(1)>")).toEqual([
      { kind: "text", text: "<img src=x onerror=alert(1)>" },
    ]);
  });
});

describe("parseMarkdown", () => {
  it("splits paragraphs on blank lines and keeps line breaks within them", () => {
    expect(parseMarkdown("one\ntwo\n\n\nthree\n", people)).toEqual([
      { kind: "paragraph", lines: [[{ kind: "text", text: "one" }], [{ kind: "text", text: "two" }]] },
      { kind: "paragraph", lines: [[{ kind: "text", text: "three" }]] },
    ]);
  });

  it("reads fenced code blocks verbatim, between paragraphs", () => {
    expect(parseMarkdown("before\n```ts\nconst a = **1**;\n\nx\n```\nafter", people)).toEqual([
      { kind: "paragraph", lines: [[{ kind: "text", text: "before" }]] },
      { kind: "code", text: "const a = **1**;\n\nx" },
      { kind: "paragraph", lines: [[{ kind: "text", text: "after" }]] },
    ]);
  });

  it("has no blocks for an empty or blank message, and an unclosed fence is text", () => {
    expect(parseMarkdown("", people)).toEqual([]);
    expect(parseMarkdown(" \n\n ", people)).toEqual([]);
    expect(parseMarkdown("```\ncode", people)).toEqual([
      { kind: "paragraph", lines: [[{ kind: "text", text: "```" }], [{ kind: "text", text: "code" }]] },
    ]);
  });
});

describe("safeUrl", () => {
  it("accepts absolute http and https URLs only", () => {
    expect(safeUrl("https://example.com/x?y=1")).toBe("https://example.com/x?y=1");
    expect(safeUrl("http://example.com")).toBe("http://example.com/");
    expect(safeUrl("javascript:alert(1)")).toBeNull();
    expect(safeUrl("data:text/html,hi")).toBeNull();
    expect(safeUrl("/relative")).toBeNull();
    expect(safeUrl("not a url")).toBeNull();
  });
});
