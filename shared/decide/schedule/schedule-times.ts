import { type CronFieldSchedule, type CronSchedule, dayMatches, type EverySchedule } from "./cron.ts";
import { utcOffsetMs } from "./zoned-time.ts";

/**
 * Schedule math on a parsed schedule, with the meaning the Kubernetes CronJob controller gives it (it uses
 * robfig/cron v3): a schedule's times are exactly the instants whose local time in its zone matches all five
 * fields. robfig walks real time and compares local fields, which gives, around daylight-saving shifts:
 *
 * - Spring forward (a local time that does not exist, 02:30 on the night Berlin jumps from 02:00 to 03:00):
 *   no run that night; the next one is 02:30 the day after.
 * - Fall back (a local time that happens twice, 02:30 on the night Berlin goes from 03:00 back to 02:00):
 *   a run at both instants, 02:30 CEST and 02:30 CET (the known kubernetes/kubernetes#121594).
 *
 * The matching local times ("walls") are listed in order on a UTC-like axis, where no shifts happen; each
 * wall is then mapped to the zero, one or two instants that have that local time. (cron-parser, used here
 * before, answers both shifts differently when given the zone and reads some field syntax differently
 * from robfig: docs/decisions.md#cron-grammar.)
 *
 * `@every <d>` (robfig's ConstantDelaySchedule) has no wall clock: its next time after t is t, cut to the
 * second, plus d. Counted from the last scheduled time (the controller's lastScheduleTime), its times are
 * last + k × d; see nextScheduleTimeFrom.
 *
 * Checked against robfig/cron v3.0.1 itself (a Go program fed the same inputs): 16 schedules, every half
 * hour across three days around each 2026 shift, in Berlin, New York, Santiago, Kolkata and UTC, the next six
 * times each: 138,240 cases, all equal. The walls below replaced cron-parser's and were checked the same
 * way: 2,564 random schedules (names, ranges, steps, lists, ?, both day fields, descriptors) in UTC, Berlin,
 * New York, Santiago, Kolkata, Sydney, London and Auckland, six next times from nine instants around the
 * 2026 shifts and year ends: 137,916 times, all equal; test/fixtures/robfig-cron keeps a smaller set.
 * Not reproduced: robfig's quirks in zones that shift by half an hour (Lord Howe: it returns 02:30 for
 * "30 1 * * 0" on the spring-forward night and skips some times after the fall-back) and its special case
 * for zones whose midnight is skipped (old São Paulo rules).
 */

/** More missed schedule times than this is "many" (the controller's threshold, and our iteration bound). */
export const MANY_MISSED = 100;

export type MissedSchedules = "none" | "few" | "many";

