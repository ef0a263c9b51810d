import { describe, expect, it } from "vitest";
import { type CronSchedule, parseCronSchedule } from "../../../shared/decide/schedule/cron.ts";
import {
  mostRecentScheduleTime,
  nextScheduleTime,
  nextScheduleTimeFrom,
  nextScheduleTimes,
} from "../../../shared/decide/schedule/schedule-times.ts";
import { formatZonedTime } from "../../../shared/decide/schedule/zoned-time.ts";
import { clockFrom } from "../../support/clock.ts";

/**
 * Schedule math with robfig/cron's meaning. The daylight-saving rows were checked against robfig/cron v3.0.1
 * (the Kubernetes CronJob controller's library) run on the same inputs.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function topOfTheHour(): Date {
  return new Date("2026-11-26T10:00:00Z");
}
const T = topOfTheHour().getTime();
const { atMs } = clockFrom(new Date(T));

function schedule(source: string): CronSchedule {
  const parsed = parseCronSchedule(source);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.schedule;
}

/** The next `count` times as local time with offset, which tells the two passes of a repeated hour apart. */
function localTimes(source: string, after: string, count: number): string[] {
  const s = schedule(source);
  return nextScheduleTimes(s, new Date(after), count).map((time) => formatZonedTime(time, s.timeZone));
}

describe("nextScheduleTimes: macros, ranges, steps and lists", () => {
  it.each([
    ["@hourly", ["2026-11-26T11:00:00+00:00", "2026-11-26T12:00:00+00:00"]],
    ["@daily", ["2026-11-27T00:00:00+00:00", "2026-11-28T00:00:00+00:00"]],
    ["@weekly", ["2026-11-29T00:00:00+00:00", "2026-12-06T00:00:00+00:00"]],
    ["@monthly", ["2026-12-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00"]],
    ["@yearly", ["2027-01-01T00:00:00+00:00", "2028-01-01T00:00:00+00:00"]],
    ["*/20 * * * *", ["2026-11-26T10:20:00+00:00", "2026-11-26T10:40:00+00:00"]],
    ["5,50 9-11 * * *", ["2026-11-26T10:05:00+00:00", "2026-11-26T10:50:00+00:00"]],
    ["0 9 * * MON-FRI", ["2026-11-27T09:00:00+00:00", "2026-11-30T09:00:00+00:00"]],
    ["0 0 1,15 * *", ["2026-12-01T00:00:00+00:00", "2026-12-15T00:00:00+00:00"]],
    ["0 0 13 * 5", ["2026-11-27T00:00:00+00:00", "2026-12-04T00:00:00+00:00"]], // day-of-month OR day-of-week
  ])("%s after Thursday 10:00 UTC", (source, expected) => {
    expect(localTimes(source, topOfTheHour().toISOString(), 2)).toEqual(expected);
  });

  it("is strictly after: a time equal to `after` is not returned", () => {
    expect(nextScheduleTime(schedule("@hourly"), atMs(0))).toEqual(atMs(HOUR));
    expect(nextScheduleTime(schedule("@hourly"), atMs(-1))).toEqual(atMs(0));
  });
});

