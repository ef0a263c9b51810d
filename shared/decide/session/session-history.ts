import type { BackupSession } from "../../model/backup-session.ts";
import type { Job } from "../../model/job.ts";
import { Annotation } from "../../model/labels.ts";
import { awaitsRetry } from "../retry/retry-status.ts";
import { backupSessionPhase, isSessionCompleted } from "./phase.ts";
import { jobsOfSession } from "./session-job-meta.ts";

/**
 * Session history (docs/decisions.md#history-cleanup): per BackupConfiguration and session name, keep the
 * newest `sessionHistoryLimit` completed sessions (Succeeded, Failed or Skipped; the session being finished
 * counts as one) besides any running ones; delete the older ones and their Jobs. Never Snapshots. A failed
 * session that still owes its retry is kept like a running one (its nextRetry lives on it). Also the order of
 * sessions that the concurrency rule uses.
 */

const NUMERIC_SUFFIX = /-(\d+)$/;

function parsedTime(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * When a session was due: its scheduled-time annotation, else its creationTimestamp, else the unix seconds its
 * name ends with, else the epoch.
 */
export function sessionTime(session: BackupSession): Date {
  const meta = session.metadata;
  const fromName = NUMERIC_SUFFIX.exec(meta.name)?.[1];
  const ms =
    parsedTime(meta.annotations?.[Annotation.ScheduledTime]) ??
    parsedTime(meta.creationTimestamp) ??
    (fromName !== undefined && fromName.length <= 12 ? Number(fromName) * 1000 : 0);
  return new Date(ms);
}

/** Oldest first: by scheduled time, then creationTimestamp, then name. */
export function compareSessionsOldestFirst(a: BackupSession, b: BackupSession): number {
  const byTime = sessionTime(a).getTime() - sessionTime(b).getTime();
  if (byTime !== 0) return byTime;
  const created =
    (parsedTime(a.metadata.creationTimestamp) ?? 0) - (parsedTime(b.metadata.creationTimestamp) ?? 0);
  if (created !== 0) return created;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

export function isBeingDeleted(object: { metadata: { deletionTimestamp?: string | undefined } }): boolean {
  return object.metadata.deletionTimestamp !== undefined;
}

export interface HistoryInput {
  /** The session being finished (or already finished); it always stays. */
  current: BackupSession;
  /** The other sessions of the same configuration and session name. */
  siblings: ReadonlyArray<BackupSession>;
  /** Jobs of those sessions (others are ignored). */
  jobs: ReadonlyArray<Job>;
  /** `sessionHistoryLimit` (default 1). */
  limit: number;
}

export interface HistorySelection {
  sessions: BackupSession[];
  jobs: Job[];
}

/** A session the schedule created (origin `schedule`, or no origin: made before origins were recorded). */
function isScheduled(session: BackupSession): boolean {
  const origin = session.metadata.annotations?.[Annotation.Origin];
  return origin === undefined || origin === "schedule";
}

/**
 * The newest scheduled session: the schedule counts from it (its last scheduled time), so deleting it would
 * make the next tick create its slot again (docs/decisions.md#history-cleanup).
 */
function scheduleAnchor(sessions: readonly BackupSession[]): BackupSession | undefined {
  let newest: BackupSession | undefined;
  for (const s of sessions) {
    if (!isScheduled(s) || isBeingDeleted(s)) continue;
    if (newest === undefined || compareSessionsOldestFirst(s, newest) > 0) newest = s;
  }
  return newest;
}

/**
 * The completed sessions beyond the limit, oldest first, and their Jobs; those already being deleted are left
 * alone, and so is the newest scheduled session (the schedule's anchor), even beyond the limit.
 */
export function selectHistoryToDelete(input: HistoryInput): HistorySelection {
  const { current } = input;
  const anchor = scheduleAnchor([current, ...input.siblings]);
  const completedSiblings = input.siblings.filter(
    (s) =>
      s.metadata.name !== current.metadata.name &&
      !isBeingDeleted(s) &&
      !awaitsRetry(s) &&
      isSessionCompleted(backupSessionPhase(s)),
  );
  const newestFirst = [current, ...completedSiblings].sort((a, b) => compareSessionsOldestFirst(b, a));
  const sessions = newestFirst
    .slice(Math.max(input.limit, 0))
    .filter((s) => s !== current && s !== anchor)
    .reverse();
  const jobs = sessions.flatMap((s) => jobsOfSession(input.jobs, s).filter((j) => !isBeingDeleted(j)));
  return { sessions, jobs };
}
