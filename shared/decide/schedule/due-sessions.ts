import type { ConcurrencyPolicy, SchedulerSpec } from "../../model/backup-configuration.ts";
import { formatGoDuration } from "../../model/duration.ts";
import type { ExclusionWindow } from "../../model/schedule-windows.ts";
import { toKubeTime } from "../../model/time.ts";
import { type CronParseResult, type CronSchedule, parseCronSchedule } from "./cron.ts";
import {
  concurrencyMessage,
  type ScheduleSubject,
  scheduledObjectName,
  subjectStaggerKey,
} from "./schedule-subject.ts";
import {
  type MissedSchedules,
  mostRecentScheduleTime,
  nextScheduleTime,
  nextScheduleTimeFrom,
} from "./schedule-times.ts";
import { placeStart, type StartPlacement, skippedByWindowReason } from "./schedule-windows.ts";
import { staggerOffsetMs } from "./stagger.ts";

/**
 * Whether a session of a BackupConfiguration is due on this tick, decided as the Kubernetes CronJob
 * controller decides whether to create a Job (KubeStash runs one CronJob per session; we tick instead):
 *
 * - paused configuration or suspended scheduler: nothing is created (docs/decisions.md#paused-configuration).
 * - the newest schedule time in (earliest, now] is the candidate; older missed times are never started
 *   (no burst after an outage). earliest = the last scheduled time, else the configuration's creation, and
 *   never before `resumedAt`: times missed while paused or suspended are not caught up
 *   (docs/decisions.md#resume-after-pause).
 * - startingDeadlineSeconds: started only if now − scheduled time ≤ the deadline, else reported as missed.
 *   (The controller's tooLate rule. Its schedule search already drops times older than now − deadline with
 *   a strict bound, so exactly at the deadline it quietly finds nothing; we start it, as tooLate allows.)
 *   Like the controller, a miss does not move the last scheduled time, so later ticks report the same
 *   missed time again until the next one is due: count a miss once per scheduledTime.
 * - exclusion windows (docs/windows.md#policy): a start inside a Wait window moves to the window's end (plus
 *   the stagger offset; only the newest time is started then, as after any wait); inside a Skip window the run
 *   is created Skipped on its own tick, naming the window. The deadline and start window count from the
 *   moved start.
 * - start window (docs/windows.md#start-window): a run not started within it after its start is created
 *   Skipped, once (its deterministic name); with startingDeadlineSeconds too, the shorter of the two is the
 *   limit and a run past it is created Skipped instead of missed silently.
 * - the candidate's session name is deterministic (`<config>-<session>-<unix seconds>`, a verification's
 *   `<repository>-<session>-<unix seconds>`: schedule-subject.ts); if a running
 *   session has it already, this is a repeated tick for the same time: wait. A create that still collides
 *   (AlreadyExists) is the same case for the caller.
 * - concurrencyPolicy, unset = Forbid (docs/decisions.md#concurrency, unlike CronJob's Allow), applied
 *   against the running (not Succeeded/Failed/Skipped) sessions of the same configuration and session:
 *   Forbid → create it Skipped; Allow → create; Replace → fail the running ones and create.
 * - stagger: started `staggerOffsetMs` after its scheduled time (see stagger.ts); the deadline counts from
 *   that start, and the name keeps the scheduled time.
 * - a time whose create failed on its tick has no session, so it stays the candidate and is started late on
 *   a later tick (within startingDeadlineSeconds), unless a newer time is due by then: the newest wins.
 *   missed-schedules.ts counts both (docs/decisions.md#missed-schedules).
 * - `@every <d>`: its times are earliest + k × d, so they are counted from the last scheduled time (or
 *   creation, or the resume), as the controller counts them from lastScheduleTime; a tick starts the newest
 *   one, so a delay under a minute runs once a tick. Unlike the controller we do not restart the count at
 *   now − startingDeadlineSeconds after a long gap: that would put the tick's own clock into the time and
 *   the session's name (docs/decisions.md#cron-grammar).
 */