describe("nextScheduleTimes around daylight-saving shifts, as robfig/cron does", () => {
  it.each([
    [
      "spring forward in Europe/Berlin: 02:30 does not exist on 29 March, no run that night",
      "CRON_TZ=Europe/Berlin 30 2 * * *",
      "2026-03-27T12:00:00Z",
      ["2026-03-28T02:30:00+01:00", "2026-03-30T02:30:00+02:00"],
    ],
    [
      "spring forward in Europe/Berlin: every minute of 02:xx is skipped",
      "CRON_TZ=Europe/Berlin * 2 * * *",
      "2026-03-29T00:58:00Z",
      ["2026-03-30T02:00:00+02:00", "2026-03-30T02:01:00+02:00"],
    ],
    [
      "spring forward in Europe/Berlin: hourly goes from 01:00 CET to 03:00 CEST",
      "CRON_TZ=Europe/Berlin 0 * * * *",
      "2026-03-28T23:30:00Z",
      ["2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00"],
    ],
    [
      "spring forward in America/New_York: 02:30 does not exist on 8 March",
      "TZ=America/New_York 30 2 * * *",
      "2026-03-07T12:00:00Z",
      ["2026-03-09T02:30:00-04:00", "2026-03-10T02:30:00-04:00"],
    ],
    [
      "fall back in Europe/Berlin: 02:30 happens twice on 25 October and runs twice",
      "CRON_TZ=Europe/Berlin 30 2 * * *",
      "2026-10-24T12:00:00Z",
      ["2026-10-25T02:30:00+02:00", "2026-10-25T02:30:00+01:00", "2026-10-26T02:30:00+01:00"],
    ],
    [
      "fall back in Europe/Berlin: asked from between the two passes, the second one is next",
      "CRON_TZ=Europe/Berlin 30 2 * * *",
      "2026-10-25T00:45:00Z",
      ["2026-10-25T02:30:00+01:00", "2026-10-26T02:30:00+01:00"],
    ],
    [
      "fall back in Europe/Berlin: */20 in hour 2 runs through both passes",
      "CRON_TZ=Europe/Berlin */20 2 * * *",
      "2026-10-24T23:30:00Z",
      [
        "2026-10-25T02:00:00+02:00",
        "2026-10-25T02:20:00+02:00",
        "2026-10-25T02:40:00+02:00",
        "2026-10-25T02:00:00+01:00",
        "2026-10-25T02:20:00+01:00",
        "2026-10-25T02:40:00+01:00",
      ],
    ],
    [
      "fall back in America/New_York: 01:30 happens twice on 1 November and runs twice",
      "TZ=America/New_York 30 1 * * *",
      "2026-10-31T12:00:00Z",
      ["2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00", "2026-11-02T01:30:00-05:00"],
    ],
    [
      "fall back in America/New_York: hourly runs at 01:00 EDT and at 01:00 EST",
      "TZ=America/New_York 0 * * * *",
      "2026-11-01T04:30:00Z",
      ["2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00", "2026-11-01T02:00:00-05:00"],
    ],
    [
      "a time zone without daylight saving (Asia/Kolkata, +05:30)",
      "CRON_TZ=Asia/Kolkata 0 9 * * *",
      "2026-11-26T00:00:00Z",
      ["2026-11-26T09:00:00+05:30", "2026-11-27T09:00:00+05:30"],
    ],
  ])("%s", (_scenario, source, after, expected) => {
    expect(localTimes(source, after, expected.length)).toEqual(expected);
  });
});

describe("mostRecentScheduleTime: the newest time in (earliest, now] and how many passed", () => {
  it.each([
    ["nothing passed yet", "@hourly", atMs(-30 * MINUTE), atMs(-MINUTE), { missed: "none", count: 0 }],
    ["exactly on time", "@hourly", atMs(-HOUR), atMs(0), { mostRecent: atMs(0), missed: "none", count: 1 }],
    [
      "a minute late",
      "@hourly",
      atMs(-HOUR),
      atMs(MINUTE),
      { mostRecent: atMs(0), missed: "none", count: 1 },
    ],
    [
      "missed 5 schedules",
      "@hourly",
      atMs(-5 * HOUR),
      atMs(0),
      { mostRecent: atMs(0), missed: "few", count: 5 },
    ],
    [
      "100 passed: still few",
      "* * * * *",
      atMs(-100 * MINUTE),
      atMs(0),
      { mostRecent: atMs(0), missed: "few", count: 100 },
    ],
    [
      "101 passed: many",
      "* * * * *",
      atMs(-101 * MINUTE),
      atMs(0),
      { mostRecent: atMs(0), missed: "many", count: 101 },
    ],
    [
      "100 days of */1: many, counted from the interval",
      "*/1 * * * *",
      atMs(-100 * DAY),
      atMs(30_000),
      { mostRecent: atMs(0), missed: "many", count: 144_000 },
    ],
    [
      "a weekday schedule seen on Sunday after a long outage: Friday's time, not nothing",
      "0 9 * * 1-5",
      new Date("2026-06-03T12:00:00Z"),
      new Date("2026-11-29T12:00:00Z"),
      { mostRecent: new Date("2026-11-27T09:00:00Z"), missed: "many" },
    ],
    [
      "a weekday schedule after Thursday, seen on Sunday: Friday's time",
      "0 9 * * 1-5",
      new Date("2026-11-25T12:00:00Z"),
      new Date("2026-11-29T12:00:00Z"),
      { mostRecent: new Date("2026-11-27T09:00:00Z"), missed: "few", count: 2 },
    ],
  ] as const)("%s", (_scenario, source, earliest, now, expected) => {
    expect(mostRecentScheduleTime(schedule(source), earliest, now)).toMatchObject(expected);
  });

  it("walks at most about 100 times: a decade of an every-minute schedule takes milliseconds", () => {
    const started = performance.now();

    const result = mostRecentScheduleTime(schedule("* * * * *"), atMs(-3650 * DAY), atMs(0));

    expect(result).toMatchObject({ mostRecent: atMs(0), missed: "many" });
    expect(performance.now() - started).toBeLessThan(200);
  });
});

