import { describe, expect, it } from "vitest";
import { parseCronSchedule } from "../../../shared/decide/schedule/cron.ts";
import {
  decideSessionSchedule,
  nextScheduleAfter,
  type SessionScheduleDecision,
  upcomingScheduleTime,
} from "../../../shared/decide/schedule/due-sessions.ts";
import {
  atMs,
  create,
  DAY,
  expectRow,
  HOUR,
  input,
  MINUTE,
  type Row,
  running,
  wait,
} from "../../support/session-schedule-rows.ts";

/**
 * `@every <d>` in the scheduler: robfig's ConstantDelaySchedule, counted from the last scheduled time as the
 * controller counts it from lastScheduleTime (pkg/controller/cronjob/utils.go mostRecentScheduleTime).
 * Anchor: Thursday 2026-11-26 10:00 UTC.
 */

const SECOND = 1000;

const rows: Row[] = [
  {
    scenario: "an hour after the last time: create last + 1h",
    given: input("@every 1h", { lastScheduledTime: atMs(-HOUR + 7 * MINUTE) }),
    now: atMs(7 * MINUTE + 20 * SECOND),
    expected: create(atMs(7 * MINUTE)),
  },
  {
    scenario: "before last + 1h: wait for it, not for now + 1h",
    given: input("@every 1h", { lastScheduledTime: atMs(-20 * MINUTE) }),
    now: atMs(0),
    expected: wait(atMs(40 * MINUTE)),
  },
  {
    scenario: "no session yet: counted from the configuration's creation",
    given: input("@every 90m", { createdAt: atMs(-HOUR) }),
    now: atMs(30 * MINUTE),
    expected: create(atMs(30 * MINUTE)),
  },
  {
    scenario: "created with fractions of a second: cut to the second first (robfig's Next)",
    given: input("@every 10m", { createdAt: new Date(atMs(0).getTime() + 700) }),
    now: atMs(10 * MINUTE + 30 * SECOND),
    expected: create(atMs(10 * MINUTE)),
  },
  {
    scenario: "after a resume: counted from the resume, nothing missed while paused",
    given: input("@every 1h", { lastScheduledTime: atMs(-5 * DAY), resumedAt: atMs(-30 * MINUTE) }),
    now: atMs(30 * MINUTE),
    expected: create(atMs(30 * MINUTE), { missed: "none", missedCount: 0 }),
  },
  {
    scenario: "an outage of 5 intervals: only the newest runs, 4 missed",
    given: input("@every 30m", { lastScheduledTime: atMs(-150 * MINUTE) }),
    now: atMs(MINUTE),
    expected: create(atMs(0), { missed: "few", missedCount: 4 }),
  },
  {
    // utils_test.go TestMostRecentScheduleTime "@every schedule": last a minute after the hour, a week later
    scenario: "a week of @every 1h after the last time: the newest (167th) time, too many missed",
    given: input("@every 1h", { lastScheduledTime: atMs(MINUTE) }),
    now: atMs(7 * DAY),
    expected: create(atMs(6 * DAY + 23 * HOUR + MINUTE), { missed: "many", missedCount: 166 }),
  },
  {
    scenario: "within startingDeadlineSeconds: started late",
    given: input("@every 1h", {
      lastScheduledTime: atMs(-HOUR),
      scheduler: { startingDeadlineSeconds: 120 },
    }),
    now: atMs(2 * MINUTE),
    expected: create(atMs(0)),
  },
  {
    scenario: "past startingDeadlineSeconds: missed, and the next time is still last + 2h",
    given: input("@every 1h", {
      lastScheduledTime: atMs(-HOUR),
      scheduler: { startingDeadlineSeconds: 60 },
    }),
    now: atMs(2 * MINUTE),
    expected: {
      action: "missed-deadline",
      scheduledTime: "2026-11-26T10:00:00Z",
      next: "2026-11-26T11:00:00Z",
    },
  },
  {
    scenario: "every 10s seen on a minute tick: the newest of the six, five missed",
    given: input("@every 10s", { lastScheduledTime: atMs(-MINUTE) }),
    now: atMs(5 * SECOND),
    expected: create(atMs(0), { missed: "few", missedCount: 5 }),
  },
  {
    scenario: "Forbid with the previous one running: created Skipped",
    given: input("@every 1h", { lastScheduledTime: atMs(-HOUR), activeSessions: running("app-hourly-1") }),
    now: atMs(0),
    expected: { action: "skip-create", scheduledTime: "2026-11-26T10:00:00Z" },
  },
  {
    scenario: "paused: the next time of the schedule, counted from the last one",
    given: input("@every 45m", { lastScheduledTime: atMs(-10 * MINUTE), paused: true }),
    now: atMs(0),
    expected: { action: "paused", next: "2026-11-26T10:35:00Z" },
  },
  {
    scenario: "a time-zone prefix changes nothing",
    given: input("CRON_TZ=Asia/Tokyo @every 1h", { lastScheduledTime: atMs(-HOUR + 7 * MINUTE) }),
    now: atMs(7 * MINUTE),
    expected: create(atMs(7 * MINUTE)),
  },
];

describe("decideSessionSchedule with @every", () => {
  it.each(rows)("$scenario", expectRow);
});

describe("upcomingScheduleTime and nextScheduleAfter (status.sessions[].nextSchedule)", () => {
  const every = (source: string) => {
    const parsed = parseCronSchedule(source);
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.schedule;
  };

  it.each([
    [
      "@every 1h from the last time",
      "@every 1h",
      { lastScheduledTime: atMs(-20 * MINUTE) },
      atMs(40 * MINUTE),
    ],
    ["@every 1h from creation", "@every 1h", { createdAt: atMs(-90 * MINUTE) }, atMs(30 * MINUTE)],
    [
      "a cron schedule: the first time after now",
      "*/15 * * * *",
      { lastScheduledTime: atMs(-HOUR) },
      atMs(15 * MINUTE),
    ],
  ])("%s", (_scenario, source, setup, expected) => {
    const given = input(source, setup);
    expect(upcomingScheduleTime(given, every(source), atMs(MINUTE))).toEqual(expected);
  });

  it("after a create, the next time counts from the created one", () => {
    const given = input("@every 1h", { lastScheduledTime: atMs(-HOUR - 5 * MINUTE) });
    const decision = decideSessionSchedule(given, atMs(0));
    expect(decision).toMatchObject({ action: "create", scheduledTime: atMs(-5 * MINUTE) });

    expect(nextScheduleAfter(given, decision, atMs(0))).toEqual(atMs(55 * MINUTE));
  });

  it("after a missed deadline, the last time stays, so does the count", () => {
    const given = input("@every 1h", {
      lastScheduledTime: atMs(-2 * HOUR),
      scheduler: { startingDeadlineSeconds: 10 },
    });
    const decision: SessionScheduleDecision = decideSessionSchedule(given, atMs(MINUTE));
    expect(decision.action).toBe("missed-deadline");

    expect(nextScheduleAfter(given, decision, atMs(MINUTE))).toEqual(atMs(HOUR));
  });
});
