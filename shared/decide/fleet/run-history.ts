import type { BackupSession, BackupSessionPhase } from "../../model/backup-session.ts";
import { ScheduleMissedCondition as M } from "../../model/conditions.ts";
import { parseGoDuration } from "../../model/duration.ts";
import { Annotation } from "../../model/labels.ts";
import { toKubeTime } from "../../model/time.ts";
import type { CronSchedule } from "../schedule/cron.ts";
import type { MissedRecord } from "../schedule/missed-schedules.ts";
import { scheduleTimesAfter } from "../schedule/schedule-times.ts";
import { compareSessionsOldestFirst, sessionTime } from "../session/session-history.ts";

/**
 * The run history of one session of a BackupConfiguration for the fleet view (issue 17): its recent runs as
 * cells in time, oldest first, like the run history of a CI page, and the duration trend of its Succeeded
 * runs. Pure: from the BackupSessions the fleet view already listed, what the schedule and the
 * configuration's status say about missed times, and `now`.
 *
 * What each cell is derived from:
 * - a BackupSession the history limit kept (`sessionHistoryLimit` completed ones per session, default 1, plus
 *   running ones and failed ones that still owe a retry): its phase; "retried" is a Failed session a retry
 *   was created for (`status.retried`, or a kept session whose retry-of annotation names it); a retry
 *   attempt names the session it retried. Older runs are gone with their sessions: the strip shows what the
 *   cluster still holds, never a gap where the history limit deleted a session.
 * - "missed": a schedule time that got no BackupSession, where the fleet view knows it:
 *   (1) while the schedule is overdue (no session for a whole interval, fleet-schedule.ts), every schedule
 *       time after the newest session up to now — the times the Overdue column counts;
 *   (2) the newest miss create-sessions recorded in the ScheduleMissed condition, when it got no session
 *       (past startingDeadlineSeconds, or superseded by a newer time) and lies within the strip. Older misses
 *       are only counted there (the condition's total), not kept with their times, so they have no cell. A
 *       recorded StartedLate time did get its (late) session: that session's cell is marked late instead.
 *   Times missed while paused or suspended are not misses (never caught up, by decision).
 */

/**
 * Cells in a strip at most: the newest runs. Each cell is ≈ 150 bytes of JSON, so a cluster of 200
 * configurations that all keep 20 or more sessions adds ≈ 0.6 MB to `/api/fleet`.
 */
export const RUN_HISTORY_CELLS = 20;

export type RunCellKind = "succeeded" | "failed" | "retried" | "skipped" | "running" | "missed";

export interface RunCell {
  kind: RunCellKind;
  /** When the run was due: the session's scheduled time, else its creation; for a missed cell, the schedule time. */
  time: string;
  /** The BackupSession (absent for a missed cell). */
  session?: string;
  /** Its phase as the status says ("New" before it has one). */
  phase?: BackupSessionPhase | "New";
  /** schedule, trigger or retry. */
  origin?: string;
  /** `status.duration` as written, and in seconds. */
  duration?: string;
  durationSeconds?: number;
  /** A retry attempt: the session it retried. */
  retryOf?: string;
  /** A Failed session a retry was created for: the retry, when it is still kept. */
  retriedBy?: string;
  /** Failed with a retry still owed: when it is due. */
  nextRetry?: string;
  /** Created on a later tick than its own (the ScheduleMissed condition's StartedLate time). */
  late?: boolean;
  /** Missed cells: what says so — the overdue schedule, or create-sessions' ScheduleMissed condition. */
  missedBy?: "overdue" | "ScheduleMissed";
  /** The ScheduleMissed reason, for a cell from that condition. */
  reason?: string;
}

export interface DurationPoint {
  /** The run's index in `cells` (its session and due time are there). */
  cell: number;
  seconds: number;
}

export interface DurationTrend {
  /** The Succeeded runs of the strip with a readable `status.duration`, oldest first. */
  points: DurationPoint[];
  minSeconds: number;
  maxSeconds: number;
  medianSeconds: number;
  lastSeconds: number;
}

export interface RunHistory {
  /** Oldest first; at most {@link RUN_HISTORY_CELLS}, the newest. */
  cells: RunCell[];
  /** BackupSessions of this session the cluster holds (all of them, before the cap). */
  kept: number;
  /** The session's `sessionHistoryLimit`: how many completed sessions the cluster keeps. */
  historyLimit: number;
  trend?: DurationTrend;
}

export interface RunHistoryInput {
  /** The BackupSessions of this configuration's session (any order, any origin). */
  sessions: readonly BackupSession[];
  historyLimit: number;
  /** The parsed schedule, when the session has a valid one. */
  schedule?: CronSchedule;
  /** The overdue run (fleet-schedule.ts): undefined while on time, paused or suspended. */
  overdue?: { dueSince: Date; intervalMs: number };
  /** The ScheduleMissed condition of the configuration's `status.sessions[]` entry. */
  missed?: MissedRecord;
}

/** Bounds the walk over an overdue every-minute schedule's times (a week of outage is 10,080 of them). */
const MAX_WALK = 2_000;