// pkg/controller/cronjob/utils_test.go TestMostRecentScheduleTime, anchored on its top of the hour
// (2016-05-19T10:00:00Z, a Thursday); earliest = lastScheduleTime, else creationTimestamp.
describe("mostRecentScheduleTime: the controller's own cases", () => {
  const top = new Date("2016-05-19T10:00:00Z").getTime();
  const fromTop = (ms: number) => new Date(top + ms);
  it.each([
    ["now before next schedule", "0 * * * *", fromTop(0), fromTop(30_000), { missed: "none", count: 0 }],
    [
      "now just after next schedule",
      "0 * * * *",
      fromTop(0),
      fromTop(61 * MINUTE),
      { mostRecent: fromTop(HOUR), missed: "none" },
    ],
    [
      "missed 5 schedules",
      "0 * * * *",
      fromTop(10_000),
      fromTop(301 * MINUTE),
      { mostRecent: fromTop(5 * HOUR), missed: "few" },
    ],
    [
      "complex schedule",
      "30 6-16/4 * * 1-5",
      fromTop(30 * MINUTE),
      fromTop(DAY + 31 * MINUTE),
      { mostRecent: fromTop(DAY + 30 * MINUTE), missed: "few" },
    ],
    [
      // the controller's single estimate finds nothing here (its test expects nil); we step back and find
      // Friday 12:30, the newest time before now
      "another complex schedule",
      "30 10,11,12 * * 1-5",
      fromTop(30 * MINUTE),
      fromTop(30 * HOUR + 30 * MINUTE),
      { mostRecent: new Date("2016-05-20T12:30:00Z"), missed: "few" },
    ],
    [
      "complex schedule with longer diff between executions",
      "30 6-16/4 * * 1-5",
      fromTop(30 * MINUTE),
      fromTop(96 * HOUR + 31 * MINUTE),
      { mostRecent: fromTop(96 * HOUR + 30 * MINUTE), missed: "few" },
    ],
    [
      "complex schedule with shorter diff between executions",
      "30 6-16/4 * * 1-5",
      fromTop(0),
      fromTop(DAY + 31 * MINUTE),
      { mostRecent: fromTop(DAY + 30 * MINUTE), missed: "few" },
    ],
    [
      "@every schedule",
      "@every 1h",
      fromTop(MINUTE),
      fromTop(7 * DAY),
      { mostRecent: fromTop(6 * DAY + 23 * HOUR + MINUTE), missed: "many", count: 167 },
    ],
    [
      "rogue cronjob (31 February)",
      "59 23 31 2 *",
      fromTop(10_000),
      fromTop(HOUR),
      { missed: "none", count: 0 },
    ],
    [
      "earliestTime being CreationTimestamp and LastScheduleTime",
      "0 * * * *",
      fromTop(0),
      fromTop(30_000),
      { missed: "none", count: 0 },
    ],
    [
      "earliestTime being LastScheduleTime",
      "*/5 * * * *",
      fromTop(30 * MINUTE),
      fromTop(31 * MINUTE),
      { count: 0 },
    ],
  ] as const)("%s", (_scenario, source, earliest, now, expected) => {
    expect(mostRecentScheduleTime(schedule(source), earliest, now)).toMatchObject(expected);
  });
});

