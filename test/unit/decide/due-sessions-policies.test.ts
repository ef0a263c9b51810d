import { describe, expect, it } from "vitest";
import { decideSessionSchedule } from "../../../shared/decide/schedule/due-sessions.ts";
import { toKubeTime } from "../../../shared/model/time.ts";
import {
  atMs,
  create,
  DAY,
  expectRow,
  HOUR,
  input,
  last,
  MINUTE,
  nameAt,
  type Row,
  running,
  type Setup,
  wait,
} from "../../support/session-schedule-rows.ts";

/** Rows: concurrencyPolicy, startingDeadlineSeconds, outages, pause/suspend/resume and stagger. */

const concurrency: Row[] = [
  {
    scenario: "Forbid by default: another session running, the new one is created Skipped",
    given: input("@hourly", { ...last, activeSessions: running("app-hourly-old") }),
    now: atMs(0),
    expected: {
      action: "skip-create",
      name: nameAt(atMs(0)),
      reason: expect.stringContaining("app-hourly-old"),
    },
  },
  {
    scenario: "Forbid set explicitly: skipped the same way",
    given: input("@hourly", {
      ...last,
      scheduler: { concurrencyPolicy: "Forbid" },
      activeSessions: running("app-hourly-old"),
    }),
    now: atMs(0),
    expected: { action: "skip-create", scheduledTime: toKubeTime(atMs(0)) },
  },
  {
    scenario: "Forbid with nothing running: create",
    given: input("@hourly", { ...last, scheduler: { concurrencyPolicy: "Forbid" } }),
    now: atMs(0),
    expected: create(atMs(0)),
  },
  {
    scenario: "Allow: runs alongside the running one",
    given: input("@hourly", {
      ...last,
      scheduler: { concurrencyPolicy: "Allow" },
      activeSessions: running("app-hourly-old"),
    }),
    now: atMs(0),
    expected: create(atMs(0)),
  },
  {
    scenario: "Replace: the two running ones are replaced",
    given: input("@hourly", {
      ...last,
      scheduler: { concurrencyPolicy: "Replace" },
      activeSessions: running("a", "b"),
    }),
    now: atMs(0),
    expected: { action: "replace", name: nameAt(atMs(0)), replaces: ["a", "b"] },
  },
  {
    scenario: "Replace with nothing running: create",
    given: input("@hourly", { ...last, scheduler: { concurrencyPolicy: "Replace" } }),
    now: atMs(0),
    expected: create(atMs(0)),
  },
];

const deadline = (seconds: number, extra: Setup = {}) =>
  input("@hourly", { ...last, scheduler: { startingDeadlineSeconds: seconds }, ...extra });
const startingDeadline: Row[] = [
  {
    scenario: "deadline 300s, exactly at the deadline: still started",
    given: deadline(300),
    now: atMs(300_000),
    expected: create(atMs(0)),
  },
  {
    scenario: "deadline 300s, one second past it: missed, not started",
    given: deadline(300),
    now: atMs(301_000),
    expected: {
      action: "missed-deadline",
      scheduledTime: toKubeTime(atMs(0)),
      next: toKubeTime(atMs(HOUR)),
      missedCount: 1,
    },
  },
  {
    scenario: "deadline 0 and a tick exactly on time: started",
    given: deadline(0),
    now: atMs(0),
    expected: create(atMs(0)),
  },
  {
    scenario: "deadline 0 and a tick a second late: missed",
    given: deadline(0),
    now: atMs(1000),
    expected: { action: "missed-deadline" },
  },
  {
    scenario: "outage with a 1h deadline: the newest time is within it and starts",
    given: deadline(3600, { lastScheduledTime: atMs(-5 * HOUR) }),
    now: atMs(10 * MINUTE),
    expected: create(atMs(0), { missed: "few", missedCount: 4 }),
  },
];

const outages: Row[] = [
  {
    scenario: "missed 5 schedules during an outage: start only the newest",
    given: input("@hourly", { lastScheduledTime: atMs(-6 * HOUR) }),
    now: atMs(5 * MINUTE),
    expected: create(atMs(0), { missed: "few", missedCount: 5 }),
  },
  {
    scenario: "100 days of */1 down: start only the newest, 'many' missed",
    given: input("* * * * *", { lastScheduledTime: atMs(-100 * DAY) }),
    now: atMs(0),
    expected: create(atMs(0), { missed: "many", missedCount: 143_999 }),
  },
  {
    scenario: "100 times passed during an outage: still 'few' (the controller's limit)",
    given: input("* * * * *", { lastScheduledTime: atMs(-100 * MINUTE) }),
    now: atMs(0),
    expected: create(atMs(0), { missed: "few", missedCount: 99 }),
  },
  {
    scenario: "101 times passed: 'many'",
    given: input("* * * * *", { lastScheduledTime: atMs(-101 * MINUTE) }),
    now: atMs(0),
    expected: create(atMs(0), { missed: "many", missedCount: 100 }),
  },
  {
    scenario: "never scheduled yet: counted from the configuration's creation",
    given: input("*/20 * * * *", { createdAt: atMs(-25 * MINUTE) }),
    now: atMs(0),
    expected: create(atMs(0), { missed: "few", missedCount: 1 }),
  },
];

