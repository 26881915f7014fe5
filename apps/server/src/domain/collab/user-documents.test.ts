import { describe, expect, it } from "vitest";
import { LiveDocument } from "./live-document.ts";
import { UserDocumentBudget } from "./user-documents.ts";

describe("UserDocumentBudget", () => {
  it("sums a person's distinct open documents, refuses one more past the cap, frees room on release", () => {
    const budget = new UserDocumentBudget(100);
    const a = budget.reserve("ada", "f1", 40)!;
    const again = budget.reserve("ada", "f1", 40)!; // the same document: nothing more
    const b = budget.reserve("ada", "f2", 50)!;
    expect(budget.loadedBytes("ada")).toBe(90);
    expect(budget.reserve("ada", "f3", 20)).toBeNull();
    expect(budget.reserve("bob", "f3", 20)).not.toBeNull(); // per person
    a.release();
    a.release(); // twice is harmless
    expect(budget.loadedBytes("ada")).toBe(90); // `again` still holds f1
    again.release();
    expect(budget.loadedBytes("ada")).toBe(50);
    expect(budget.reserve("ada", "f3", 20)).not.toBeNull();
    b.release();
  });

  it("counts a loaded document at its live size, which grows as it is edited", () => {
    const budget = new UserDocumentBudget(100);
    const hold = budget.reserve("ada", "f1", 10)!;
    const doc = new LiveDocument("f1", "p1", 0);
    doc.bytes = 30;
    hold.attach(doc);
    expect(budget.loadedBytes("ada")).toBe(30);
    doc.bytes = 95;
    expect(budget.reserve("ada", "f2", 10)).toBeNull();
    hold.release();
    expect(budget.size).toBe(0);
  });

  it("0 is no cap: nothing is tracked", () => {
    const budget = new UserDocumentBudget(0);
    for (let i = 0; i < 10; i++) expect(budget.reserve("ada", `f${i}`, 1e9)).not.toBeNull();
    expect(budget.size).toBe(0);
  });
});