describe("@every: robfig's ConstantDelaySchedule", () => {
  // constantdelay_test.go TestConstantDelayNext, as instants (robfig reads its times in the local zone)
  it.each([
    ["2012-07-09T14:59:00Z", "@every 15m", "2012-07-09T15:14:00Z"],
    ["2012-07-09T14:59:59Z", "@every 15m", "2012-07-09T15:14:59Z"],
    ["2012-07-09T15:45:00Z", "@every 35m", "2012-07-09T16:20:00Z"],
    ["2012-07-09T23:46:00Z", "@every 14m", "2012-07-10T00:00:00Z"],
    ["2012-07-09T23:45:00Z", "@every 35m", "2012-07-10T00:20:00Z"],
    ["2012-07-09T23:35:51Z", "@every 44m24s", "2012-07-10T00:20:15Z"],
    ["2012-07-09T23:35:51Z", "@every 25h44m24s", "2012-07-11T01:20:15Z"],
    ["2012-07-09T23:35:00Z", "@every 2184h25m", "2012-10-09T00:00:00Z"],
    ["2012-12-31T23:59:45Z", "@every 15s", "2013-01-01T00:00:00Z"],
    ["2012-07-09T14:45:00Z", "@every 15m0.00000005s", "2012-07-09T15:00:00Z"],
    ["2012-07-09T14:45:00Z", "@every 15ms", "2012-07-09T14:45:01Z"],
    ["2012-07-09T14:45:00.005Z", "@every 15m", "2012-07-09T15:00:00Z"],
  ])("after %s, %s: %s", (after, source, expected) => {
    expect(nextScheduleTime(schedule(source), new Date(after))).toEqual(new Date(expected));
  });

  it("counts from the given start, not from now", () => {
    const s = schedule("@every 40m");
    expect(nextScheduleTimes(s, atMs(0), 3)).toEqual([
      atMs(40 * MINUTE),
      atMs(80 * MINUTE),
      atMs(120 * MINUTE),
    ]);
    expect(nextScheduleTimeFrom(s, atMs(-HOUR), atMs(0))).toEqual(atMs(20 * MINUTE));
    expect(nextScheduleTimeFrom(s, atMs(-HOUR), atMs(20 * MINUTE))).toEqual(atMs(60 * MINUTE));
    expect(nextScheduleTimeFrom(s, atMs(HOUR), atMs(0))).toEqual(atMs(100 * MINUTE));
  });

  it.each([
    ["nothing passed", atMs(-30 * MINUTE), atMs(0), { missed: "none", count: 0 }],
    ["one passed", atMs(-HOUR), atMs(0), { mostRecent: atMs(0), missed: "none", count: 1 }],
    [
      "100 passed: few",
      atMs(-100 * HOUR),
      atMs(30 * MINUTE),
      { mostRecent: atMs(0), missed: "few", count: 100 },
    ],
    [
      "101 passed: many, counted exactly",
      atMs(-101 * HOUR),
      atMs(0),
      { mostRecent: atMs(0), missed: "many", count: 101 },
    ],
    ["a decade, exactly", atMs(-3650 * DAY), atMs(0), { mostRecent: atMs(0), missed: "many", count: 87_600 }],
  ] as const)("mostRecentScheduleTime of @every 1h: %s", (_scenario, earliest, now, expected) => {
    expect(mostRecentScheduleTime(schedule("@every 1h"), earliest, now)).toEqual(expected);
  });
});

describe("formatZonedTime", () => {
  it.each([
    ["2026-07-01T12:00:00Z", "Europe/Berlin", "2026-07-01T14:00:00+02:00"],
    ["2026-12-01T12:00:00Z", "America/New_York", "2026-12-01T07:00:00-05:00"],
    ["2026-12-01T12:00:00Z", "UTC", "2026-12-01T12:00:00+00:00"],
    ["2026-12-01T12:00:00Z", "Asia/Kolkata", "2026-12-01T17:30:00+05:30"],
  ])("%s in %s is %s", (instant, zone, local) => {
    expect(formatZonedTime(new Date(instant), zone)).toBe(local);
  });
});
