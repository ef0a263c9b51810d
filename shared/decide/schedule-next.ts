import type { BackupConfiguration } from "../model/backup-configuration.ts";
import { toKubeTime } from "../model/time.ts";
import { type CronSchedule, parseCronSchedule } from "./cron.ts";
import { isPastStartingDeadline } from "./due-sessions.ts";
import { mostRecentScheduleTime, nextScheduleTime, nextScheduleTimes } from "./schedule-times.ts";
import { staggerWindowMs } from "./session-schedule-input.ts";
import { staggerKey, staggerOffsetMs } from "./stagger.ts";
import { formatZonedTime } from "./zoned-time.ts";

/**
 * The facts behind `kss schedule next` (when will each session of a configuration run) and
 * `kss schedule due` (is a schedule due now, given its last run), from the same schedule math the
 * scheduler uses.
 */

export type SessionState = "active" | "paused" | "suspended";

export interface UpcomingTime {
  session: string;
  schedule: string;
  timeZone: string;
  /** The scheduled time, RFC 3339 in UTC. */
  next: string;
  /** The same instant as local time in the schedule's zone, with its offset. */
  nextLocal: string;
  /** How long after `next` the session starts (stagger window); 0 without one. */
  staggerOffsetMs: number;
  /** paused/suspended: the time the schedule names, though no session is created for it. */
  state: SessionState;
}

export interface UpcomingTimes {
  configuration: string;
  times: UpcomingTime[];
  /** Sessions without times: no scheduler (manual only), or a schedule that does not parse. */
  notScheduled: Array<{ session: string; reason: string; invalid: boolean }>;
}

function stateOf(configuration: BackupConfiguration, suspend: boolean | undefined): SessionState {
  if (configuration.spec.paused === true) return "paused";
  return suspend === true ? "suspended" : "active";
}

/** The next `count` scheduled times after `now` of every session of `configuration`. */
export function upcomingSessionTimes(
  configuration: BackupConfiguration,
  now: Date,
  count: number,
): UpcomingTimes {
  const { namespace = "default", name } = configuration.metadata;
  const window = staggerWindowMs(configuration);
  const result: UpcomingTimes = { configuration: `${namespace}/${name}`, times: [], notScheduled: [] };
  for (const session of configuration.spec.sessions ?? []) {
    const scheduler = session.scheduler;
    if (scheduler === undefined) {
      result.notScheduled.push({
        session: session.name,
        reason: "no scheduler: manual only",
        invalid: false,
      });
      continue;
    }
    const parsed = parseCronSchedule(scheduler.schedule);
    if (!parsed.ok) {
      result.notScheduled.push({ session: session.name, reason: parsed.error, invalid: true });
      continue;
    }
    const { timeZone } = parsed.schedule;
    const times = nextScheduleTimes(parsed.schedule, now, count + 1);
    const key = staggerKey(namespace, name, session.name);
    times.slice(0, count).forEach((time, index) => {
      result.times.push({
        session: session.name,
        schedule: scheduler.schedule,
        timeZone,
        next: toKubeTime(time),
        nextLocal: formatZonedTime(time, timeZone),
        staggerOffsetMs: staggerOffsetMs(key, window, time, times[index + 1]),
        state: stateOf(configuration, scheduler.suspend),
      });
    });
  }
  return result;
}

/** The JSON of `kss schedule due`. */
export interface DueReport {
  /** The scheduled time to start now (RFC 3339, UTC), or null. */
  due: string | null;
  /** Schedule times since `last` that will never run (older than `due`, or all of them when too late). */
  missed: number;
  reason: string;
}

/** Whether `schedule` is due at `now` after a last run at `lastScheduled`, as the scheduler decides it. */
export function dueReport(
  schedule: CronSchedule,
  lastScheduled: Date,
  now: Date,
  startingDeadlineSeconds?: number,
): DueReport {
  const next = nextScheduleTime(schedule, now > lastScheduled ? now : lastScheduled);
  const nextText = next === undefined ? "the schedule never fires again" : `next at ${toKubeTime(next)}`;
  const recent = mostRecentScheduleTime(schedule, lastScheduled, now);
  const scheduled = recent.mostRecent;
  if (scheduled === undefined) {
    return { due: null, missed: 0, reason: `nothing due since ${toKubeTime(lastScheduled)}; ${nextText}` };
  }
  const approx = recent.missed === "many" ? "about " : "";
  if (isPastStartingDeadline(scheduled, now, startingDeadlineSeconds)) {
    const late = Math.floor((now.getTime() - scheduled.getTime()) / 1000);
    return {
      due: null,
      missed: recent.count,
      reason: `too late: ${toKubeTime(scheduled)} passed ${late}s ago, more than startingDeadlineSeconds (${startingDeadlineSeconds}); ${approx}${recent.count} missed; ${nextText}`,
    };
  }
  const missed = recent.count - 1;
  const older =
    missed === 0 ? "" : `; ${approx}${missed} older schedule times are not started (only the newest runs)`;
  return {
    due: toKubeTime(scheduled),
    missed,
    reason: `due: the newest schedule time after ${toKubeTime(lastScheduled)}${older}`,
  };
}
