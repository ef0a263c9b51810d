import type { BackupConfiguration } from "../../model/backup-configuration.ts";
import { toKubeTime } from "../../model/time.ts";
import { type CronSchedule, parseCronSchedule } from "./cron.ts";
import {
  decideSessionSchedule,
  isPastStartingDeadline,
  plannedStart,
  type SessionScheduleInput,
  scheduleOf,
} from "./due-sessions.ts";
import { mostRecentScheduleTime, nextScheduleTimeFrom, nextScheduleTimesFrom } from "./schedule-times.ts";
import { skippedByWindowReason, type WindowContext } from "./schedule-windows.ts";
import { sessionScheduleInput, staggerWindowMs } from "./session-schedule-input.ts";
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
  /**
   * Only when an exclusion window touches this time (docs/windows.md#kss-schedule-next): held (starts at
   * `startsAt`, the window's end), superseded (held, and a newer time is due by then: only that one runs),
   * or skipped (a Skip window: created Skipped).
   */
  window?: WindowEffect;
}

export interface WindowEffect {
  effect: "held" | "superseded" | "skipped";
  /** The windows that hold it, or the one that skips it. */
  windows: string[];
  /** When it starts (held) or would have (superseded: the window's end), RFC 3339 UTC; skipped: its time. */
  startsAt: string;
  reason: string;
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

/** What the windows do to the run of `time` (undefined: nothing), `following` being the schedule's next time. */
function windowEffect(
  input: SessionScheduleInput,
  schedule: CronSchedule,
  time: Date,
  following: Date | undefined,
): WindowEffect | undefined {
  if ((input.windows ?? []).length === 0) return undefined;
  const placed = plannedStart(input, schedule, time);
  if (placed.skippedBy) {
    const held = placed.heldBy ? ` (held by ${placed.heldBy.windows.join(", ")} first)` : "";
    return {
      effect: "skipped",
      windows: [placed.skippedBy.window.name],
      startsAt: toKubeTime(placed.startAt),
      reason: `${skippedByWindowReason(placed.skippedBy)}${held}`,
    };
  }
  if (!placed.heldBy) return undefined;
  const { windows, until } = placed.heldBy;
  if (placed.never === true) {
    return {
      effect: "held",
      windows,
      startsAt: toKubeTime(until),
      reason: `held by ${windows.join(", ")}: they never close`,
    };
  }
  if (following !== undefined && following <= until) {
    return {
      effect: "superseded",
      windows,
      startsAt: toKubeTime(until),
      reason: `held by ${windows.join(", ")} until ${toKubeTime(until)}; a newer time is due by then and runs instead`,
    };
  }
  return {
    effect: "held",
    windows,
    startsAt: toKubeTime(until),
    reason: `held by ${windows.join(", ")} until ${toKubeTime(until)}`,
  };
}

/**
 * The next `count` scheduled times after `now` of every session of `configuration`, each marked with what the
 * exclusion windows do to it (the configuration's annotation, and `windows`: the cluster's, when known).
 */
export function upcomingSessionTimes(
  configuration: BackupConfiguration,
  now: Date,
  count: number,
  windows?: WindowContext,
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
    const input = sessionScheduleInput(configuration, session.name, {
      sessions: [],
      now,
      ...(windows ? { windows } : {}),
    });
    if (input?.windowError !== undefined) {
      result.notScheduled.push({ session: session.name, reason: input.windowError, invalid: true });
      continue;
    }
    const { timeZone } = parsed.schedule;
    // An @every schedule counts from its last run; without sessions, from the creation (or now).
    const created = configuration.metadata.creationTimestamp;
    const anchor = created === undefined ? now : new Date(created);
    const times = nextScheduleTimesFrom(parsed.schedule, anchor, now, count + 1);
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
        ...effectOf(input, parsed.schedule, time, times[index + 1]),
      });
    });
  }
  return result;
}

function effectOf(
  input: SessionScheduleInput | undefined,
  schedule: CronSchedule,
  time: Date,
  following: Date | undefined,
): { window?: WindowEffect } {
  const effect = input ? windowEffect(input, schedule, time, following) : undefined;
  return effect ? { window: effect } : {};
}

