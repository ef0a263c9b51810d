import type { ExclusionWindow } from "../../model/schedule-windows.ts";
import type { CronSchedule } from "../schedule/cron.ts";
import { mostRecentScheduleTime, nextScheduleTimes } from "../schedule/schedule-times.ts";
import { placeStart } from "../schedule/schedule-windows.ts";

/**
 * Schedule facts for the fleet view, as pure functions of a parsed schedule and `now`:
 *
 * - interval: the gap between the schedule's two latest times at or before `now` (so "0 2 * * 1-5" on a
 *   Monday morning has a 3-day interval, and a daily schedule across a daylight-saving shift 23 or 25 hours);
 *   when fewer than two times lie in the past, the gap between the next two.
 * - overdue: a schedule time that was due more than one interval ago (at or before now − interval) and after
 *   which no session was created at all. One late run is normal (the tick runs every minute, a stagger window
 *   delays a start); a whole interval without a session is the silent miss.
 */

const DAY_MS = 24 * 3_600_000;
/** The widest look back for the two latest times: a yearly schedule has two within it. */
export const MAX_LOOKBACK_MS = 800 * DAY_MS;

/**
 * How far back the two latest times are searched, narrowest first: three gaps of the next two times (a
 * regular schedule has its two latest there, found in a few steps), then thirty, then 40 and 800 days.
 */
function lookbacks(gapMs: number | undefined): number[] {
  const guesses = gapMs === undefined ? [] : [3 * gapMs, 30 * gapMs];
  return [...guesses.filter((ms) => ms < 40 * DAY_MS), 40 * DAY_MS, MAX_LOOKBACK_MS];
}

export interface ScheduleFacts {
  /** The newest schedule time at or before now. */
  latest?: Date;
  /** The schedule time before `latest`. */
  previous?: Date;
  /** The next schedule time after now. */
  next?: Date;
  /** Milliseconds between the two latest times (else the next two); undefined when the schedule never fires. */
  intervalMs?: number;
}

function latestTwo(schedule: CronSchedule, now: Date, gapMs: number | undefined) {
  let found: { latest?: Date; previous?: Date } = {};
  for (const lookback of lookbacks(gapMs)) {
    const horizon = new Date(now.getTime() - lookback);
    const latest = mostRecentScheduleTime(schedule, horizon, now).mostRecent;
    if (latest === undefined) continue;
    const previous = mostRecentScheduleTime(schedule, horizon, new Date(latest.getTime() - 1)).mostRecent;
    found = previous === undefined ? { latest } : { latest, previous };
    if (previous !== undefined) break;
  }
  return found;
}

export function scheduleFacts(schedule: CronSchedule, now: Date): ScheduleFacts {
  const [next, afterNext] = nextScheduleTimes(schedule, now, 2);
  const gap = next && afterNext ? afterNext.getTime() - next.getTime() : undefined;
  const { latest, previous } = latestTwo(schedule, now, gap);
  const facts: ScheduleFacts = {
    ...(latest ? { latest } : {}),
    ...(previous ? { previous } : {}),
    ...(next ? { next } : {}),
  };
  if (latest && previous) return { ...facts, intervalMs: latest.getTime() - previous.getTime() };
  if (latest && next) return { ...facts, intervalMs: next.getTime() - latest.getTime() };
  if (gap !== undefined) return { ...facts, intervalMs: gap };
  return facts;
}

export interface OverdueInput {
  schedule: CronSchedule;
  intervalMs: number;
  /** Nothing before this was due: the configuration's creation, or when scheduling last resumed. */
  earliest: Date;
  /** The newest time a session of this schedule was created for (any origin), if any. */
  lastSessionAt?: Date;
}

export interface Overdue {
  /** The first schedule time after the last session (or creation) that got no session. */
  dueSince: Date;
  /** Schedule times since the last session up to now that got no session. */
  missedRuns: number;
  /** now − dueSince. */
  overdueMs: number;
}

/** The overdue run of a schedule, or undefined when every time due more than one interval ago has a session. */
export function overdueRun(input: OverdueInput, now: Date): Overdue | undefined {
  const { schedule, intervalMs, earliest, lastSessionAt } = input;
  const from = lastSessionAt !== undefined && lastSessionAt > earliest ? lastSessionAt : earliest;
  const cutoff = new Date(now.getTime() - intervalMs);
  if (cutoff <= from) return undefined;
  if (mostRecentScheduleTime(schedule, from, cutoff).mostRecent === undefined) return undefined;
  const [dueSince] = nextScheduleTimes(schedule, from, 1);
  if (dueSince === undefined) return undefined;
  const missedRuns = mostRecentScheduleTime(schedule, from, now).count;
  return { dueSince, missedRuns, overdueMs: now.getTime() - dueSince.getTime() };
}

/**
 * {@link overdueRun} with the session's exclusion windows (docs/windows.md#policy: held times are not missed):
 * a due run held by Wait windows is due at the hold's end, so it is overdue only once a whole interval has
 * passed since then without a session, and counted from there — the times it stood in for are one run. A run
 * still held, or released less than an interval ago, is not overdue.
 */
export function overdueOutsideWindows(
  input: OverdueInput,
  windows: readonly ExclusionWindow[],
  now: Date,
): Overdue | undefined {
  const overdue = overdueRun(input, now);
  if (overdue === undefined || windows.length === 0) return overdue;
  const hold = placeStart(windows, overdue.dueSince).heldBy;
  if (hold === undefined) return overdue;
  const released = hold.until;
  if (released.getTime() + input.intervalMs > now.getTime()) return undefined;
  const after = mostRecentScheduleTime(input.schedule, released, now).count;
  return { dueSince: released, missedRuns: 1 + after, overdueMs: now.getTime() - released.getTime() };
}

/**
 * The recovery point objective is met while the newest success is no older than the previous schedule time:
 * the last complete cycle produced a backup (the current run may still be going). With no success at all it
 * is breached once a whole cycle has passed since `earliest`.
 */
export function rpoBreached(facts: ScheduleFacts, lastSuccess: Date | undefined, earliest: Date): boolean {
  const previous = facts.previous;
  if (previous === undefined) return false;
  if (lastSuccess === undefined) return earliest < previous;
  return lastSuccess < previous;
}
