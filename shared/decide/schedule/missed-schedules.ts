import type { Condition } from "../../model/common.ts";
import { findCondition, ScheduleMissedCondition as M, setCondition } from "../../model/conditions.ts";
import { toKubeTime } from "../../model/time.ts";
import type { CronSchedule } from "./cron.ts";
import {
  earliestScheduleTime,
  plannedStart,
  type SessionScheduleDecision,
  type SessionScheduleInput,
  scheduleOf,
} from "./due-sessions.ts";
import { TICK_MS } from "./overdue-notice.ts";
import { mostRecentScheduleTime, scheduleTimesAfter } from "./schedule-times.ts";
import { openWindowsAt } from "./schedule-windows.ts";

/**
 * Which schedule times a tick finds missed, each counted once (docs/decisions.md#missed-schedules). A time is
 * missed when it did not get its session on its own tick:
 *
 * - started late: its session is created a tick or more after its (staggered) start — its create failed on
 *   its own tick, every delivery of that tick failed, or the tick itself came late;
 * - past startingDeadlineSeconds: it is never started;
 * - superseded: a newer time was due before it got a session (only the newest is started, never a burst).
 *
 * A time an exclusion window covers is no miss: held (Wait) or Skipped on purpose (docs/windows.md#policy);
 * lateness counts from the start the windows moved it to. A run created Skipped past its start window is
 * counted as MissedStartingDeadline (docs/windows.md#start-window).
 *
 * The newest missed time counted so far is kept in the ScheduleMissed condition of the configuration's
 * `status.sessions[]` (with the running total): a time at or before it is not counted again, so ticks that
 * see the same miss (a deadline missed for a whole day, a retried delivery) count it once. The caller counts
 * what the status write actually recorded.
 */

export type MissedReason = (typeof M)[keyof Omit<typeof M, "type">];

/** The misses a tick newly finds for one session. */
export interface MissedRuns {
  /** The newest of them: what the condition records. */
  newest: Date;
  reason: MissedReason;
  /** How many schedule times are newly missed (not counted by an earlier tick). */
  count: number;
}

/** What the ScheduleMissed condition records. */
export interface MissedRecord {
  newest: Date;
  total: number;
  reason?: string;
  /** When the first miss was recorded. */
  since: Date;
}

/** A session created late is still noticed this long after its creation (its first status write failed). */
export const LATE_START_LOOKBACK_MS = 15 * 60_000;

export interface MissedRunsInput {
  input: SessionScheduleInput;
  decision: SessionScheduleDecision;
  /** The newest missed time already counted (the ScheduleMissed condition). */
  recorded?: Date;
  /** When the session of `input.lastScheduledTime` was created (its creationTimestamp). */
  lastCreatedAt?: Date;
}

function isLate(input: SessionScheduleInput, scheduledTime: Date, createdAt: Date): boolean {
  const parsed = scheduleOf(input);
  if (!parsed?.ok) return false;
  const { startAt } = plannedStart(input, parsed.schedule, scheduledTime);
  return createdAt.getTime() - startAt.getTime() >= TICK_MS;
}

/** Beyond this many times in between, window-covered ones are not told apart (the count is the plain one). */
const WINDOW_SCAN_LIMIT = 1000;

/** The schedule times in (from, due) not started, less those an exclusion window covers. */
function supersededCount(input: SessionScheduleInput, schedule: CronSchedule, from: Date, due: Date): number {
  if (due <= from) return 0;
  const plain = mostRecentScheduleTime(schedule, from, due).count - 1;
  const windows = input.windows ?? [];
  if (windows.length === 0 || plain <= 0 || plain > WINDOW_SCAN_LIMIT) return plain;
  let count = 0;
  for (const time of scheduleTimesAfter(schedule, from)) {
    if (time >= due) break;
    const { startAt } = plannedStart({ ...input, windows: [] }, schedule, time);
    if (openWindowsAt(windows, startAt).length === 0) count++;
  }
  return count;
}