export interface MostRecentSchedule {
  /** The newest schedule time in (earliest, now], if any. */
  mostRecent?: Date;
  /** none: at most one time passed (the normal on-time case); few: 2..100; many: more than 100. */
  missed: MissedSchedules;
  /** Schedule times in (earliest, now], the newest included; above 100 estimated from the interval. */
  count: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** How far around an instant a daylight-saving shift is looked for (real shifts are 30 minutes to 2 hours). */
const SHIFT_WINDOW_MS = 3 * HOUR_MS;
/** Every UTC offset in use lies within this of zero, so a wall's instants lie within it of the wall. */
const OFFSET_SPAN_MS = 15 * HOUR_MS;

/** Local time of an instant, as milliseconds on a UTC-like axis. */
function wallOf(epochMs: number, zone: string): number {
  return epochMs + utcOffsetMs(epochMs, zone);
}

/** The offsets that can be in force for a local time `wall` (one, or two around a shift). */
function offsetsNear(wall: number, zone: string): number[] {
  const before = utcOffsetMs(wall - OFFSET_SPAN_MS, zone);
  const after = utcOffsetMs(wall + OFFSET_SPAN_MS, zone);
  return before === after ? [before] : [before, after];
}

/** The instants whose local time is `wall`: none in a spring-forward gap, two in a fall-back hour. */
function instantsOf(wall: number, offsets: readonly number[], zone: string): number[] {
  return offsets
    .map((offset) => wall - offset)
    .filter((instant) => wallOf(instant, zone) === wall)
    .sort((a, b) => a - b);
}

const DAY_MS = 24 * HOUR_MS;

/** The first value of `allowed` (ascending) at or above `value`, if any. */
function firstAtOrAbove(allowed: readonly number[], value: number): number | undefined {
  for (const candidate of allowed) if (candidate >= value) return candidate;
  return undefined;
}

/**
 * Matching local times after `wall`, in order, on a UTC-like axis (no shifts there), found as robfig's
 * SpecSchedule.Next finds them: month, then day, then hour, then minute; like robfig, the search for each
 * next time gives up past the end of the fifth year after the time it starts from (a schedule such as
 * "0 0 30 2 *" never fires).
 */
function* wallsAfter(schedule: CronFieldSchedule, wall: number): Generator<number, void, undefined> {
  let t = Math.floor(wall / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  let yearLimit = new Date(t).getUTCFullYear() + 5;
  for (;;) {
    const date = new Date(t);
    const year = date.getUTCFullYear();
    if (year > yearLimit) return;
    const month = date.getUTCMonth() + 1;
    if (!schedule.months.includes(month)) {
      const nextMonth = firstAtOrAbove(schedule.months, month + 1);
      t =
        nextMonth === undefined
          ? Date.UTC(year + 1, (schedule.months[0] ?? 1) - 1, 1)
          : Date.UTC(year, nextMonth - 1, 1);
      continue;
    }
    const day = date.getUTCDate();
    if (!dayMatches(schedule, day, date.getUTCDay())) {
      t = Date.UTC(year, month - 1, day) + DAY_MS;
      continue;
    }
    const hour = date.getUTCHours();
    if (!schedule.hours.includes(hour)) {
      const nextHour = firstAtOrAbove(schedule.hours, hour + 1);
      t =
        nextHour === undefined
          ? Date.UTC(year, month - 1, day) + DAY_MS
          : Date.UTC(year, month - 1, day, nextHour);
      continue;
    }
    const minute = date.getUTCMinutes();
    const nextMinute = firstAtOrAbove(schedule.minutes, minute);
    if (nextMinute === undefined) {
      t = Date.UTC(year, month - 1, day, hour) + HOUR_MS;
      continue;
    }
    t = Date.UTC(year, month - 1, day, hour, nextMinute);
    yield t;
    t += MINUTE_MS;
    yearLimit = new Date(t).getUTCFullYear() + 5;
  }
}

/** robfig's ConstantDelaySchedule.Next: `after` cut to its second, plus the delay. */
function everyNext(schedule: EverySchedule, after: number): number {
  return Math.floor(after / 1000) * 1000 + schedule.everyMs;
}

/**
 * The schedule's times after `after`, in order. Walls are read from a little before the local time of
 * `after` when a fall-back shift is near (the second pass of a repeated hour has earlier walls); an instant
 * is handed out once no later wall can map to an earlier instant.
 */
export function* scheduleTimesAfter(schedule: CronSchedule, after: Date): Generator<Date, void, undefined> {
  if (schedule.kind === "every") {
    for (let time = everyNext(schedule, after.getTime()); ; time += schedule.everyMs) yield new Date(time);
  }
  const zone = schedule.timeZone;
  const from = after.getTime();
  const backShift = Math.max(
    0,
    utcOffsetMs(from - SHIFT_WINDOW_MS, zone) - utcOffsetMs(from + SHIFT_WINDOW_MS, zone),
  );
  const pending: number[] = [];
  for (const wall of wallsAfter(schedule, wallOf(from, zone) - backShift)) {
    const offsets = offsetsNear(wall, zone);
    for (const instant of instantsOf(wall, offsets, zone)) if (instant > from) pending.push(instant);
    pending.sort((a, b) => a - b);
    // Later walls map to instants after wall − (largest offset): what lies before is final.
    const settled = wall - Math.max(...offsets);
    for (let first = pending[0]; first !== undefined && first <= settled; first = pending[0]) {
      pending.shift();
      yield new Date(first);
    }
  }
  for (const instant of pending) yield new Date(instant);
}

/** The first schedule time strictly after `after` (robfig's `Next`); undefined when the schedule never fires. */
export function nextScheduleTime(schedule: CronSchedule, after: Date): Date | undefined {
  for (const time of scheduleTimesAfter(schedule, after)) return time;
  return undefined;
}

/** The next `count` schedule times after `after`. */
export function nextScheduleTimes(schedule: CronSchedule, after: Date, count: number): Date[] {
  const times: Date[] = [];
  if (count <= 0) return times;
  for (const time of scheduleTimesAfter(schedule, after)) {
    times.push(time);
    if (times.length >= count) break;
  }
  return times;
}

/** Walks the times after `from` up to `now`, at most `limit` of them. */
function walkUpTo(schedule: CronSchedule, from: Date, now: Date, limit: number) {
  let last: Date | undefined;
  let count = 0;
  for (const time of scheduleTimesAfter(schedule, from)) {
    if (time > now) return { last, count, complete: true };
    if (count === limit) return { last, count, complete: false };
    last = time;
    count++;
  }
  return { last, count, complete: true };
}

/**
 * The newest schedule time at or before `now`, searched from `guess` forward; `known` is a schedule time at
 * or before `now` that bounds the search. Where the guess lands in a long quiet stretch of an irregular
 * schedule (weekdays only, say), the search steps back, doubling its reach, instead of finding nothing as
 * the controller's single guess can.
 */
function latestUpTo(schedule: CronSchedule, now: Date, guess: Date, known: Date): Date {
  let from = guess > known ? guess : known;
  let reach = Math.max(now.getTime() - from.getTime(), MINUTE_MS);
  for (;;) {
    const walk = walkUpTo(schedule, from, now, Number.MAX_SAFE_INTEGER);
    if (walk.last !== undefined) return walk.last;
    if (from.getTime() === known.getTime()) return known;
    reach *= 2;
    from = new Date(Math.max(known.getTime(), now.getTime() - reach));
  }
}

/**
 * The newest schedule time in (earliest, now] and how many were passed, like the CronJob controller's
 * mostRecentScheduleTime: up to 100 times are walked one by one; beyond that the count is estimated from the
 * interval between the first two times and the search jumps close to `now`, so a 100-day outage of an
 * every-minute schedule costs a handful of steps.
 */
export function mostRecentScheduleTime(
  schedule: CronSchedule,
  earliest: Date,
  now: Date,
): MostRecentSchedule {
  if (schedule.kind === "every") return mostRecentEveryTime(schedule, earliest, now);
  const [t1, t2] = nextScheduleTimes(schedule, earliest, 2);
  if (t1 === undefined || t1 > now) return { missed: "none", count: 0 };
  if (t2 === undefined || t2 > now) return { mostRecent: t1, missed: "none", count: 1 };
  const interval = Math.max(t2.getTime() - t1.getTime(), 1000);
  const estimate = Math.floor((now.getTime() - t1.getTime()) / interval) + 1;
  if (estimate <= MANY_MISSED) {
    const walk = walkUpTo(schedule, t2, now, MANY_MISSED - 2);
    if (walk.complete) return { mostRecent: walk.last ?? t2, missed: "few", count: 2 + walk.count };
  }
  const guess = new Date(t1.getTime() + (estimate - 2) * interval);
  return {
    mostRecent: latestUpTo(schedule, now, guess, t2),
    missed: "many",
    count: Math.max(estimate, MANY_MISSED + 1),
  };
}

/** The count of missed times, as the controller grades it. */
function missedKind(count: number): MissedSchedules {
  if (count <= 1) return "none";
  return count > MANY_MISSED ? "many" : "few";
}

/**
 * mostRecentScheduleTime of an @every schedule: its times are earliest + k × delay (k ≥ 1, earliest cut to
 * its second), so the newest one up to `now` and their count are exact. The controller gets the same from
 * its estimate, which is exact for a constant interval.
 */
function mostRecentEveryTime(schedule: EverySchedule, earliest: Date, now: Date): MostRecentSchedule {
  const first = everyNext(schedule, earliest.getTime());
  if (first > now.getTime()) return { missed: "none", count: 0 };
  const count = Math.floor((now.getTime() - first) / schedule.everyMs) + 1;
  return {
    mostRecent: new Date(first + (count - 1) * schedule.everyMs),
    missed: missedKind(count),
    count,
  };
}

/**
 * The next schedule time after `now` for a schedule counted from `earliest` (the last scheduled time, or
 * the configuration's creation): for a cron schedule the first time after both, for @every the first time
 * of earliest + k × delay after `now` — an @every schedule is measured from its last run, not from now.
 */
export function nextScheduleTimeFrom(schedule: CronSchedule, earliest: Date, now: Date): Date | undefined {
  if (schedule.kind !== "every") return nextScheduleTime(schedule, now > earliest ? now : earliest);
  const first = everyNext(schedule, earliest.getTime());
  const passed = now.getTime() >= first ? Math.floor((now.getTime() - first) / schedule.everyMs) + 1 : 0;
  return new Date(first + passed * schedule.everyMs);
}

/** The next `count` schedule times after `now`, counted from `earliest` (see nextScheduleTimeFrom). */
export function nextScheduleTimesFrom(
  schedule: CronSchedule,
  earliest: Date,
  now: Date,
  count: number,
): Date[] {
  const first = nextScheduleTimeFrom(schedule, earliest, now);
  if (first === undefined || count <= 0) return [];
  return [first, ...nextScheduleTimes(schedule, first, count - 1)];
}
