import { describe, expect, it } from "vitest";
import {
  admitPerCluster,
  followUpDelaySeconds,
  followUpKey,
  nextFollowUp,
  retryFollowUpDelaySeconds,
} from "../../../shared/decide/session/follow-up.ts";
import { utc } from "../../support/clock.ts";

describe("followUpDelaySeconds: back-off while a session runs without progress", () => {
  it.each([
    [1, 1],
    [2, 1],
    [3, 2],
    [4, 2],
    [5, 3],
    [22, 3],
    [23, 10],
    [24, 20],
    [25, 30],
    [26, 60],
    [500, 60],
  ])("follow-up %i since progress waits %i s", (n, seconds) => {
    expect(followUpDelaySeconds(n)).toBe(seconds);
  });

  it("looks every 3 s at most during the first minute without progress, then no more often than the sweep", () => {
    const firstMinute = Array.from({ length: 22 }, (_, i) => followUpDelaySeconds(i + 1));
    expect(firstMinute.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(62);
    expect(Math.max(...firstMinute)).toBe(3);
  });
});

describe("nextFollowUp", () => {
  it.each([
    [
      "a new session that is running",
      undefined,
      { phase: "Running", progressed: true },
      { attempt: 1, sinceProgress: 1, delaySeconds: 1 },
    ],
    [
      "a running session where nothing changed",
      { attempt: 3, sinceProgress: 3 },
      { phase: "Running", progressed: false },
      { attempt: 4, sinceProgress: 4, delaySeconds: 2 },
    ],
    [
      "a step was made: back-off starts again",
      { attempt: 9, sinceProgress: 8 },
      { phase: "Running", progressed: true },
      { attempt: 10, sinceProgress: 1, delaySeconds: 1 },
    ],
    [
      "the session succeeded",
      { attempt: 2, sinceProgress: 2 },
      { phase: "Succeeded", progressed: true },
      undefined,
    ],
    [
      "the session failed",
      { attempt: 2, sinceProgress: 2 },
      { phase: "Failed", progressed: true },
      undefined,
    ],
    ["the session was skipped", undefined, { phase: "Skipped", progressed: true }, undefined],
    [
      "the session is gone",
      { attempt: 2, sinceProgress: 1 },
      { phase: undefined, progressed: false },
      undefined,
    ],
    [
      "a finished session being deleted",
      { attempt: 2, sinceProgress: 1 },
      { phase: "Succeeded", progressed: false, deleting: true },
      { attempt: 3, sinceProgress: 2, delaySeconds: 1 },
    ],
  ] as const)("%s", (_name, previous, seen, expected) => {
    expect(nextFollowUp(previous, seen)).toEqual(expected);
  });

  it("names each hop of a chain once: the key of a duplicate is the same", () => {
    expect(followUpKey("uid-1", 4)).toBe(followUpKey("uid-1", 4));
    expect(followUpKey("uid-1", 4)).not.toBe(followUpKey("uid-1", 5));
  });
});

describe("retryFollowUpDelaySeconds", () => {
  it.each([
    ["due in 30 s", "2026-11-26T12:00:30Z", 30],
    ["due in 29.2 s: rounded up, never early", "2026-11-26T12:00:29.200Z", 30],
    ["due already", "2026-11-26T11:59:00Z", 0],
    ["due in an hour: capped at SQS's 900 s, chained", "2026-11-26T13:00:00Z", 900],
  ])("%s", (_name, nextRetry, seconds) => {
    expect(retryFollowUpDelaySeconds(utc(nextRetry), utc("2026-11-26T12:00:00Z"))).toBe(seconds);
  });
});

describe("admitPerCluster: the per-cluster cap", () => {
  it("admits at most the cap of each cluster, in order, and defers the rest", () => {
    const items = ["a1", "a2", "b1", "a3", "b2", "a4"];
    const { admitted, deferred } = admitPerCluster(
      items,
      (i) => i[0] ?? "",
      () => 2,
    );
    expect(admitted).toEqual(["a1", "a2", "b1", "b2"]);
    expect(deferred).toEqual(["a3", "a4"]);
  });
});
