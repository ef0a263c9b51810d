import { describe, expect, it } from "vitest";
import {
  atMs,
  create,
  expectRow,
  HOUR,
  input,
  last,
  MINUTE,
  nameAt,
  type Row,
  running,
  utc,
  wait,
} from "../../support/session-schedule-rows.ts";

/** Rows: given a schedule, the last scheduled time and now, which time is due (or when to come back). */

const macros: Row[] = [
  {
    scenario: "@hourly at the top of the hour: create",
    given: input("@hourly", { lastScheduledTime: atMs(-HOUR) }),
    now: atMs(0),
    expected: create(atMs(0)),
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
    now: atMs(0),
    expected: wait(utc("2027-01-01T00:00:00Z")),
  },
];

const fields: Row[] = [
  {
    scenario: "*/15 at 10:45 after 10:30: create 10:45",
    given: input("*/15 * * * *", { lastScheduledTime: atMs(30 * MINUTE) }),
    now: atMs(45 * MINUTE),
    expected: create(atMs(45 * MINUTE)),
  },
  {
    scenario: "working hours 0 9-17 * * 1-5 on a Saturday: wait for Monday 09:00",
    given: input("0 9-17 * * 1-5", { lastScheduledTime: utc("2026-11-27T17:00:00Z") }),
    now: utc("2026-11-28T10:00:00Z"),
    expected: wait(utc("2026-11-30T09:00:00Z")),
  },
  {
    scenario: "list 5,35 at 10:35: create 10:35",
    given: input("5,35 * * * *", { lastScheduledTime: atMs(5 * MINUTE) }),
    now: atMs(35 * MINUTE),
    expected: create(atMs(35 * MINUTE)),
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
    now: atMs(0),
    expected: wait(utc("2026-11-27T08:30:00Z")),
  },
  {
    scenario: "range with a step 10-50/20 at 10:30 after 10:10: create 10:30",
    given: input("10-50/20 * * * *", { lastScheduledTime: atMs(10 * MINUTE) }),
    now: atMs(30 * MINUTE),
    expected: create(atMs(30 * MINUTE)),
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

const repeats: Row[] = [
  {
    scenario: "a second tick in the same minute after the session was created: wait",
    given: input("@hourly", { lastScheduledTime: atMs(0) }),
    now: atMs(20_000),
    expected: wait(atMs(HOUR)),
  },
  {
    scenario: "status not updated yet but the session already runs: wait",
    given: input("@hourly", { ...last, activeSessions: running(nameAt(atMs(0))) }),
    now: atMs(30_000),
    expected: wait(atMs(HOUR)),
  },
  {
    scenario: "one second before the scheduled time: wait for it",
    given: input("@hourly", last),
    now: atMs(-1000),
    expected: wait(atMs(0)),
  },
  {
    scenario: "last scheduled time in the future (clock skew): wait past it",
    given: input("@hourly", { lastScheduledTime: atMs(HOUR) }),
    now: atMs(0),
    expected: wait(atMs(2 * HOUR)),
  },
];

const invalid: Row[] = [
  {
    scenario: "invalid cron: six fields",
    given: input("0 0 * * * *"),
    now: atMs(0),
    expected: { action: "invalid", error: expect.stringContaining("expected 5 fields") },
  },
  {
    scenario: "invalid cron: unknown time zone",
    given: input("CRON_TZ=Mars/Olympus 0 * * * *"),
    now: atMs(0),
    expected: { action: "invalid", error: expect.stringContaining("unknown time zone") },
  },
  {
    scenario: "a schedule that can never fire: 30 February",
    given: input("0 0 30 2 *"),
    now: atMs(0),
    expected: { action: "invalid" },
  },
  {
    scenario: "invalid cron on a paused configuration is still reported",
    given: input("not a cron", { paused: true }),
    now: atMs(0),
    expected: { action: "invalid" },
  },
  {
    scenario: "no scheduler: manual sessions only",
    given: input(undefined),
    now: atMs(0),
    expected: { action: "unscheduled" },
  },
];

describe("decideSessionSchedule: which time is due, as the CronJob controller reads a schedule", () => {
  describe.each([
    ["macros", macros],
    ["ranges, steps and lists", fields],
    ["daylight saving in Europe/Berlin and America/New_York", daylightSaving],
    ["repeated ticks", repeats],
    ["invalid schedules", invalid],
  ] as const)("%s", (_group, rows) => {
    it.each(rows)("$scenario", expectRow);
  });
});
