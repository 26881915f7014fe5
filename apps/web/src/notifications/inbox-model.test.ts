import { describe, expect, it } from "vitest";
import type { Notification } from "../api/types.ts";
import {
  addArrived,
  afterAction,
  appendOlder,
  emptyText,
  filterQuery,
  opensInApp,
  showsArrivals,
} from "./inbox-model.ts";

const note = (id: string, data: Partial<Notification> = {}) =>
  ({
    id,
    kind: "mention",
    title: id,
    body: null,
    url: null,
    readAt: null,
    archivedAt: null,
    ...data,
  }) as Notification;
const NOW = "2026-03-01T12:00:00.000Z";
const EARLIER = "2026-02-01T00:00:00.000Z";

describe("filterQuery", () => {
  it("asks the API for unread or archived ones, nothing for all, the same object each time", () => {
    expect(filterQuery("all")).toEqual({});
    expect(filterQuery("unread")).toEqual({ unread: "true" });
    expect(filterQuery("archived")).toEqual({ archived: "true" });
    expect(filterQuery("unread")).toBe(filterQuery("unread"));
  });
});

describe("afterAction", () => {
  const items = [note("a"), note("b", { readAt: EARLIER }), note("c")];

  it("marks the given ones read, keeping an earlier read time", () => {
    const result = afterAction(items, "read", ["a", "b"], "all", NOW);
    expect(result.map((item) => item.readAt)).toEqual([NOW, EARLIER, null]);
  });

  it("marks every one read for read-all", () => {
    expect(afterAction(items, "read-all", [], "unread", NOW).map((item) => item.readAt)).toEqual([
      NOW,
      EARLIER,
      NOW,
    ]);
  });

  it("takes archived ones out of the list, except in the archived view", () => {
    expect(afterAction(items, "archive", ["b"], "all", NOW).map((item) => item.id)).toEqual(["a", "c"]);
    expect(afterAction(items, "archive", ["b"], "archived", NOW)).toEqual(items);
  });
});

describe("paging and arrivals", () => {
  it("appends an older page without the ones already listed", () => {
    const result = appendOlder([note("new"), note("a")], [note("a"), note("b")]);
    expect(result.map((item) => item.id)).toEqual(["new", "a", "b"]);
  });

  it("puts an arrival at the top once", () => {
    const items = [note("a")];
    expect(addArrived(items, note("b")).map((item) => item.id)).toEqual(["b", "a"]);
    expect(addArrived(items, note("a"))).toBe(items);
  });

  it("shows arrivals in every view but the archived one", () => {
    expect(showsArrivals("all")).toBe(true);
    expect(showsArrivals("unread")).toBe(true);
    expect(showsArrivals("archived")).toBe(false);
  });
});

describe("emptyText", () => {
  it("says why the list is empty, per view", () => {
    expect(emptyText("unread")).toBe("You are all caught up.");
    expect(emptyText("archived")).toBe("Nothing archived.");
    expect(emptyText("all")).toMatch(/^No notifications yet\./);
  });
});

describe("opensInApp", () => {
  const click = { button: 0, metaKey: false, ctrlKey: false, shiftKey: false };

  it("navigates inside the app on a plain left click on an in-app link", () => {
    expect(opensInApp(click, true)).toBe(true);
  });

  it("leaves other links, other buttons and modified clicks (new tab, window) to the browser", () => {
    expect(opensInApp(click, false)).toBe(false);
    expect(opensInApp({ ...click, button: 1 }, true)).toBe(false);
    expect(opensInApp({ ...click, metaKey: true }, true)).toBe(false);
    expect(opensInApp({ ...click, ctrlKey: true }, true)).toBe(false);
    expect(opensInApp({ ...click, shiftKey: true }, true)).toBe(false);
  });
});
