import { describe, expect, it } from "vitest";
import {
  decideSessionSchedule,
  type SessionScheduleDecision,
  type SessionScheduleInput,
} from "../../../shared/decide/due-sessions.ts";
import type { SchedulerSpec } from "../../../shared/model/backup-configuration.ts";
import { backupSessionName } from "../../../shared/model/names.ts";
import { toKubeTime } from "../../../shared/model/time.ts";

/**
 * decideSessionSchedule as the CronJob controller's syncCronJob, one scenario per row, anchored like the
 * controller's tests on a fixed top of the hour (Thursday 2026-11-26 10:00 UTC).
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function topOfTheHour(): Date {
  return new Date("2026-11-26T10:00:00Z");
}
const T = topOfTheHour().getTime();
const at = (offsetMs: number) => new Date(T + offsetMs);
const utc = (iso: string) => new Date(iso);
const nameAt = (time: Date) => backupSessionName("app", "hourly", time);

interface Setup extends Partial<Omit<SessionScheduleInput, "session">> {
  scheduler?: Partial<SchedulerSpec>;
}

/** Session "hourly" of demo/app, created a day before its last time (or the anchor), nothing running. */
function input(schedule: string | undefined, setup: Setup = {}): SessionScheduleInput {
  const { scheduler, ...rest } = setup;
  return {
    namespace: "demo",
    configurationName: "app",
    session: {
      name: "hourly",
      scheduler: schedule === undefined ? undefined : { schedule, jobTemplate: {}, ...scheduler },
    },
    createdAt: new Date((rest.lastScheduledTime ?? at(0)).getTime() - DAY),
    activeSessions: [],
    ...rest,
  };
}

/** The decision with times written as Kubernetes writes them, so rows read as text. */
function shown(decision: SessionScheduleDecision): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(decision).map(([key, value]) => [key, value instanceof Date ? toKubeTime(value) : value]),
  );
}

const create = (time: Date, extra: Record<string, unknown> = {}) => ({
  action: "create",
  scheduledTime: toKubeTime(time),
  name: nameAt(time),
  missed: "none",
  missedCount: 0,
  ...extra,
});
const wait = (next: Date, extra: Record<string, unknown> = {}) => ({
  action: "wait",
  next: toKubeTime(next),
  ...extra,
});

interface Row {
  scenario: string;
  given: SessionScheduleInput;
  now: Date;
  expected: Record<string, unknown>;
}

const running = (...names: string[]) => names.map((name) => ({ name }));

const macros: Row[] = [
  {
    scenario: "@hourly at the top of the hour: create",
    given: input("@hourly", { lastScheduledTime: at(-HOUR) }),
    now: at(0),
    expected: create(at(0)),
  },
  {
    scenario: "@daily at midnight: create",
    given: input("@daily", { lastScheduledTime: utc("2026-11-26T00:00:00Z") }),
    now: utc("2026-11-27T00:00:00Z"),
    expected: create(utc("2026-11-27T00:00:00Z")),
  },
  {
    scenario: "@weekly on Sunday at midnight: create",
    given: input("@weekly"),
    now: utc("2026-11-29T00:00:00Z"),
    expected: create(utc("2026-11-29T00:00:00Z")),
  },
  {
    scenario: "@monthly on the first: create",
    given: input("@monthly"),
    now: utc("2026-12-01T00:00:30Z"),
    expected: create(utc("2026-12-01T00:00:00Z")),
  },
  {
    scenario: "@yearly in November: wait for 1 January",
    given: input("@yearly"),
    now: at(0),
    expected: wait(utc("2027-01-01T00:00:00Z")),
  },
];

