import { describe, expect, it } from "vitest";
import {
  type ExclusionWindow,
  parseExclusionWindow,
  parseExclusionWindowsText,
  parseIsoDuration,
  parseStartWindow,
  RegistryExclusionWindows,
} from "../../../shared/model/schedule-windows.ts";

/**
 * How exclusion windows and start windows are written (shared/model/schedule-windows.ts, docs/windows.md#formats):
 * every accepted form with what it reads as, and every rejected one with its exact message.
 */

const ms = (iso: string) => new Date(iso).getTime();
const H = 3_600_000;

describe("parseExclusionWindow: accepted forms", () => {
  const cases: Array<[string, unknown, ExclusionWindow]> = [
    [
      "a one-off start/duration string (minutes only, Z)",
      "2026-11-27T00:00Z/P3D",
      {
        kind: "once",
        name: "2026-11-27T00:00Z/P3D",
        policy: "Wait",
        start: ms("2026-11-27T00:00:00Z"),
        end: ms("2026-11-30T00:00:00Z"),
      },
    ],
    [
      "a one-off start/end string with offsets",
      "2026-11-27T01:00+01:00/2026-11-27T06:30:00+01:00",
      {
        kind: "once",
        name: "2026-11-27T01:00+01:00/2026-11-27T06:30:00+01:00",
        policy: "Wait",
        start: ms("2026-11-27T00:00:00Z"),
        end: ms("2026-11-27T05:30:00Z"),
      },
    ],
    [
      "a one-off object with name and policy",
      { name: "black-friday", interval: "2026-11-27T00:00Z/P1DT12H", policy: "Skip" },
      {
        kind: "once",
        name: "black-friday",
        policy: "Skip",
        start: ms("2026-11-27T00:00:00Z"),
        end: ms("2026-11-28T12:00:00Z"),
      },
    ],
    [
      "a daily window, Go duration, a zone",
      { name: "nightly", recurrence: "daily", start: "22:00", duration: "6h", timeZone: "Europe/Berlin" },
      {
        kind: "daily",
        name: "nightly",
        policy: "Wait",
        days: [0, 1, 2, 3, 4, 5, 6],
        startMinute: 22 * 60,
        durationMs: 6 * H,
        timeZone: "Europe/Berlin",
      },
    ],
    [
      "a weekly window, ISO duration, mixed weekday spellings, no name (a name is made)",
      {
        recurrence: "weekly",
        days: ["Sun", "saturday", 6],
        start: "7:05",
        duration: "PT90M",
        policy: "Skip",
      },
      {
        kind: "weekly",
        name: "weekly sun,sat 07:05+1h30m0s",
        policy: "Skip",
        days: [0, 6],
        startMinute: 7 * 60 + 5,
        durationMs: 1.5 * H,
      },
    ],
  ];
  it.each(cases)("%s", (_, raw, expected) => {
    expect(parseExclusionWindow(raw)).toEqual({ ok: true, value: expected });
  });
});

describe("parseExclusionWindow: rejected forms, with their messages", () => {
  const cases: Array<[unknown, string]> = [
    [
      "2026-11-27T00:00/P3D",
      'interval start: "2026-11-27T00:00" is not a time with an offset such as 2026-11-27T00:00Z or 2026-11-27T01:00+01:00',
    ],
    [
      "2026-11-27T00:00Z",
      '"2026-11-27T00:00Z" is not an interval start/end or start/duration such as 2026-11-27T00:00Z/P3D',
    ],
    ["2026-02-30T00:00Z/P1D", 'interval start: "2026-02-30T00:00Z" is not a valid date and time'],
    ["2026-11-27T00:00Z/P", 'interval duration "P" is not an ISO 8601 duration such as P3D or PT6H'],
    [
      "2026-11-27T00:00Z/3d",
      'interval end: "3d" is not a time with an offset such as 2026-11-27T00:00Z or 2026-11-27T01:00+01:00',
    ],
    [
      "2026-11-27T00:00Z/2026-11-26T00:00Z",
      'interval "2026-11-27T00:00Z/2026-11-26T00:00Z" ends before it starts',
    ],
    [
      "2026-11-27T00:00Z/P99999999D",
      'interval "2026-11-27T00:00Z/P99999999D" is longer than 366 days: for a longer stop pause the configuration (spec.paused, kss pause)',
    ],
    [
      { name: "long", recurrence: "daily", start: "22:00", duration: "P400D" },
      'duration "P400D" is longer than 366 days: for a longer stop pause the configuration (spec.paused, kss pause)',
    ],
    [42, "must be an interval such as 2026-11-27T00:00Z/P3D or an object with interval or recurrence"],
    [{ name: "x" }, "needs interval (one-off, e.g. 2026-11-27T00:00Z/P3D) or recurrence (daily or weekly)"],
    [
      { interval: "2026-11-27T00:00Z/P1D", recurrence: "daily" },
      "give either interval (one-off) or recurrence (daily/weekly), not both",
    ],
    [{ interval: "2026-11-27T00:00Z/P1D", policy: "skip" }, 'policy "skip" must be "Wait" or "Skip"'],
    [
      { interval: "2026-11-27T00:00Z/P1D", timeZone: "UTC" },
      "unknown field timeZone (a one-off window has name, policy, interval, namespaceSelector)",
    ],
    [
      { recurrence: "hourly", start: "22:00", duration: "1h" },
      'recurrence "hourly" must be "daily" or "weekly"',
    ],
    [
      { recurrence: "daily", start: "24:00", duration: "1h" },
      'start "24:00" must be a local time of day HH:MM such as "22:00"',
    ],
    [{ recurrence: "daily", start: "22:00" }, "duration must be given, such as PT6H or 6h"],
    [
      { recurrence: "daily", start: "22:00", duration: "six hours" },
      'duration "six hours" is not a duration such as PT6H, P1D, 6h or 90m',
    ],
    [{ recurrence: "daily", start: "22:00", duration: "0s" }, 'duration "0s" must be longer than zero'],
    [
      { recurrence: "daily", start: "22:00", duration: "24h" },
      'duration "24h" must be shorter than a day for a daily window (it would never close)',
    ],
    [
      { recurrence: "weekly", days: ["Sat"], start: "00:00", duration: "P7D" },
      'duration "P7D" must be shorter than a week for a weekly window (it would never close)',
    ],
    [
      { recurrence: "daily", days: ["Mon"], start: "22:00", duration: "1h" },
      'days is for recurrence "weekly"; a daily window opens every day',
    ],
    [
      { recurrence: "weekly", start: "22:00", duration: "1h" },
      "days must list the weekdays it opens on, such as [Sat, Sun]",
    ],
    [
      { recurrence: "weekly", days: ["Sa"], start: "22:00", duration: "1h" },
      'day "Sa" must be a weekday such as Mon, Tuesday or 0 (Sunday) … 6',
    ],
    [
      { recurrence: "daily", start: "22:00", duration: "1h", timeZone: "Mars/Olympus" },
      'timeZone "Mars/Olympus" must be an IANA time zone such as Europe/Berlin',
    ],
    [
      {
        recurrence: "daily",
        start: "22:00",
        duration: "1h",
        namespaceSelector: { matchLabels: { env: "prod" } },
      },
      "namespaceSelector is only for the registry's windows (a configuration has one namespace)",
    ],
    [{ name: "", interval: "2026-11-27T00:00Z/P1D" }, "name must be a non-empty string"],
  ];
  it.each(cases)("%j", (raw, error) => {
    expect(parseExclusionWindow(raw)).toEqual({ ok: false, error });
  });
});

