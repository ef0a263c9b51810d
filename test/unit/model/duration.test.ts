import { describe, expect, it } from "vitest";
import { formatGoDuration, GoDuration, parseGoDuration } from "../../../shared/model/duration.ts";
import {
  parseRetentionPeriod,
  RetentionPeriodError,
  retentionPeriodMinutes,
} from "../../../shared/model/retention-period.ts";

describe("parseGoDuration (Kubernetes metav1.Duration)", () => {
  it.each<[string, number | undefined]>([
    ["30s", 30_000],
    ["5m", 300_000],
    ["1h30m", 5_400_000],
    ["2.5m", 150_000],
    ["300ms", 300],
    ["1h0m0s", 3_600_000],
    ["0", 0],
    ["-1s", -1000],
    ["1500us", 1.5],
    ["", undefined],
    ["10", undefined],
    ["1d", undefined],
    ["m5", undefined],
    ["1h 30m", undefined],
  ])("%j → %s ms", (text, ms) => expect(parseGoDuration(text)).toBe(ms));

  it("rejects negative durations in fields", () => {
    expect(GoDuration.safeParse("-5m").success).toBe(false);
    expect(GoDuration.safeParse("5m").success).toBe(true);
  });
});

describe("formatGoDuration (as Go prints a time.Duration)", () => {
  it.each<[number, string]>([
    [0, "0s"],
    [250, "250ms"],
    [32_500, "32.5s"],
    [64_000, "1m4s"],
    [90_000, "1m30s"],
    [3_600_000, "1h0m0s"],
    [3_723_450, "1h2m3.45s"],
    [-1500, "-1.5s"],
  ])("%d ms → %s", (ms, text) => expect(formatGoDuration(ms)).toBe(text));
});

describe("RetentionPeriod (docs/model.md#retentionperiod)", () => {
  it.each([
    ["1y2mo3d4h5m", { y: 1, mo: 2, w: 0, d: 3, h: 4, m: 5 }],
    ["1y2mo3w4d5h6m", { y: 1, mo: 2, w: 3, d: 4, h: 5, m: 6 }],
    ["2w5d", { y: 0, mo: 0, w: 2, d: 5, h: 0, m: 0 }],
    ["5y12m", { y: 5, mo: 0, w: 0, d: 0, h: 0, m: 12 }],
    ["3w3mo", { y: 0, mo: 3, w: 3, d: 0, h: 0, m: 0 }],
    ["1d2d", { y: 0, mo: 0, w: 0, d: 2, h: 0, m: 0 }],
    ["  30d ", { y: 0, mo: 0, w: 0, d: 30, h: 0, m: 0 }],
    ["", { y: 0, mo: 0, w: 0, d: 0, h: 0, m: 0 }],
  ])("%j parses", (text, expected) => expect(parseRetentionPeriod(text)).toEqual(expected));

  it.each(["10", "1mm", "mo", "1x", "d1"])("%j is an invalid duration", (text) => {
    expect(() => parseRetentionPeriod(text)).toThrow(RetentionPeriodError);
    expect(() => parseRetentionPeriod(text)).toThrow("invalid duration provided");
  });

  it.each([
    ["2mo", 86_400],
    ["30d12h30m", 43_950],
    ["1y", 525_600],
    ["1w", 10_080],
  ])("%s is %d minutes", (text, minutes) => {
    expect(retentionPeriodMinutes(parseRetentionPeriod(text))).toBe(minutes);
  });
});