const fields: Row[] = [
  {
    scenario: "*/15 at 10:45 after 10:30: create 10:45",
    given: input("*/15 * * * *", { lastScheduledTime: at(30 * MINUTE) }),
    now: at(45 * MINUTE),
    expected: create(at(45 * MINUTE)),
  },
  {
    scenario: "working hours 0 9-17 * * 1-5 on a Saturday: wait for Monday 09:00",
    given: input("0 9-17 * * 1-5", { lastScheduledTime: utc("2026-11-27T17:00:00Z") }),
    now: utc("2026-11-28T10:00:00Z"),
    expected: wait(utc("2026-11-30T09:00:00Z")),
  },
  {
    scenario: "list 5,35 at 10:35: create 10:35",
    given: input("5,35 * * * *", { lastScheduledTime: at(5 * MINUTE) }),
    now: at(35 * MINUTE),
    expected: create(at(35 * MINUTE)),
  },
  {
    scenario: "step 0 */6 at 12:00: create",
    given: input("0 */6 * * *", { lastScheduledTime: utc("2026-11-26T06:00:00Z") }),
    now: utc("2026-11-26T12:00:00Z"),
    expected: create(utc("2026-11-26T12:00:00Z")),
  },
  {
    scenario: "day names MON,WED,FRI on a Thursday: wait for Friday 08:30",
    given: input("30 8 * * MON,WED,FRI", { lastScheduledTime: utc("2026-11-25T08:30:00Z") }),
    now: at(0),
    expected: wait(utc("2026-11-27T08:30:00Z")),
  },
  {
    scenario: "range with a step 10-50/20 at 10:30 after 10:10: create 10:30",
    given: input("10-50/20 * * * *", { lastScheduledTime: at(10 * MINUTE) }),
    now: at(30 * MINUTE),
    expected: create(at(30 * MINUTE)),
  },
];

const berlin = "CRON_TZ=Europe/Berlin 30 2 * * *";
const newYork = "TZ=America/New_York 30 1 * * *";
const daylightSaving: Row[] = [
  {
    scenario: "spring forward in Europe/Berlin: 02:30 does not exist, no session that night",
    given: input(berlin, { lastScheduledTime: utc("2026-03-28T01:30:00Z") }),
    now: utc("2026-03-29T02:00:00Z"),
    expected: wait(utc("2026-03-30T00:30:00Z")),
  },
  {
    scenario: "spring forward in Europe/Berlin: the next night runs at 02:30 CEST",
    given: input(berlin, { lastScheduledTime: utc("2026-03-28T01:30:00Z") }),
    now: utc("2026-03-30T00:30:00Z"),
    expected: create(utc("2026-03-30T00:30:00Z")),
  },
  {
    scenario: "spring forward in America/New_York: 02:30 does not exist, no session that night",
    given: input("TZ=America/New_York 30 2 * * *", { lastScheduledTime: utc("2026-03-07T07:30:00Z") }),
    now: utc("2026-03-08T08:00:00Z"),
    expected: wait(utc("2026-03-09T06:30:00Z")),
  },
  {
    scenario: "spring forward in America/New_York: hourly goes from 01:00 EST straight to 03:00 EDT",
    given: input("TZ=America/New_York 0 * * * *", { lastScheduledTime: utc("2026-03-08T06:00:00Z") }),
    now: utc("2026-03-08T07:00:00Z"),
    expected: create(utc("2026-03-08T07:00:00Z")),
  },
  {
    scenario: "fall back in Europe/Berlin: the first 02:30 (CEST) runs",
    given: input(berlin, { lastScheduledTime: utc("2026-10-24T00:30:00Z") }),
    now: utc("2026-10-25T00:30:00Z"),
    expected: create(utc("2026-10-25T00:30:00Z")),
  },
  {
    scenario: "fall back in Europe/Berlin: 02:30 CET runs again an hour later, as robfig/cron does",
    given: input(berlin, { lastScheduledTime: utc("2026-10-25T00:30:00Z") }),
    now: utc("2026-10-25T01:30:00Z"),
    expected: create(utc("2026-10-25T01:30:00Z")),
  },
  {
    scenario: "fall back in America/New_York: the first 01:30 (EDT) runs",
    given: input(newYork, { lastScheduledTime: utc("2026-10-31T05:30:00Z") }),
    now: utc("2026-11-01T05:30:00Z"),
    expected: create(utc("2026-11-01T05:30:00Z")),
  },
  {
    scenario: "fall back in America/New_York: 01:30 EST runs again an hour later",
    given: input(newYork, { lastScheduledTime: utc("2026-11-01T05:30:00Z") }),
    now: utc("2026-11-01T06:30:00Z"),
    expected: create(utc("2026-11-01T06:30:00Z")),
  },
  {
    scenario: "fall back in America/New_York with the first still running: the repeat is skipped (Forbid)",
    given: input(newYork, {
      lastScheduledTime: utc("2026-11-01T05:30:00Z"),
      activeSessions: running(nameAt(utc("2026-11-01T05:30:00Z"))),
    }),
    now: utc("2026-11-01T06:30:00Z"),
    expected: { action: "skip-create", scheduledTime: "2026-11-01T06:30:00Z" },
  },
];