export interface SessionScheduleInput {
  namespace: string;
  configurationName: string;
  /** The configuration's session; for a verification, `scheduler` is the verifier's. */
  session: { name: string; scheduler?: SchedulerSpec | undefined };
  /** What the schedule makes: unset, a BackupSession; or one repository's BackupVerificationSession. */
  subject?: ScheduleSubject;
  /** `spec.paused` of the configuration. */
  paused?: boolean;
  /** The configuration's creationTimestamp: the earliest time considered before any session exists. */
  createdAt: Date;
  /** The newest scheduled time among this configuration+session's sessions (or from status). */
  lastScheduledTime?: Date;
  /** Sessions of this configuration+session that are neither Succeeded, Failed nor Skipped. */
  activeSessions: ReadonlyArray<{ name: string }>;
  /** When the configuration was last un-paused or its scheduler un-suspended, if known. */
  resumedAt?: Date;
  /** Stagger window in milliseconds (0 or unset: none). */
  staggerWindowMs?: number;
  /**
   * `session.scheduler.schedule` parsed, once per tick (sessionScheduleInput): every rule of the tick reads
   * this one parse through {@link scheduleOf}.
   */
  parsedSchedule?: CronParseResult;
  /** The session's exclusion windows (docs/windows.md), zones resolved; unset or empty: none. */
  windows?: readonly ExclusionWindow[];
  /** How long after its start a run may still start (docs/windows.md#start-window); unset: no limit. */
  startWindowMs?: number;
  /** The windows or start window cannot be read (an annotation): the session is not scheduled, said so. */
  windowError?: string;
}

/** The input's schedule, parsed: its own parse when it carries one, else parsed now; undefined without scheduler. */
export function scheduleOf(
  input: Pick<SessionScheduleInput, "session" | "parsedSchedule">,
): CronParseResult | undefined {
  const scheduler = input.session.scheduler;
  if (scheduler === undefined) return undefined;
  return input.parsedSchedule ?? parseCronSchedule(scheduler.schedule);
}

/** The facts every decision to create a session carries. */
export interface DueTime {
  scheduledTime: Date;
  /** none/few/many as the controller reports it. */
  missed: MissedSchedules;
  /** Schedule times passed that will never get a session (older than the one created). */
  missedCount: number;
}

/**
 * create / skip-create (create it Skipped) / replace (fail `replaces`, then create): a session is due.
 * wait: nothing to do before `next`, the next scheduled time or, with `staggerOffsetMs`, the staggered start
 * of the current one. missed-deadline: the newest time is too late to start. invalid: put a condition on the
 * configuration. paused/suspended: nothing is created; `next` is what the schedule would run next.
 * unscheduled: the session has no scheduler (manual triggers only).
 */
export type SessionScheduleDecision =
  | ({ action: "create"; name: string } & DueTime)
  | ({
      action: "skip-create";
      name: string;
      reason: string;
      /** Skipped by this exclusion window (policy Skip). */
      window?: string;
      /** Skipped because it did not start within its start window (or startingDeadlineSeconds). */
      expired?: boolean;
    } & DueTime)
  | ({ action: "replace"; name: string; replaces: string[] } & DueTime)
  | {
      action: "wait";
      next: Date;
      staggerOffsetMs?: number;
      /**
       * The due run `scheduledTime` is held by exclusion windows (policy Wait) until `next` (= `until`): the
       * "window delays the next run until T" fact (docs/windows.md#policy).
       */
      heldBy?: { windows: string[]; until: Date; scheduledTime: Date };
    }
  | { action: "missed-deadline"; scheduledTime: Date; next: Date; missedCount: number; reason: string }
  | { action: "invalid"; error: string }
  | { action: "paused" | "suspended"; next: Date }
  | { action: "unscheduled" };

export const DEFAULT_CONCURRENCY_POLICY: ConcurrencyPolicy = "Forbid";

