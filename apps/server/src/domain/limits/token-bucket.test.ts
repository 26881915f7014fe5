import { describe, expect, it } from "vitest";
import { COLLAB_FRAME_RATE, fullBucket, SOCKET_EVENT_RATE, takeToken } from "./token-bucket.ts";

/** Takes a token every `everyMs` for `seconds`; returns how many were refused. */
function refusedWhile(rate: typeof SOCKET_EVENT_RATE, everyMs: number, seconds: number): number {
  const bucket = fullBucket(rate, 0);
  let refused = 0;
  for (let now = 0; now < seconds * 1000; now += everyMs) if (!takeToken(bucket, rate, now)) refused++;
  return refused;
}

describe("token bucket", () => {
  it("allows exactly the burst at once, then one token per 1/rate seconds", () => {
    const bucket = fullBucket(SOCKET_EVENT_RATE, 1_000);
    let taken = 0;
    while (takeToken(bucket, SOCKET_EVENT_RATE, 1_000)) taken++;
    expect(taken).toBe(60);
    expect(takeToken(bucket, SOCKET_EVENT_RATE, 1_020)).toBe(false); // 0.6 of a token
    expect(takeToken(bucket, SOCKET_EVENT_RATE, 1_034)).toBe(true); // 30/s: one per 33.3 ms
    expect(takeToken(bucket, SOCKET_EVENT_RATE, 1_034)).toBe(false);
  });

  it("never refills past the burst", () => {
    const bucket = fullBucket(SOCKET_EVENT_RATE, 0);
    takeToken(bucket, SOCKET_EVENT_RATE, 0);
    takeToken(bucket, SOCKET_EVENT_RATE, 3_600_000);
    expect(bucket.tokens).toBe(59);
  });

  it("collab frames: a fast typist (30 updates/s, each with its cursor's awareness) is never refused", () => {
    // 60 frames a second for a minute, and a mouse drag on top (another 60 a second) for 3 s.
    expect(refusedWhile(COLLAB_FRAME_RATE, 1000 / 60, 60)).toBe(0);
    expect(refusedWhile(COLLAB_FRAME_RATE, 1000 / 120, 3)).toBe(0);
  });

  it("collab frames: a flood is refused once the burst is spent", () => {
    // 1,000 frames a second: the burst of 200 plus 100 a second, the rest refused.
    const refused = refusedWhile(COLLAB_FRAME_RATE, 1, 2);
    expect(refused).toBeGreaterThan(1_500);
    expect(refused).toBeLessThan(1_620);
  });
});