const last = { lastScheduledTime: at(-HOUR) };
const concurrency: Row[] = [
  {
    scenario: "Forbid by default: another session running, the new one is created Skipped",
    given: input("@hourly", { ...last, activeSessions: running("app-hourly-old") }),
    now: at(0),
    expected: {
      action: "skip-create",
      name: nameAt(at(0)),
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
    now: at(0),
    expected: { action: "skip-create", scheduledTime: toKubeTime(at(0)) },
  },
  {
    scenario: "Forbid with nothing running: create",
    given: input("@hourly", { ...last, scheduler: { concurrencyPolicy: "Forbid" } }),
    now: at(0),
    expected: create(at(0)),
  },
  {
    scenario: "Allow: runs alongside the running one",
    given: input("@hourly", {
      ...last,
      scheduler: { concurrencyPolicy: "Allow" },
      activeSessions: running("app-hourly-old"),
    }),
    now: at(0),
    expected: create(at(0)),
  },
  {
    scenario: "Replace: the two running ones are replaced",
    given: input("@hourly", {
      ...last,
      scheduler: { concurrencyPolicy: "Replace" },
      activeSessions: running("a", "b"),
    }),
    now: at(0),
    expected: { action: "replace", name: nameAt(at(0)), replaces: ["a", "b"] },
  },
  {
    scenario: "Replace with nothing running: create",
    given: input("@hourly", { ...last, scheduler: { concurrencyPolicy: "Replace" } }),
    now: at(0),
    expected: create(at(0)),
  },
];

const deadline = (seconds: number, extra: Setup = {}) =>
  input("@hourly", { ...last, scheduler: { startingDeadlineSeconds: seconds }, ...extra });
const startingDeadline: Row[] = [
  {
    scenario: "deadline 300s, exactly at the deadline: still started",
    given: deadline(300),
    now: at(300_000),
    expected: create(at(0)),
  },
  {
    scenario: "deadline 300s, one second past it: missed, not started",
    given: deadline(300),
    now: at(301_000),
    expected: {
      action: "missed-deadline",
      scheduledTime: toKubeTime(at(0)),
      next: toKubeTime(at(HOUR)),
      missedCount: 1,
    },
  },
  {
    scenario: "deadline 0 and a tick exactly on time: started",
    given: deadline(0),
    now: at(0),
    expected: create(at(0)),
  },
  {
    scenario: "deadline 0 and a tick a second late: missed",
    given: deadline(0),
    now: at(1000),
    expected: { action: "missed-deadline" },
  },
  {
    scenario: "outage with a 1h deadline: the newest time is within it and starts",
    given: deadline(3600, { lastScheduledTime: at(-5 * HOUR) }),
    now: at(10 * MINUTE),
    expected: create(at(0), { missed: "few", missedCount: 4 }),
  },
];

const outages: Row[] = [
  {
    scenario: "missed 5 schedules during an outage: start only the newest",
    given: input("@hourly", { lastScheduledTime: at(-6 * HOUR) }),
    now: at(5 * MINUTE),
    expected: create(at(0), { missed: "few", missedCount: 5 }),
  },
  {
    scenario: "100 days of */1 down: start only the newest, 'many' missed",
    given: input("* * * * *", { lastScheduledTime: at(-100 * DAY) }),
    now: at(0),
    expected: create(at(0), { missed: "many", missedCount: 143_999 }),
  },
  {
    scenario: "100 times passed during an outage: still 'few' (the controller's limit)",
    given: input("* * * * *", { lastScheduledTime: at(-100 * MINUTE) }),
    now: at(0),
    expected: create(at(0), { missed: "few", missedCount: 99 }),
  },
  {
    scenario: "101 times passed: 'many'",
    given: input("* * * * *", { lastScheduledTime: at(-101 * MINUTE) }),
    now: at(0),
    expected: create(at(0), { missed: "many", missedCount: 100 }),
  },
  {
    scenario: "never scheduled yet: counted from the configuration's creation",
    given: input("*/20 * * * *", { createdAt: at(-25 * MINUTE) }),
    now: at(0),
    expected: create(at(0), { missed: "few", missedCount: 1 }),
  },
];

const pausing: Row[] = [
  {
    scenario: "paused configuration: nothing created, next time reported",
    given: input("@hourly", { ...last, paused: true }),
    now: at(0),
    expected: { action: "paused", next: toKubeTime(at(HOUR)) },
  },
  {
    scenario: "suspended scheduler: nothing created",
    given: input("@hourly", { ...last, scheduler: { suspend: true } }),
    now: at(0),
    expected: { action: "suspended", next: toKubeTime(at(HOUR)) },
  },
  {
    scenario: "paused and suspended: reported as paused",
    given: input("@hourly", { ...last, paused: true, scheduler: { suspend: true } }),
    now: at(0),
    expected: { action: "paused" },
  },
  {
    scenario: "resumed at 10:20 after a pause: 10:15 missed while paused is not caught up",
    given: input("*/15 * * * *", { lastScheduledTime: at(-HOUR), resumedAt: at(20 * MINUTE) }),
    now: at(20 * MINUTE),
    expected: wait(at(30 * MINUTE)),
  },
  {
    scenario: "resumed at 10:20: the first time after resuming (10:30) runs, nothing counted as missed",
    given: input("*/15 * * * *", { lastScheduledTime: at(-HOUR), resumedAt: at(20 * MINUTE) }),
    now: at(30 * MINUTE),
    expected: create(at(30 * MINUTE)),
  },
  {
    scenario: "without resumedAt the newest missed time runs (the CronJob's own behaviour)",
    given: input("*/15 * * * *", { lastScheduledTime: at(-HOUR) }),
    now: at(20 * MINUTE),
    expected: create(at(15 * MINUTE), { missed: "few", missedCount: 4 }),
  },
  {
    scenario: "resumedAt older than the last scheduled time changes nothing",
    given: input("@hourly", { ...last, resumedAt: at(-2 * HOUR) }),
    now: at(0),
    expected: create(at(0)),
  },
];

const repeats: Row[] = [
  {
    scenario: "a second tick in the same minute after the session was created: wait",
    given: input("@hourly", { lastScheduledTime: at(0) }),
    now: at(20_000),
    expected: wait(at(HOUR)),
  },
  {
    scenario: "status not updated yet but the session already runs: wait",
    given: input("@hourly", { ...last, activeSessions: running(nameAt(at(0))) }),
    now: at(30_000),
    expected: wait(at(HOUR)),
  },
  {
    scenario: "one second before the scheduled time: wait for it",
    given: input("@hourly", last),
    now: at(-1000),
    expected: wait(at(0)),
  },
  {
    scenario: "last scheduled time in the future (clock skew): wait past it",
    given: input("@hourly", { lastScheduledTime: at(HOUR) }),
    now: at(0),
    expected: wait(at(2 * HOUR)),
  },
];

const invalid: Row[] = [
  {
    scenario: "invalid cron: six fields",
    given: input("0 0 * * * *"),
    now: at(0),
    expected: { action: "invalid", error: expect.stringContaining("expected 5 fields") },
  },
  {
    scenario: "invalid cron: unknown time zone",
    given: input("CRON_TZ=Mars/Olympus 0 * * * *"),
    now: at(0),
    expected: { action: "invalid", error: expect.stringContaining("unknown time zone") },
  },
  {
    scenario: "a schedule that can never fire: 30 February",
    given: input("0 0 30 2 *"),
    now: at(0),
    expected: { action: "invalid" },
  },
  {
    scenario: "invalid cron on a paused configuration is still reported",
    given: input("not a cron", { paused: true }),
    now: at(0),
    expected: { action: "invalid" },
  },
  {
    scenario: "no scheduler: manual sessions only",
    given: input(undefined),
    now: at(0),
    expected: { action: "unscheduled" },
  },
];

// demo/app/hourly hashes to 61% of a window: 366s of 10 minutes, 146s of the 240s room a */5 schedule leaves.
const stagger: Row[] = [
  {
    scenario: "stagger 10m: before its offset the session waits until scheduled time + 6m6s",
    given: input("@hourly", { ...last, staggerWindowMs: 10 * MINUTE }),
    now: at(0),
    expected: wait(at(366_000), { staggerOffsetMs: 366_000 }),
  },
  {
    scenario: "stagger 10m: at the offset it is created, named after the unstaggered time",
    given: input("@hourly", { ...last, staggerWindowMs: 10 * MINUTE }),
    now: at(7 * MINUTE),
    expected: create(at(0)),
  },
  {
    scenario: "stagger 1h on */5: capped so it starts a tick before 10:05",
    given: input("*/5 * * * *", { lastScheduledTime: at(-5 * MINUTE), staggerWindowMs: HOUR }),
    now: at(MINUTE),
    expected: wait(at(146_000), { staggerOffsetMs: 146_000 }),
  },
  {
    scenario: "stagger with a deadline: the deadline counts from the staggered start",
    given: input("@hourly", {
      ...last,
      staggerWindowMs: 10 * MINUTE,
      scheduler: { startingDeadlineSeconds: 60 },
    }),
    now: at(7 * MINUTE),
    expected: create(at(0)),
  },
  {
    scenario: "stagger window 0: no offset",
    given: input("@hourly", { ...last, staggerWindowMs: 0 }),
    now: at(0),
    expected: create(at(0)),
  },
];

describe("decideSessionSchedule: what the CronJob controller would do on this tick", () => {
  describe.each([
    ["macros", macros],
    ["ranges, steps and lists", fields],
    ["daylight saving in Europe/Berlin and America/New_York", daylightSaving],
    ["concurrencyPolicy", concurrency],
    ["startingDeadlineSeconds", startingDeadline],
    ["outages", outages],
    ["paused, suspended, resumed", pausing],
    ["repeated ticks", repeats],
    ["invalid schedules", invalid],
    ["stagger", stagger],
  ] as const)("%s", (_group, rows) => {
    it.each(rows)("$scenario", ({ given, now, expected }) => {
      expect(shown(decideSessionSchedule(given, now))).toMatchObject(expected);
    });
  });

  it("a 100-day outage of an every-minute schedule is decided in well under a second", () => {
    const started = performance.now();

    const decision = decideSessionSchedule(input("* * * * *", { lastScheduledTime: at(-100 * DAY) }), at(0));

    expect(decision.action).toBe("create");
    expect(performance.now() - started).toBeLessThan(500);
  });
});