/** When the session's next run actually starts (nextRunStart). */
export interface NextRunStart {
  /** The schedule time the run is created for (its name's). */
  scheduledTime: Date;
  /** When it starts: its time plus stagger, or the end of the exclusion windows that hold it. */
  startAt: Date;
  /** Exclusion windows (policy Wait) that hold it until `until` (= `startAt`). */
  heldBy?: { windows: string[]; until: Date };
  /**
   * The runs before it that are created Skipped (a Skip window, or past the start window), in order; the runs
   * one Skip window passes by are listed by its first and its last.
   */
  skipped: Array<{ scheduledTime: Date; reason: string; window?: string }>;
  /**
   * The search ran out with windows still in the way: no run starts before `startAt` (the last time examined),
   * nor was one found after it — a delay at least until then, not "no delay".
   */
  beyondSearch?: true;
}

/** How far nextRunStart looks: decisions of the engine, one per wait or skip (a Skip window is one jump). */
const NEXT_RUN_STEPS = 500;

/**
 * The last run a Skip window skips, from the first one it skips (`scheduledTime`): the newest schedule time
 * whose start, even with the largest stagger offset, is still inside the window — so nextRunStart passes a long
 * window in one step, not one per run (docs/windows.md#next-run). `scheduledTime` itself when there is none.
 */
function lastSkippedBy(input: SessionScheduleInput, scheduledTime: Date): Date {
  const parsed = scheduleOf(input);
  if (parsed === undefined || !parsed.ok) return scheduledTime;
  const placed = plannedStart(input, parsed.schedule, scheduledTime);
  if (placed.skippedBy === undefined || placed.heldBy !== undefined) return scheduledTime;
  const bound = new Date(placed.skippedBy.end.getTime() - (input.staggerWindowMs ?? 0) - 1);
  if (bound <= scheduledTime) return scheduledTime;
  return mostRecentScheduleTime(parsed.schedule, scheduledTime, bound).mostRecent ?? scheduledTime;
}

/**
 * When the next run of this session actually starts given its windows (docs/windows.md#next-run): the engine
 * (decideSessionSchedule) stepped from `now` from one decision to the next, as the ticks would, with nothing
 * running and every create succeeding — runs a Skip window skips are listed and passed, a run a Wait window
 * holds starts at the window's end (only the newest then). Undefined when none is coming: paused, suspended,
 * invalid, unscheduled, or nothing within the search (windows that never close).
 */
export function nextRunStart(input: SessionScheduleInput, now: Date): NextRunStart | undefined {
  let last = input.lastScheduledTime;
  let at = now;
  let held: NextRunStart["heldBy"];
  const skipped: NextRunStart["skipped"] = [];
  for (let step = 0; step < NEXT_RUN_STEPS; step++) {
    const decision = decideSessionSchedule({ ...input, activeSessions: [], lastScheduledTime: last }, at);
    switch (decision.action) {
      case "create":
      case "replace":
        return {
          scheduledTime: decision.scheduledTime,
          startAt: at,
          ...(held && held.until.getTime() === at.getTime() ? { heldBy: held } : {}),
          skipped,
        };
      case "skip-create": {
        const entry = { reason: decision.reason, ...(decision.window ? { window: decision.window } : {}) };
        skipped.push({ scheduledTime: decision.scheduledTime, ...entry });
        last = decision.scheduledTime;
        // The other runs inside the same Skip window are Skipped too: jump to the last of them.
        const through = decision.window ? lastSkippedBy(input, decision.scheduledTime) : last;
        if (through > last) {
          skipped.push({ scheduledTime: through, ...entry });
          last = through;
        }
        break;
      }
      case "wait":
        held = decision.heldBy
          ? { windows: decision.heldBy.windows, until: decision.heldBy.until }
          : undefined;
        at = decision.next > at ? decision.next : new Date(at.getTime() + 60_000);
        break;
      case "missed-deadline":
        at = decision.next > at ? decision.next : new Date(at.getTime() + 60_000);
        break;
      default:
        return undefined;
    }
  }
  // Windows still in the way when the search ends: held at least until the last time examined.
  if ((input.windows ?? []).length === 0 || (held === undefined && skipped.length === 0)) return undefined;
  return {
    scheduledTime: last ?? at,
    startAt: at,
    ...(held ? { heldBy: held } : {}),
    skipped,
    beyondSearch: true,
  };
}