function kindOf(session: BackupSession, retriedBy: string | undefined): RunCellKind {
  switch (session.status?.phase) {
    case "Succeeded":
      return "succeeded";
    case "Failed":
      return session.status.retried === true || retriedBy !== undefined ? "retried" : "failed";
    case "Skipped":
      return "skipped";
    default:
      return "running";
  }
}

function sessionCell(session: BackupSession, retriedBy: string | undefined, lateAt: number | undefined) {
  const annotations = session.metadata.annotations;
  const status = session.status;
  const time = sessionTime(session);
  const ms = status?.duration === undefined ? undefined : parseGoDuration(status.duration);
  const cell: RunCell = {
    kind: kindOf(session, retriedBy),
    time: toKubeTime(time),
    session: session.metadata.name,
    phase: status?.phase ?? "New",
  };
  if (annotations?.[Annotation.Origin]) cell.origin = annotations[Annotation.Origin];
  if (status?.duration !== undefined) cell.duration = status.duration;
  if (ms !== undefined && ms >= 0) cell.durationSeconds = Math.round(ms) / 1000;
  if (annotations?.[Annotation.RetryOf]) cell.retryOf = annotations[Annotation.RetryOf];
  if (retriedBy !== undefined) cell.retriedBy = retriedBy;
  if (status?.phase === "Failed" && status.retried !== true && status.nextRetry)
    cell.nextRetry = status.nextRetry;
  if (lateAt !== undefined && time.getTime() === lateAt && cell.origin !== "retry") cell.late = true;
  return { at: time.getTime(), cell };
}

/** The schedule times from `dueSince` up to `now`, the newest {@link RUN_HISTORY_CELLS} of them. */
function overdueTimes(schedule: CronSchedule, overdue: RunHistoryInput["overdue"], now: Date): number[] {
  if (overdue === undefined) return [];
  // Far behind: start a few intervals before the strip's worth of times, not at the first missed one.
  const skipTo = now.getTime() - (RUN_HISTORY_CELLS + 2) * overdue.intervalMs;
  const after = Math.max(overdue.dueSince.getTime() - 1, skipTo);
  const times: number[] = [];
  let walked = 0;
  for (const time of scheduleTimesAfter(schedule, new Date(after))) {
    if (time > now || ++walked > MAX_WALK) break;
    times.push(time.getTime());
    if (times.length > RUN_HISTORY_CELLS) times.shift();
  }
  return times;
}

function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  const value =
    sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return Math.round(value * 1000) / 1000;
}

function trendOf(cells: readonly RunCell[]): DurationTrend | undefined {
  const points = cells.flatMap((c, cell) =>
    c.kind === "succeeded" && c.durationSeconds !== undefined ? [{ cell, seconds: c.durationSeconds }] : [],
  );
  const last = points.at(-1);
  if (last === undefined) return undefined;
  const sorted = points.map((p) => p.seconds).sort((a, b) => a - b);
  return {
    points,
    minSeconds: sorted[0] ?? 0,
    maxSeconds: sorted.at(-1) ?? 0,
    medianSeconds: median(sorted),
    lastSeconds: last.seconds,
  };
}

/** The run history of one session at `now`. */
export function runHistory(input: RunHistoryInput, now: Date): RunHistory {
  const oldestFirst = [...input.sessions].sort(compareSessionsOldestFirst);
  const retryOf = new Map<string, string>();
  for (const s of oldestFirst) {
    const original = s.metadata.annotations?.[Annotation.RetryOf];
    if (original !== undefined && !retryOf.has(original)) retryOf.set(original, s.metadata.name);
  }
  const recorded = input.missed;
  const lateAt = recorded?.reason === M.StartedLate ? recorded.newest.getTime() : undefined;
  const entries = oldestFirst.map((s) => sessionCell(s, retryOf.get(s.metadata.name), lateAt));

  // A schedule time counts as having a session when any kept session (of any origin) was due then.
  const withSession = new Set(entries.map((e) => e.at));
  const missed = new Map<number, RunCell>();
  if (input.schedule !== undefined) {
    for (const at of overdueTimes(input.schedule, input.overdue, now)) {
      if (!withSession.has(at))
        missed.set(at, { kind: "missed", time: toKubeTime(new Date(at)), missedBy: "overdue" });
    }
  }
  const windowStart = entries.slice(-RUN_HISTORY_CELLS)[0]?.at;
  if (recorded !== undefined && recorded.reason !== M.StartedLate) {
    const at = recorded.newest.getTime();
    const inWindow = windowStart === undefined || at >= windowStart;
    if (inWindow && at <= now.getTime() && !withSession.has(at) && !missed.has(at)) {
      missed.set(at, {
        kind: "missed",
        time: toKubeTime(recorded.newest),
        missedBy: "ScheduleMissed",
        ...(recorded.reason ? { reason: recorded.reason } : {}),
      });
    }
  }
  // Sessions before missed times at the same instant cannot happen (a time with a session is not missed).
  const all = [...entries, ...[...missed].map(([at, cell]) => ({ at, cell }))].sort((a, b) => a.at - b.at);
  const cells = all.slice(-RUN_HISTORY_CELLS).map((e) => e.cell);
  const trend = trendOf(cells);
  return {
    cells,
    kept: input.sessions.length,
    historyLimit: input.historyLimit,
    ...(trend ? { trend } : {}),
  };
}