/** The schedule times this tick finds missed that no earlier tick counted; undefined when none. */
export function newlyMissedRuns(given: MissedRunsInput, now: Date): MissedRuns | undefined {
  const { input, decision, recorded, lastCreatedAt } = given;
  const parsed = scheduleOf(input);
  if (!parsed?.ok) return undefined;
  const schedule = parsed.schedule;
  const earliest = earliestScheduleTime(input.createdAt, input.lastScheduledTime, input.resumedAt);
  const from = recorded !== undefined && recorded > earliest ? recorded : earliest;
  const uncounted = (time: Date) => recorded === undefined || time > recorded;
  switch (decision.action) {
    case "create":
    case "skip-create":
    case "replace": {
      const due = decision.scheduledTime;
      // Times in (from, due): due more recently than anything counted, and never started.
      const superseded = supersededCount(input, schedule, from, due);
      if (decision.action === "skip-create" && decision.expired === true && uncounted(due)) {
        return { newest: due, reason: M.MissedStartingDeadline, count: superseded + 1 };
      }
      const late = uncounted(due) && isLate(input, due, now);
      const count = superseded + (late ? 1 : 0);
      if (count === 0) return undefined;
      if (late) return { newest: due, reason: M.StartedLate, count };
      const before = mostRecentScheduleTime(schedule, from, new Date(due.getTime() - 1)).mostRecent;
      return before ? { newest: before, reason: M.Superseded, count } : undefined;
    }
    case "missed-deadline": {
      const due = decision.scheduledTime;
      if (!uncounted(due) || due <= from) return undefined;
      const count = mostRecentScheduleTime(schedule, from, due).count;
      return { newest: due, reason: M.MissedStartingDeadline, count: Math.max(1, count) };
    }
    case "wait": {
      // The newest session was created late, but the write that would have counted it failed.
      const last = input.lastScheduledTime;
      if (last === undefined || lastCreatedAt === undefined || !uncounted(last)) return undefined;
      if (now.getTime() - lastCreatedAt.getTime() > LATE_START_LOOKBACK_MS) return undefined;
      return isLate(input, last, lastCreatedAt)
        ? { newest: last, reason: M.StartedLate, count: 1 }
        : undefined;
    }
    default:
      return undefined;
  }
}

const MESSAGE = /^Last missed: (\S+) .*Missed in total: (\d+)\.$/s;

/** What the ScheduleMissed condition says, or undefined when nothing was missed (or it cannot be read). */
export function missedRecord(conditions: ReadonlyArray<Condition> | undefined): MissedRecord | undefined {
  const condition = findCondition(conditions, M.type);
  const match = condition?.status === "True" ? MESSAGE.exec(condition.message ?? "") : null;
  const newest = match?.[1] ? new Date(match[1]) : undefined;
  if (!condition || !match || newest === undefined || Number.isNaN(newest.getTime())) return undefined;
  return {
    newest,
    total: Number(match[2]),
    ...(condition.reason ? { reason: condition.reason } : {}),
    since: new Date(condition.lastTransitionTime),
  };
}

const EXPLAINED: Record<MissedReason, string> = {
  [M.StartedLate]: "started late: its session could not be created on its own tick",
  [M.MissedStartingDeadline]: "not started: too late by startingDeadlineSeconds or its start window",
  [M.Superseded]: "not started: a newer schedule time was due before its session could be created",
};

/** The conditions with `missed` recorded (the only writer of ScheduleMissed); unchanged when already counted. */
export function missedScheduleConditions(
  previous: ReadonlyArray<Condition> | undefined,
  missed: MissedRuns | undefined,
  now: Date,
): Condition[] {
  const record = missedRecord(previous);
  if (missed === undefined || (record !== undefined && missed.newest <= record.newest))
    return [...(previous ?? [])];
  const total = (record?.total ?? 0) + missed.count;
  const others = missed.count > 1 ? ` (${missed.count} schedule times this time)` : "";
  return setCondition(
    previous,
    {
      type: M.type,
      status: "True",
      reason: missed.reason,
      message: `Last missed: ${toKubeTime(missed.newest)} ${EXPLAINED[missed.reason]}${others}. Missed in total: ${total}.`,
    },
    now,
  );
}

/** How many misses a status write recorded: the total after minus before (0 when nothing was written). */
export function recordedMisses(
  before: ReadonlyArray<Condition> | undefined,
  after: ReadonlyArray<Condition> | undefined,
): number {
  return Math.max(0, (missedRecord(after)?.total ?? 0) - (missedRecord(before)?.total ?? 0));
}