/** True when a start at `startAt` is later than `startingDeadlineSeconds` allows at `now`. */
export function isPastStartingDeadline(startAt: Date, now: Date, startingDeadlineSeconds?: number): boolean {
  if (startingDeadlineSeconds === undefined) return false;
  return now.getTime() - startAt.getTime() > startingDeadlineSeconds * 1000;
}

/** The time scheduling resumes from: the last scheduled time or creation, but never before `resumedAt`. */
export function earliestScheduleTime(createdAt: Date, lastScheduledTime?: Date, resumedAt?: Date): Date {
  const base = lastScheduledTime ?? createdAt;
  return resumedAt !== undefined && resumedAt > base ? resumedAt : base;
}

function laterOf(a: Date, b: Date): Date {
  return a > b ? a : b;
}

/**
 * The next schedule time after `now`: for a cron schedule the first after now (and creation), for @every
 * the next of earliest + k × d, earliest being the last scheduled time, creation or resume.
 */
export function upcomingScheduleTime(
  input: Pick<SessionScheduleInput, "createdAt" | "lastScheduledTime" | "resumedAt">,
  schedule: CronSchedule,
  now: Date,
): Date | undefined {
  if (schedule.kind !== "every") return nextScheduleTime(schedule, laterOf(now, input.createdAt));
  const earliest = earliestScheduleTime(input.createdAt, input.lastScheduledTime, input.resumedAt);
  return nextScheduleTimeFrom(schedule, earliest, now);
}

/**
 * The configuration's next schedule time after the decision `decision` was carried out at `now` (for
 * `status.sessions[].nextSchedule`): after a created session its scheduled time is the last one.
 */
export function nextScheduleAfter(
  input: SessionScheduleInput,
  decision: SessionScheduleDecision,
  now: Date,
): Date | undefined {
  const parsed = scheduleOf(input);
  if (!parsed?.ok) return undefined;
  const created =
    decision.action === "create" || decision.action === "skip-create" || decision.action === "replace";
  const last = created ? decision.scheduledTime : input.lastScheduledTime;
  return upcomingScheduleTime({ ...input, lastScheduledTime: last }, parsed.schedule, now);
}

/** When the session of `scheduledTime` is started: the scheduled time plus its stagger offset. */
export function staggeredStart(
  input: Pick<
    SessionScheduleInput,
    "namespace" | "configurationName" | "session" | "staggerWindowMs" | "subject"
  >,
  schedule: CronSchedule,
  scheduledTime: Date,
): { offset: number; startAt: Date } {
  const key = subjectStaggerKey(input);
  const following = nextScheduleTime(schedule, scheduledTime);
  const offset = staggerOffsetMs(key, input.staggerWindowMs, scheduledTime, following);
  return { offset, startAt: new Date(scheduledTime.getTime() + offset) };
}

/**
 * When the run of `scheduledTime` starts: its stagger offset, then the exclusion windows (a Wait window moves
 * it to its end plus the offset; a Skip window marks it skipped).
 */
export function plannedStart(
  input: Pick<
    SessionScheduleInput,
    "namespace" | "configurationName" | "session" | "staggerWindowMs" | "subject" | "windows"
  >,
  schedule: CronSchedule,
  scheduledTime: Date,
): StartPlacement & { offset: number } {
  const { offset, startAt } = staggeredStart(input, schedule, scheduledTime);
  return { ...placeStart(input.windows ?? [], startAt, offset), offset };
}

/** The limit a run must start within, when a start window is set: it or startingDeadlineSeconds, the shorter. */
function startLimit(input: SessionScheduleInput): { ms: number; what: string } | undefined {
  const window = input.startWindowMs;
  if (window === undefined) return undefined;
  const deadline = input.session.scheduler?.startingDeadlineSeconds;
  if (deadline !== undefined && deadline * 1000 < window) {
    return { ms: deadline * 1000, what: `startingDeadlineSeconds (${deadline})` };
  }
  return { ms: window, what: `its start window (${formatGoDuration(window)})` };
}

