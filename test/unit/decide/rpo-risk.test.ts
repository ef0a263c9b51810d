import { describe, expect, it } from "vitest";
import { clockText, type RpoRiskInput, rpoRisk, spanText } from "../../../shared/decide/rpo/rpo-risk.ts";
import { clockFrom, utc } from "../../support/clock.ts";

/** RPO risk levels (docs/rpo.md#levels) with a fixed clock: each level, each reason, the thresholds exactly. */

const NOW = utc("2026-12-01T12:00:00Z");
const H = 3_600_000;
const { atMs } = clockFrom(NOW);
const hoursAgo = (h: number) => atMs(-h * H);
const inHours = (h: number) => atMs(h * H);
const TARGET = 24 * H;

/** Configured long ago, last success 10 h ago, an hourly run next at 13:00, all runs fine. */
function input(over: Partial<RpoRiskInput> = {}): RpoRiskInput {
  return {
    targetMs: TARGET,
    targetText: "24h",
    since: hoursAgo(24 * 30),
    lastSuccess: hoursAgo(10),
    recent: [{ phase: "Succeeded", time: hoursAgo(10) }],
    nextRun: inHours(1),
    ...over,
  };
}

const rate = (over: Partial<RpoRiskInput>) => rpoRisk(input(over), NOW);

