import type { BackupSession, BackupSessionStatus } from "../../model/backup-session.ts";
import { BackupSessionCondition, hasCondition } from "../../model/conditions.ts";
import type { Job } from "../../model/job.ts";
import { COMPLETED_LABEL } from "../../model/labels.ts";
import type { Snapshot } from "../../model/snapshot.ts";
import { awaitsRetry } from "../retry/retry-status.ts";
import { isSessionCompleted } from "./phase.ts";
import { isBeingDeleted } from "./session-history.ts";
import { jobsOfSession } from "./session-job-meta.ts";

/**
 * What the sweep may stop listing (docs/costs.md#the-sweep-lists-only-what-is-unfinished): a session the
 * functions have finished with is labelled `serverless.kubestash.com/completed: "true"`, its Snapshots and
 * Jobs first, and the per-minute sweep lists only objects without the label. Pure rules; the labels are
 * written by shared/usecases/settle-session.ts.
 */

type Labelled = { metadata: { labels?: Record<string, string> | undefined } };

export function hasCompletedLabel(object: Labelled): boolean {
  return object.metadata.labels?.[COMPLETED_LABEL] === "true";
}

/**
 * Finished for good: a terminal phase written, no retention entry still Pending (apply-retention may yet turn
 * the session Failed), no retry owed (evaluate-failure still needs a failed session with retries left until
 * `retried` is set), and not being deleted (the finalizer path still needs it). So a labelled session never
 * changes phase again, and the retry sweep may list only unlabelled sessions too.
 */
export function isSettled(session: BackupSession): boolean {
  const retentionPending = (session.status?.retentionPolicy ?? []).some((r) => r.phase === "Pending");
  return (
    isSessionCompleted(session.status?.phase) &&
    !retentionPending &&
    !awaitsRetry(session) &&
    !isBeingDeleted(session)
  );
}

export interface LabelTarget {
  kind: "BackupSession" | "Snapshot" | "Job";
  namespace: string;
  name: string;
  /** The session's, as a precondition: only the state that was judged settled is labelled. */
  resourceVersion?: string;
}

/**
 * The objects to label once `session` is settled, in order: its Snapshots and Jobs that lack the label, then
 * the session itself — last, so a failed write leaves the session listed and the next sweep finishes the job.
 * Empty when the session is not settled or is labelled already.
 */
export function settleTargets(
  session: BackupSession,
  snapshots: ReadonlyArray<Snapshot>,
  jobs: ReadonlyArray<Job>,
): LabelTarget[] {
  if (!isSettled(session) || hasCompletedLabel(session)) return [];
  const namespace = session.metadata.namespace ?? "default";
  const own = snapshots.filter(
    (s) =>
      (s.metadata.namespace ?? "default") === namespace &&
      s.spec.backupSession === session.metadata.name &&
      !hasCompletedLabel(s),
  );
  const ownJobs = jobsOfSession(jobs, session).filter((j) => !hasCompletedLabel(j) && !isBeingDeleted(j));
  return [
    ...own.map((s) => ({ kind: "Snapshot" as const, namespace, name: s.metadata.name })),
    ...ownJobs.map((j) => ({
      kind: "Job" as const,
      namespace: j.metadata.namespace ?? namespace,
      name: j.metadata.name,
    })),
    {
      kind: "BackupSession",
      namespace,
      name: session.metadata.name,
      ...(session.metadata.resourceVersion ? { resourceVersion: session.metadata.resourceVersion } : {}),
    },
  ];
}

/**
 * A decision that cleans the session's history (it finished, or was skipped) counts the completed siblings,
 * which an unfinished-only load does not hold: they are read first (docs/costs.md#what-finished-objects-are-still-read).
 */
export function cleansHistory(status: BackupSessionStatus | undefined): boolean {
  return hasCondition(status?.conditions, BackupSessionCondition.SessionHistoryCleaned);
}

export type SweepScope = "unfinished" | "all";

export const FULL_SWEEP_MINUTE = 30;

/**
 * Once an hour (the tick of minute 30; any fixed minute would do) the sweep lists everything: it finds labelled sessions someone else
 * deleted (kubectl, a deleted BackupConfiguration's garbage collection), whose deletion sets no label.
 */
export function sweepScope(now: Date): SweepScope {
  return now.getUTCMinutes() === FULL_SWEEP_MINUTE ? "all" : "unfinished";
}
