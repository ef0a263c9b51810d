import { describe, expect, it } from "vitest";
import { decideSessionSchedule } from "../../../shared/decide/schedule/due-sessions.ts";
import {
  type MissedRunsInput,
  missedRecord,
  missedScheduleConditions,
  newlyMissedRuns,
  recordedMisses,
} from "../../../shared/decide/schedule/missed-schedules.ts";
import { toKubeTime } from "../../../shared/model/time.ts";
import { atMs, DAY, HOUR, input, MINUTE, type Setup } from "../../support/session-schedule-rows.ts";

/**
 * The missed-run rule (docs/decisions.md#missed-schedules) on a fixed clock: the anchor atMs(0) is a schedule
 * time; its create failed on its own tick. Each row: what the scheduler decides at `now`, and what is
 * counted as missed (once: `recorded` is what an earlier tick already counted).
 */

interface Row {
  scenario: string;
  schedule: string;
  setup: Setup;
  now: Date;
  recorded?: Date;
  lastCreatedAt?: Date;
  decision: string;
  missed?: { newest: Date; reason: string; count: number };
}

const daily = "0 10 * * *";
const lastDay = { lastScheduledTime: atMs(-DAY) };

const rows: Row[] = [
  {
    scenario: "on time: created on its own tick, nothing missed",
    schedule: daily,
    setup: lastDay,
    now: atMs(5_000),
    decision: "create",
  },
  {
    scenario: "missed 10:00 seen at 10:01: created late, counted once as StartedLate",
    schedule: daily,
    setup: lastDay,
    now: atMs(MINUTE),
    decision: "create",
    missed: { newest: atMs(0), reason: "StartedLate", count: 1 },
  },
  {
    scenario: "90 s of failures: created late at 10:02, counted once",
    schedule: daily,
    setup: lastDay,
    now: atMs(2 * MINUTE),
    decision: "create",
    missed: { newest: atMs(0), reason: "StartedLate", count: 1 },
  },
  {
    scenario: "59 s late is still its own tick (a retry inside the invocation): not missed",
    schedule: daily,
    setup: lastDay,
    now: atMs(59_000),
    decision: "create",
  },
  {
    scenario: "startingDeadlineSeconds 30, seen at 10:01: not created, counted as MissedStartingDeadline",
    schedule: daily,
    setup: { ...lastDay, scheduler: { startingDeadlineSeconds: 30 } },
    now: atMs(MINUTE),
    decision: "missed-deadline",
    missed: { newest: atMs(0), reason: "MissedStartingDeadline", count: 1 },
  },
  {
    scenario: "startingDeadlineSeconds 30, the next ticks: the same miss is not counted again",
    schedule: daily,
    setup: { ...lastDay, scheduler: { startingDeadlineSeconds: 30 } },
    now: atMs(5 * HOUR),
    recorded: atMs(0),
    decision: "missed-deadline",
  },
  {
    scenario: "startingDeadlineSeconds 300, seen at 10:02: created late within the deadline, counted",
    schedule: daily,
    setup: { ...lastDay, scheduler: { startingDeadlineSeconds: 300 } },
    now: atMs(2 * MINUTE),
    decision: "create",
    missed: { newest: atMs(0), reason: "StartedLate", count: 1 },
  },
  {
    scenario: "every minute, 10:00 failed, seen at 10:01: the newer time wins, 10:00 counted as superseded",
    schedule: "* * * * *",
    setup: { lastScheduledTime: atMs(-MINUTE) },
    now: atMs(MINUTE),
    decision: "create",
    missed: { newest: atMs(0), reason: "SupersededByNewerSchedule", count: 1 },
  },
  {
    scenario: "every minute, 10:00 to 10:02 failed, 10:03 created on time: 3 superseded, counted at once",
    schedule: "* * * * *",
    setup: { lastScheduledTime: atMs(-MINUTE) },
    now: atMs(3 * MINUTE + 1_000),
    decision: "create",
    missed: { newest: atMs(2 * MINUTE), reason: "SupersededByNewerSchedule", count: 3 },
  },
  {
    scenario: "a deadline-missed time later superseded by the next create is not counted twice",
    schedule: daily,
    setup: { ...lastDay, scheduler: { startingDeadlineSeconds: 30 } },
    now: atMs(DAY + 5_000),
    recorded: atMs(0),
    decision: "create",
  },
  {
    scenario:
      "the create happened late but its status write failed: the next tick counts it from the session",
    schedule: daily,
    setup: { lastScheduledTime: atMs(0) },
    now: atMs(3 * MINUTE),
    lastCreatedAt: atMs(2 * MINUTE),
    decision: "wait",
    missed: { newest: atMs(0), reason: "StartedLate", count: 1 },
  },
  {
    scenario: "the late session already counted: nothing on the next tick",
    schedule: daily,
    setup: { lastScheduledTime: atMs(0) },
    now: atMs(3 * MINUTE),
    recorded: atMs(0),
    lastCreatedAt: atMs(2 * MINUTE),
    decision: "wait",
  },
  {
    scenario: "a session created on time: nothing on the next tick",
    schedule: daily,
    setup: { lastScheduledTime: atMs(0) },
    now: atMs(MINUTE),
    lastCreatedAt: atMs(1_000),
    decision: "wait",
  },
  {
    scenario: "after a pause: times missed while paused are not counted (resume after pause)",
    schedule: "* * * * *",
    setup: { lastScheduledTime: atMs(-HOUR), resumedAt: atMs(-30_000) },
    now: atMs(0),
    decision: "create",
  },
];

describe("missed schedule times: started late once, never a burst, counted once", () => {
  it.each(rows)("$scenario", (row) => {
    const given = input(row.schedule, row.setup);
    const decision = decideSessionSchedule(given, row.now);
    expect(decision.action).toBe(row.decision);
    const missedInput: MissedRunsInput = {
      input: given,
      decision,
      ...(row.recorded ? { recorded: row.recorded } : {}),
      ...(row.lastCreatedAt ? { lastCreatedAt: row.lastCreatedAt } : {}),
    };
    expect(newlyMissedRuns(missedInput, row.now)).toEqual(row.missed);
  });
});

describe("the ScheduleMissed condition: the newest counted time and the running total", () => {
  it("records a miss, keeps the total across misses and ignores one already counted", () => {
    // Prepare
    const first = { newest: atMs(0), reason: "StartedLate" as const, count: 1 };
    const second = { newest: atMs(DAY), reason: "MissedStartingDeadline" as const, count: 2 };
    // Act
    const once = missedScheduleConditions([], first, atMs(2 * MINUTE));
    const again = missedScheduleConditions(once, first, atMs(3 * MINUTE));
    const twice = missedScheduleConditions(once, second, atMs(DAY + MINUTE));
    // Assess
    expect(once).toEqual([
      {
        type: "ScheduleMissed",
        status: "True",
        reason: "StartedLate",
        message: `Last missed: ${toKubeTime(atMs(0))} started late: its session could not be created on its own tick. Missed in total: 1.`,
        lastTransitionTime: toKubeTime(atMs(2 * MINUTE)),
      },
    ]);
    expect(again).toEqual(once);
    expect(missedRecord(twice)).toEqual({
      newest: atMs(DAY),
      total: 3,
      reason: "MissedStartingDeadline",
      since: atMs(2 * MINUTE),
    });
    expect(recordedMisses(once, twice)).toBe(2);
    expect(recordedMisses(once, again)).toBe(0);
    expect(recordedMisses(undefined, once)).toBe(1);
  });
});