describe("rpoRisk: on target", () => {
  it.each<[string, Partial<RpoRiskInput>, number, string]>([
    [
      "level 1: the next run lands before the target",
      {},
      14 * 3600,
      "on target: last backup 10h ago; next run 13:00; 14h left of the 24h target",
    ],
    [
      "level 1: never backed up yet, the first run lands before the target",
      { lastSuccess: undefined, recent: [], since: hoursAgo(2) },
      22 * 3600,
      "on target: no backup yet; next run 13:00; 22h left of the 24h target",
    ],
    [
      "level 1: a run is in progress",
      { running: hoursAgo(0.5), nextRun: inHours(20) },
      14 * 3600,
      "on target: last backup 10h ago; the run due 11:30 is in progress; 14h left of the 24h target",
    ],
    [
      "level 1: an exclusion window holds the next run, still before the target",
      { window: { until: inHours(3), name: "freeze" } },
      14 * 3600,
      "on target: last backup 10h ago; next run 15:00 (held by exclusion window freeze); 14h left of the 24h target",
    ],
  ])("%s", (_, over, timeLeft, reason) => {
    const risk = rate(over);
    expect(risk.level).toBe(1);
    expect(risk.timeLeftSeconds).toBe(timeLeft);
    expect(risk.reason).toBe(reason);
  });

  it("level 1 exactly at the target (0 s left) when the next recovery point is on its way", () => {
    const risk = rate({ lastSuccess: hoursAgo(24), running: hoursAgo(0.2) });
    expect(risk).toMatchObject({ level: 1, timeLeftSeconds: 0, deadline: NOW });
  });

  it.each<[string, Partial<RpoRiskInput>, string]>([
    [
      "the next run (by schedule) lands after the target",
      { lastSuccess: hoursAgo(20), nextRun: inHours(5) },
      "next run 17:00 is after the target (16:00); 4h left of the 24h target",
    ],
    [
      "an exclusion window holds the next run past the target",
      { lastSuccess: hoursAgo(20), window: { until: inHours(6), name: "black-friday" } },
      "next run 18:00 (held by exclusion window black-friday) is after the target (16:00); 4h left of the 24h target",
    ],
    [
      "windows hold it past the search: not before the last time examined, never no delay",
      { lastSuccess: hoursAgo(20), window: { until: inHours(6), name: "w1, w2", atLeast: true } },
      "next run not before 18:00 (held by exclusion window w1, w2) is after the target (16:00); 4h left of the 24h target",
    ],
    [
      "an unnamed window, ending on another day",
      { lastSuccess: hoursAgo(20), window: { until: inHours(14) } },
      "next run 2026-12-02 02:00 (held by an exclusion window) is after the target (16:00); 4h left of the 24h target",
    ],
    [
      "the last run failed",
      {
        recent: [
          { phase: "Failed", time: hoursAgo(1) },
          { phase: "Succeeded", time: hoursAgo(10) },
        ],
      },
      "last run failed; 14h left of the 24h target",
    ],
    [
      "the last 3 runs failed",
      {
        recent: [
          { phase: "Failed", time: hoursAgo(1) },
          { phase: "Failed", time: hoursAgo(2) },
          { phase: "Failed", time: hoursAgo(3) },
          { phase: "Succeeded", time: hoursAgo(10) },
        ],
      },
      "last 3 runs failed; 14h left of the 24h target",
    ],
    [
      "the last 2 runs were skipped",
      {
        recent: [
          { phase: "Skipped", time: hoursAgo(1) },
          { phase: "Skipped", time: hoursAgo(2) },
        ],
      },
      "last 2 runs skipped; 14h left of the 24h target",
    ],
    [
      "a schedule time was missed after the last success",
      { missed: { count: 1, since: hoursAgo(2) } },
      "schedule time 10:00 missed; 14h left of the 24h target",
    ],
    [
      "several schedule times were missed (overdue)",
      { missed: { count: 3, since: hoursAgo(3) } },
      "3 schedule times missed since 09:00; 14h left of the 24h target",
    ],
    [
      "paused, no run before the target",
      { inactive: { kind: "paused", since: hoursAgo(3) } },
      "paused since 09:00: no run before the target (2026-12-02 02:00); 14h left of the 24h target",
    ],
    [
      "a suspended scheduler",
      { inactive: { kind: "suspended" } },
      "scheduler suspended: no run before the target (2026-12-02 02:00); 14h left of the 24h target",
    ],
    [
      "no schedule (triggered only)",
      { inactive: { kind: "unscheduled" } },
      "no schedule: no run before the target (2026-12-02 02:00); 14h left of the 24h target",
    ],
    [
      "the schedule fires no more",
      { nextRun: undefined },
      "the schedule fires no more; 14h left of the 24h target",
    ],
    [
      "the cluster is unreachable",
      { unreachableSince: atMs(-118 * 60_000) },
      "cluster unreachable since 10:02; 14h left of the 24h target",
    ],
  ])("level 2: %s", (_, over, reason) => {
    const risk = rate(over);
    expect(risk.level).toBe(2);
    expect(risk.reason).toBe(reason);
    expect(risk.timeLeftSeconds).toBeGreaterThan(0);
  });

  it("level 2 reports where the next run lands", () => {
    expect(rate({ lastSuccess: hoursAgo(20), nextRun: inHours(5) }).projectedAt).toEqual(inHours(5));
    expect(rate({ lastSuccess: hoursAgo(20), window: { until: inHours(6) } }).projectedAt).toEqual(
      inHours(6),
    );
    expect(rate({ inactive: { kind: "paused" } }).projectedAt).toBeUndefined();
  });

  it("a miss before the last success, a failure before the newest success, and a next run exactly at the target are no risk", () => {
    expect(rate({ missed: { count: 2, since: hoursAgo(11) } }).level).toBe(1);
    expect(
      rate({
        recent: [
          { phase: "Succeeded", time: hoursAgo(10) },
          { phase: "Failed", time: hoursAgo(11) },
        ],
      }).level,
    ).toBe(1);
    expect(rate({ lastSuccess: hoursAgo(20), nextRun: inHours(4) }).level).toBe(1);
    expect(rate({ lastSuccess: hoursAgo(20), nextRun: atMs(4 * H + 1000) }).level).toBe(2);
  });
});