const pausing: Row[] = [
  {
    scenario: "paused configuration: nothing created, next time reported",
    given: input("@hourly", { ...last, paused: true }),
    now: atMs(0),
    expected: { action: "paused", next: toKubeTime(atMs(HOUR)) },
  },
  {
    scenario: "suspended scheduler: nothing created",
    given: input("@hourly", { ...last, scheduler: { suspend: true } }),
    now: atMs(0),
    expected: { action: "suspended", next: toKubeTime(atMs(HOUR)) },
  },
  {
    scenario: "paused and suspended: reported as paused",
    given: input("@hourly", { ...last, paused: true, scheduler: { suspend: true } }),
    now: atMs(0),
    expected: { action: "paused" },
  },
  {
    scenario: "resumed at 10:20 after a pause: 10:15 missed while paused is not caught up",
    given: input("*/15 * * * *", { lastScheduledTime: atMs(-HOUR), resumedAt: atMs(20 * MINUTE) }),
    now: atMs(20 * MINUTE),
    expected: wait(atMs(30 * MINUTE)),
  },
  {
    scenario: "resumed at 10:20: the first time after resuming (10:30) runs, nothing counted as missed",
    given: input("*/15 * * * *", { lastScheduledTime: atMs(-HOUR), resumedAt: atMs(20 * MINUTE) }),
    now: atMs(30 * MINUTE),
    expected: create(atMs(30 * MINUTE)),
  },
  {
    scenario: "without resumedAt the newest missed time runs (the CronJob's own behaviour)",
    given: input("*/15 * * * *", { lastScheduledTime: atMs(-HOUR) }),
    now: atMs(20 * MINUTE),
    expected: create(atMs(15 * MINUTE), { missed: "few", missedCount: 4 }),
  },
  {
    scenario: "resumedAt older than the last scheduled time changes nothing",
    given: input("@hourly", { ...last, resumedAt: atMs(-2 * HOUR) }),
    now: atMs(0),
    expected: create(atMs(0)),
  },
];

// demo/app/hourly hashes to 61% of a window: 366s of 10 minutes, 146s of the 240s room a */5 schedule leaves.
const stagger: Row[] = [
  {
    scenario: "stagger 10m: before its offset the session waits until scheduled time + 6m6s",
    given: input("@hourly", { ...last, staggerWindowMs: 10 * MINUTE }),
    now: atMs(0),
    expected: wait(atMs(366_000), { staggerOffsetMs: 366_000 }),
  },
  {
    scenario: "stagger 10m: at the offset it is created, named after the unstaggered time",
    given: input("@hourly", { ...last, staggerWindowMs: 10 * MINUTE }),
    now: atMs(7 * MINUTE),
    expected: create(atMs(0)),
  },
  {
    scenario: "stagger 1h on */5: capped so it starts a tick before 10:05",
    given: input("*/5 * * * *", { lastScheduledTime: atMs(-5 * MINUTE), staggerWindowMs: HOUR }),
    now: atMs(MINUTE),
    expected: wait(atMs(146_000), { staggerOffsetMs: 146_000 }),
  },
  {
    scenario: "stagger with a deadline: the deadline counts from the staggered start",
    given: input("@hourly", {
      ...last,
      staggerWindowMs: 10 * MINUTE,
      scheduler: { startingDeadlineSeconds: 60 },
    }),
    now: atMs(7 * MINUTE),
    expected: create(atMs(0)),
  },
  {
    scenario: "stagger window 0: no offset",
    given: input("@hourly", { ...last, staggerWindowMs: 0 }),
    now: atMs(0),
    expected: create(atMs(0)),
  },
];

describe("decideSessionSchedule: what happens to a due time, as the CronJob controller decides it", () => {
  describe.each([
    ["concurrencyPolicy", concurrency],
    ["startingDeadlineSeconds", startingDeadline],
    ["outages", outages],
    ["paused, suspended, resumed", pausing],
    ["stagger", stagger],
  ] as const)("%s", (_group, rows) => {
    it.each(rows)("$scenario", expectRow);
  });

  it("a 100-day outage of an every-minute schedule is decided in well under a second", () => {
    const started = performance.now();

    const decision = decideSessionSchedule(
      input("* * * * *", { lastScheduledTime: atMs(-100 * DAY) }),
      atMs(0),
    );

    expect(decision.action).toBe("create");
    expect(performance.now() - started).toBeLessThan(500);
  });
});