/**
 * "An exclusion window delays the next run until T" (docs/windows.md#next-run), in the shape the RPO rating
 * takes (`window: { until, name }`, docs/rpo.md#windows): from nextRunStart, when Wait windows hold the next
 * run or Skip windows skip the runs before it; undefined when no window moves it.
 */
export function windowDelay(
  input: SessionScheduleInput,
  now: Date,
): { until: Date; name: string } | undefined {
  const next = nextRunStart(input, now);
  if (next === undefined) return undefined;
  const names = [
    ...next.skipped.flatMap((s) => (s.window ? [s.window] : [])),
    ...(next.heldBy?.windows ?? []),
  ];
  if (names.length === 0) return undefined;
  return { until: next.startAt, name: [...new Set(names)].join(", ") };
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
  const next = nextScheduleTimeFrom(schedule, lastScheduled, now);
  const nextText = next === undefined ? "the schedule never fires again" : `next at ${toKubeTime(next)}`;
  const recent = mostRecentScheduleTime(schedule, lastScheduled, now);
  const scheduled = recent.mostRecent;
  if (scheduled === undefined) {
    return { due: null, missed: 0, reason: `nothing due since ${toKubeTime(lastScheduled)}; ${nextText}` };
  }
  // Beyond 100 missed times a cron schedule's count is estimated from its interval; @every's is exact.
  const approx = recent.missed === "many" && schedule.kind === "cron" ? "about " : "";
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

/** The JSON of `kss schedule due --config`: the session's schedule inputs and the scheduler's answer. */
export interface SessionDueReport extends DueReport {
  configuration: string;
  session: string;
  schedule: string;
  timeZone: string;
  startingDeadlineSeconds: number | null;
  /** The last scheduled time the answer counts from (RFC 3339), or null: never run. */
  last: string | null;
  now: string;
  /** When the due session starts: its scheduled time plus the stagger offset (RFC 3339), or null. */
  startsAt: string | null;
}

export type SessionDueResult =
  | { ok: true; report: SessionDueReport }
  | { ok: false; error: string; invalid: boolean };

/** The session of `configuration` named `sessionName`, or the only one; else why none can be picked. */
export function pickSession(
  configuration: BackupConfiguration,
  sessionName: string | undefined,
): { ok: true; name: string } | { ok: false; error: string } {
  const names = (configuration.spec.sessions ?? []).map((s) => s.name);
  const id = `BackupConfiguration ${configuration.metadata.namespace ?? "default"}/${configuration.metadata.name}`;
  if (sessionName !== undefined) {
    if (names.includes(sessionName)) return { ok: true, name: sessionName };
    const known = names.length === 0 ? "it has none" : `it has ${names.join(", ")}`;
    return { ok: false, error: `${id} has no session "${sessionName}" (${known})` };
  }
  const [only, ...others] = names;
  if (only === undefined) return { ok: false, error: `${id} has no sessions` };
  if (others.length > 0) {
    return {
      ok: false,
      error: `${id} has ${names.length} sessions (${names.join(", ")}): name one with --session`,
    };
  }
  return { ok: true, name: only };
}

/**
 * Whether session `sessionName` of `configuration` is due at `now` after a last run at `last` (undefined:
 * never run, counted from the configuration's creationTimestamp, or from now without one), decided by
 * decideSessionSchedule from the same inputs create-sessions reads (schedule with its zone,
 * startingDeadlineSeconds, paused, suspend, stagger window); no sessions are known to be running.
 */
export function sessionDueReport(
  configuration: BackupConfiguration,
  sessionName: string,
  last: Date | undefined,
  now: Date,
): SessionDueResult {
  const input = sessionScheduleInput(configuration, sessionName, { sessions: [], now });
  const scheduler = input?.session.scheduler;
  if (input === undefined || scheduler === undefined) {
    return {
      ok: false,
      error: `session "${sessionName}" has no scheduler: manual triggers only`,
      invalid: false,
    };
  }
  const parsed = parseCronSchedule(scheduler.schedule);
  if (!parsed.ok) {
    return { ok: false, error: `invalid schedule "${scheduler.schedule}": ${parsed.error}`, invalid: true };
  }
  const given = { ...input, lastScheduledTime: last };
  const decision = decideSessionSchedule(given, now);
  const { namespace = "default", name } = configuration.metadata;
  const since =
    last !== undefined
      ? toKubeTime(last)
      : configuration.metadata.creationTimestamp !== undefined
        ? `the configuration's creation (${toKubeTime(input.createdAt)})`
        : "now (never run, and the file has no creationTimestamp)";
  const head = {
    configuration: `${namespace}/${name}`,
    session: sessionName,
    schedule: scheduler.schedule,
    timeZone: parsed.schedule.timeZone,
    startingDeadlineSeconds: scheduler.startingDeadlineSeconds ?? null,
    last: last === undefined ? null : toKubeTime(last),
    now: toKubeTime(now),
  };
  const answer = (due: Date | null, missed: number, reason: string, startsAt: Date | null = due) => ({
    ok: true as const,
    report: {
      ...head,
      due: due === null ? null : toKubeTime(due),
      startsAt: startsAt === null ? null : toKubeTime(startsAt),
      missed,
      reason,
    },
  });
  switch (decision.action) {
    case "create":
    case "skip-create":
    case "replace": {
      const older =
        decision.missedCount === 0
          ? ""
          : `; ${decision.missed === "many" && parsed.schedule.kind === "cron" ? "about " : ""}${decision.missedCount} older schedule times are not started (only the newest runs)`;
      const skipped =
        decision.action === "skip-create" && (decision.window !== undefined || decision.expired === true)
          ? `; created Skipped: ${decision.reason}`
          : "";
      return answer(
        decision.scheduledTime,
        decision.missedCount,
        `due: the newest schedule time after ${since}${older}${skipped}`,
      );
    }
    case "wait": {
      if (decision.heldBy !== undefined) {
        const { windows, until, scheduledTime } = decision.heldBy;
        return answer(
          null,
          0,
          `${toKubeTime(scheduledTime)} is due, but exclusion window ${windows.join(", ")} holds it until ${toKubeTime(until)}`,
        );
      }
      if (decision.staggerOffsetMs !== undefined) {
        const scheduled = new Date(decision.next.getTime() - decision.staggerOffsetMs);
        return answer(
          null,
          0,
          `${toKubeTime(scheduled)} is due, but its stagger window starts it at ${toKubeTime(decision.next)}`,
        );
      }
      return answer(null, 0, `nothing due since ${since}; next at ${toKubeTime(decision.next)}`);
    }
    case "missed-deadline": {
      const late = Math.floor((now.getTime() - decision.scheduledTime.getTime()) / 1000);
      return answer(
        null,
        decision.missedCount,
        `too late: ${toKubeTime(decision.scheduledTime)} passed ${late}s ago, more than startingDeadlineSeconds (${scheduler.startingDeadlineSeconds}); ${decision.missedCount} missed; next at ${toKubeTime(decision.next)}`,
      );
    }
    case "paused":
    case "suspended": {
      const what =
        decision.action === "paused"
          ? "the configuration is paused (spec.paused)"
          : "the scheduler is suspended";
      return answer(
        null,
        0,
        `${what}: no session is created; the schedule's next time is ${toKubeTime(decision.next)}`,
      );
    }
    case "invalid":
      return { ok: false, error: decision.error, invalid: true };
    case "unscheduled":
      return {
        ok: false,
        error: `session "${sessionName}" has no scheduler: manual triggers only`,
        invalid: false,
      };
  }
}
