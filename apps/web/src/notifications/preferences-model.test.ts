import { describe, expect, it } from "vitest";
import type { NotificationPreferences } from "../api/types.ts";
import {
  DIGESTS,
  digestOptions,
  isDirty,
  isOn,
  preferencesBody,
  toggleChannel,
  withDigest,
} from "./preferences-model.ts";

// Only some kinds, as older saved preferences may have (the model reads a missing kind as off).
const saved = {
  emailDigestMinutes: 0,
  kinds: { mention: { email: true, push: false } },
} as NotificationPreferences;

describe("toggleChannel", () => {
  it("switches one channel of one kind, leaving the rest and the saved object alone", () => {
    const draft = toggleChannel(saved, "mention", "push", true);
    expect(draft.kinds.mention).toEqual({ email: true, push: true });
    expect(saved.kinds.mention).toEqual({ email: true, push: false });
    expect(draft.emailDigestMinutes).toBe(0);
  });

  it("starts a kind not listed yet with both channels off", () => {
    const draft = toggleChannel(saved, "member_added", "email", true);
    expect(draft.kinds.member_added).toEqual({ email: true, push: false });
    expect(draft.kinds.mention).toBe(saved.kinds.mention);
  });

  it("reads a missing kind as off", () => {
    expect(isOn(saved, "mention", "email")).toBe(true);
    expect(isOn(saved, "mention", "push")).toBe(false);
    expect(isOn(saved, "role_changed", "email")).toBe(false);
  });
});

describe("isDirty", () => {
  it("is dirty only when a loaded draft differs from the saved preferences", () => {
    expect(isDirty(saved, saved)).toBe(false);
    expect(isDirty({ ...saved, kinds: { ...saved.kinds } }, saved)).toBe(false);
    expect(isDirty(withDigest(saved, 60), saved)).toBe(true);
    expect(isDirty(toggleChannel(saved, "mention", "email", false), saved)).toBe(true);
    expect(isDirty(null, saved)).toBe(false);
    expect(isDirty(saved, undefined)).toBe(false);
  });
});

describe("digestOptions", () => {
  it("offers the usual periods, adding a saved one that is not among them", () => {
    expect(digestOptions(60)).toBe(DIGESTS);
    expect(digestOptions(30)).toEqual([...DIGESTS, { minutes: 30, label: "Every 30 minutes" }]);
  });
});

describe("preferencesBody", () => {
  it("sends the digest and every kind's switches", () => {
    expect(preferencesBody(withDigest(saved, 15))).toEqual({
      emailDigestMinutes: 15,
      kinds: { mention: { email: true, push: false } },
    });
  });
});