describe("rpoRisk: past the target", () => {
  it.each<[string, number, 3 | 4 | 5]>([
    ["1 s past: 3", 1, 3],
    ["1 h past: 3", 3600, 3],
    ["exactly half the target past: 3", 12 * 3600, 3],
    ["half the target and a second: 4", 12 * 3600 + 1, 4],
    ["one target past: 4", 24 * 3600, 4],
    ["exactly twice the target past: 4", 48 * 3600, 4],
    ["twice the target and a second: 5", 48 * 3600 + 1, 5],
    ["a week past: 5", 7 * 24 * 3600, 5],
  ])("%s", (_, pastSeconds, level) => {
    const risk = rate({ lastSuccess: atMs(-TARGET - pastSeconds * 1000) });
    expect(risk.level).toBe(level);
    expect(risk.timeLeftSeconds).toBe(-pastSeconds);
  });

  it.each<[string, Partial<RpoRiskInput>, 3 | 4 | 5, string]>([
    [
      "3: past by 2h, the next run brings it back",
      { lastSuccess: hoursAgo(26) },
      3,
      "last backup 1d2h ago, 2h past the 24h target; next run 13:00",
    ],
    [
      "3: the failures say why",
      {
        lastSuccess: hoursAgo(26),
        recent: [
          { phase: "Failed", time: hoursAgo(1) },
          { phase: "Failed", time: hoursAgo(2) },
          { phase: "Failed", time: hoursAgo(3) },
        ],
      },
      3,
      "last backup 1d2h ago, 2h past the 24h target; last 3 runs failed; next run 13:00",
    ],
    [
      "4: paused while past",
      { lastSuccess: hoursAgo(40), inactive: { kind: "paused", since: hoursAgo(30) } },
      4,
      "last backup 1d16h ago, 16h past the 24h target; paused since 2026-11-30 06:00: no run until resumed",
    ],
    [
      "5: never backed up and past the target",
      { lastSuccess: undefined, recent: [], since: hoursAgo(25) },
      5,
      "never backed up, 1h past the 24h target; next run 13:00",
    ],
    [
      "5: the cluster unreachable and past the target",
      { lastSuccess: hoursAgo(25), unreachableSince: atMs(-118 * 60_000) },
      5,
      "cluster unreachable since 10:02; last backup 1d1h ago, 1h past the 24h target; next run 13:00",
    ],
    [
      "5: no schedule, far past",
      { lastSuccess: hoursAgo(24 * 4), inactive: { kind: "unscheduled" } },
      5,
      "last backup 4d ago, 3d past the 24h target; no schedule: no run is scheduled",
    ],
    [
      "3: a window holds the next run",
      { lastSuccess: hoursAgo(25), window: { until: inHours(5), name: "freeze" } },
      3,
      "last backup 1d1h ago, 1h past the 24h target; next run 17:00 (held by exclusion window freeze)",
    ],
  ])("%s", (_, over, level, reason) => {
    const risk = rate(over);
    expect(risk.level).toBe(level);
    expect(risk.reason).toBe(reason);
    expect(risk.timeLeftSeconds).toBeLessThan(0);
  });

  it("never backed up counts from the configuration's creation (or resume)", () => {
    const risk = rate({ lastSuccess: undefined, recent: [], since: hoursAgo(30) });
    expect(risk.deadline).toEqual(hoursAgo(6));
    expect(risk.timeLeftSeconds).toBe(-6 * 3600);
  });
});

describe("the texts", () => {
  it.each<[number, string]>([
    [45_000, "45s"],
    [12 * 60_000, "12m"],
    [3 * H, "3h"],
    [3 * H + 20 * 60_000, "3h20m"],
    [53 * H, "2d5h"],
    [48 * H, "2d"],
  ])("spanText(%d) = %s", (ms, text) => expect(spanText(ms)).toBe(text));

  it("clockText: the time alone on the same UTC day, with the date on another", () => {
    expect(clockText(utc("2026-12-01T01:30:00Z"), NOW)).toBe("01:30");
    expect(clockText(utc("2026-12-02T00:10:00Z"), NOW)).toBe("2026-12-02 00:10");
  });
});