describe("parseExclusionWindowsText: the annotation", () => {
  it("reads a YAML list and a JSON list alike", () => {
    const yaml = `- 2026-11-27T00:00Z/P3D\n- name: nightly\n  recurrence: daily\n  start: "22:00"\n  duration: 6h\n`;
    const json = JSON.stringify([
      "2026-11-27T00:00Z/P3D",
      { name: "nightly", recurrence: "daily", start: "22:00", duration: "6h" },
    ]);
    const fromYaml = parseExclusionWindowsText(yaml);
    expect(fromYaml.ok && fromYaml.value.map((w) => [w.kind, w.name])).toEqual([
      ["once", "2026-11-27T00:00Z/P3D"],
      ["daily", "nightly"],
    ]);
    expect(parseExclusionWindowsText(json)).toEqual(fromYaml);
  });
  it("names the bad window by position and name", () => {
    const text = JSON.stringify([
      "2026-11-27T00:00Z/P3D",
      { name: "nightly", recurrence: "daily", start: "25:00", duration: "1h" },
    ]);
    expect(parseExclusionWindowsText(text)).toEqual({
      ok: false,
      error: 'window 2 ("nightly"): start "25:00" must be a local time of day HH:MM such as "22:00"',
    });
  });
  it("says when the text is no YAML at all", () => {
    const parsed = parseExclusionWindowsText("[unclosed");
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toMatch(/^not a YAML or JSON list of windows: /);
  });
  it("an empty annotation is no windows", () => {
    expect(parseExclusionWindowsText("  ")).toEqual({ ok: true, value: [] });
  });
});

describe("start windows, ISO durations and the registry's windows", () => {
  it.each([
    ["30m", { ok: true, value: 30 * 60_000 }],
    ["2h", { ok: true, value: 2 * H }],
    ["0s", { ok: false, error: '"0s" must be longer than zero' }],
    ["PT1H", { ok: false, error: '"PT1H" is not a duration such as 30m or 2h' }],
  ])("start window %s", (text, expected) => {
    expect(parseStartWindow(text)).toEqual(expected);
  });
  it.each([
    ["P3D", 3 * 24 * H],
    ["PT6H", 6 * H],
    ["P1W", 7 * 24 * H],
    ["P1DT2H30M", 26.5 * H],
    ["P", undefined],
    ["PT", undefined],
    ["3D", undefined],
  ])("ISO duration %s", (text, expected) => {
    expect(parseIsoDuration(text)).toBe(expected);
  });
  it("a registry window may carry a namespaceSelector; a bad one is an issue at its index", () => {
    const good = RegistryExclusionWindows.safeParse([
      {
        name: "prod-nights",
        recurrence: "daily",
        start: "01:00",
        duration: "2h",
        namespaceSelector: { matchLabels: { env: "prod" } },
      },
    ]);
    expect(good.success && good.data[0]?.namespaceSelector).toEqual({ matchLabels: { env: "prod" } });
    const bad = RegistryExclusionWindows.safeParse([
      "2026-11-27T00:00Z/P1D",
      { recurrence: "daily", start: "01:00" },
    ]);
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => [i.path, i.message])).toEqual([
      [[1], "duration must be given, such as PT6H or 6h"],
    ]);
  });
});