function concurrencyDecision(
  input: SessionScheduleInput,
  due: DueTime,
  name: string,
): SessionScheduleDecision {
  const running = input.activeSessions.map((s) => s.name);
  const policy = input.session.scheduler?.concurrencyPolicy ?? DEFAULT_CONCURRENCY_POLICY;
  if (running.length === 0 || policy === "Allow") return { action: "create", name, ...due };
  if (policy === "Replace") return { action: "replace", name, replaces: running, ...due };
  const reason = concurrencyMessage(input, running);
  return { action: "skip-create", name, reason, ...due };
}

function decideDue(
  input: SessionScheduleInput,
  schedule: CronSchedule,
  now: Date,
  upcoming: Date,
): SessionScheduleDecision {
  const scheduler = input.session.scheduler;
  const earliest = earliestScheduleTime(input.createdAt, input.lastScheduledTime, input.resumedAt);
  const recent = mostRecentScheduleTime(schedule, earliest, now);
  const scheduledTime = recent.mostRecent;
  if (scheduledTime === undefined) {
    const next = earliest > now ? nextScheduleTime(schedule, earliest) : upcoming;
    return { action: "wait", next: next ?? upcoming };
  }
  const name = scheduledObjectName(input, scheduledTime);
  if (input.activeSessions.some((s) => s.name === name)) {
    return { action: "wait", next: upcoming };
  }
  const placed = plannedStart(input, schedule, scheduledTime);
  const { offset, startAt } = placed;
  if (startAt > now) {
    if (placed.heldBy) {
      return { action: "wait", next: startAt, heldBy: { ...placed.heldBy, scheduledTime } };
    }
    return { action: "wait", next: startAt, staggerOffsetMs: offset };
  }
  const due: DueTime = { scheduledTime, missed: recent.missed, missedCount: recent.count - 1 };
  if (placed.skippedBy) {
    const reason = skippedByWindowReason(placed.skippedBy);
    return { action: "skip-create", name, reason, window: placed.skippedBy.window.name, ...due };
  }
  const limit = startLimit(input);
  if (limit !== undefined && now.getTime() - startAt.getTime() > limit.ms) {
    const late = formatGoDuration(Math.floor((now.getTime() - startAt.getTime()) / 1000) * 1000);
    const reason = `not started within ${limit.what} after its start time ${toKubeTime(startAt)} (${late} late)`;
    return { action: "skip-create", name, reason, expired: true, ...due };
  }
  const deadline = scheduler?.startingDeadlineSeconds;
  if (isPastStartingDeadline(startAt, now, deadline)) {
    const lateSeconds = Math.floor((now.getTime() - startAt.getTime()) / 1000);
    return {
      action: "missed-deadline",
      scheduledTime,
      next: upcoming,
      missedCount: recent.count,
      reason: `not started: ${lateSeconds}s past its start time, more than startingDeadlineSeconds (${deadline})`,
    };
  }
  return concurrencyDecision(input, due, name);
}

/** What the scheduler does for one session of a configuration at `now` (a pure function of its inputs). */
export function decideSessionSchedule(input: SessionScheduleInput, now: Date): SessionScheduleDecision {
  const scheduler = input.session.scheduler;
  const parsed = scheduleOf(input);
  if (scheduler === undefined || parsed === undefined) return { action: "unscheduled" };
  if (!parsed.ok)
    return { action: "invalid", error: `invalid schedule "${scheduler.schedule}": ${parsed.error}` };
  const schedule = parsed.schedule;
  const upcoming = upcomingScheduleTime(input, schedule, now);
  if (upcoming === undefined) {
    return { action: "invalid", error: `schedule "${scheduler.schedule}" never fires` };
  }
  if (input.windowError !== undefined) return { action: "invalid", error: input.windowError };
  if (input.paused === true) return { action: "paused", next: upcoming };
  if (scheduler.suspend === true) return { action: "suspended", next: upcoming };
  return decideDue(input, schedule, now, upcoming);
}
