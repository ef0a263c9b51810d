import type { BackupStorage } from "../../model/backup-storage.ts";
import {
  type ConditionInput,
  findCondition,
  SnapshotCleanupCondition,
  setCondition,
} from "../../model/conditions.ts";
import { type Job, jobOutcome } from "../../model/job.ts";
import { CLEANUP_FINALIZER, COMPLETED_LABEL } from "../../model/labels.ts";
import type { Repository } from "../../model/repository.ts";
import type { Snapshot, SnapshotStatus } from "../../model/snapshot.ts";
import { CleanupAnnotation, CleanupLabel } from "../../model/snapshot-cleanup.ts";
import { toKubeTime } from "../../model/time.ts";
import {
  cleanerJob,
  cleanerJobName,
  type ResticComponent,
  resticComponents,
} from "./snapshot-cleanup-job.ts";

/**
 * What to do for a Snapshot being deleted that carries `kubestash.com/cleanup` (docs/retention-cleanup.md):
 * remove its backup data when its deletionPolicy says so, and release the finalizer only once that is done.
 *
 * - `spec.paused`: nothing (KubeStash processes no event of a paused Snapshot); the finalizer stays.
 * - Its Repository is gone or being deleted: the Repository's deletionPolicy decides about the data (KubeStash:
 *   Delete keeps it, WipeOut removes the Repository's whole path), not the Snapshot's: released.
 * - deletionPolicy `Delete` (the default): "delete just the Snapshot CR … keep the backed up data": released.
 * - `WipeOut`: "delete the Snapshot CR as well as the backed up data": without restic snapshots in its
 *   components there is nothing to remove (released); else a cleaner Job forgets them and prunes
 *   ({@link cleanerJob}), and the finalizer goes after that Job succeeded.
 * - A failed attempt is recorded on the Snapshot (annotations, condition SnapshotCleanupIncomplete, a Warning
 *   Event) and retried after a back-off that doubles, up to {@link CLEANUP_MAX_ATTEMPTS}; then it keeps reporting
 *   and waits for a person. A cleaner that cannot be built (a Secret in another namespace, no BackupStorage, …)
 *   is reported the same way and tried again on every tick.
 */

/** Attempts before the cleanup waits for a person (who removes the `cleanup-failures` annotation to retry). */
export const CLEANUP_MAX_ATTEMPTS = 8;
const FIRST_RETRY_MS = 5 * 60_000;
const MAX_RETRY_MS = 4 * 60 * 60_000;

/** How long after the `failures`-th failed attempt the next one starts: 5 min, doubling, at most 4 h. */
export function cleanupRetryDelayMs(failures: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(failures - 1, 0), MAX_RETRY_MS);
}

export interface SnapshotCleanupInput {
  snapshot: Snapshot;
  /** Its Repository (`spec.repository`, same namespace), when it exists. */
  repository?: Repository | undefined;
  /** The BackupStorage the Repository's `storageRef` names, when it exists. */
  storage?: BackupStorage | undefined;
  /** The cleaner Jobs of this Snapshot (label snapshot-uid = its uid), any attempt. */
  jobs: ReadonlyArray<Job>;
  image?: string;
}

export type CleanupAction =
  | { type: "create-job"; job: Job }
  | { type: "delete-job"; name: string; uid?: string }
  /** Annotations to merge into the Snapshot's metadata (the failed attempts, durable across Job deletion). */
  | { type: "record-failure"; annotations: Record<string, string> }
  | { type: "remove-finalizer"; finalizer: string }
  /**
   * Remove `serverless.kubestash.com/completed` (written with record-failure, first): the per-minute step
   * lists only unlabelled Snapshots, so one found by the hourly full list is seen every minute from now on
   * (docs/costs.md#snapshots-being-deleted).
   */
  | { type: "clear-completed-label" }
  | { type: "record-event"; eventType: "Normal" | "Warning"; reason: string; message: string; key: string };

export type CleanupState =
  | "ignored"
  | "paused"
  | "released"
  | "started"
  | "running"
  | "failed"
  | "backing-off"
  | "exhausted"
  | "blocked";

export interface SnapshotCleanupDecision {
  state: CleanupState;
  /** Why, in the words of the Event or condition. */
  message: string;
  /** Why the finalizer goes (state released). */
  release?: "repository-gone" | "data-kept" | "nothing-to-remove" | "data-removed";
  actions: CleanupAction[];
  /** The next status when it changes (the SnapshotCleanupIncomplete condition), else undefined. */
  status?: SnapshotStatus;
  /** The attempt the state is about, and its Job. */
  attempt?: number;
  job?: string;
}

/** How many attempts failed and when the last did, from the Snapshot's annotations. */
export function cleanupFailures(snapshot: Snapshot): { failures: number; lastFailure?: Date } {
  const annotations = snapshot.metadata.annotations ?? {};
  const failures = Number.parseInt(annotations[CleanupAnnotation.Failures] ?? "", 10);
  const last = Date.parse(annotations[CleanupAnnotation.LastFailure] ?? "");
  return {
    failures: Number.isFinite(failures) && failures > 0 ? failures : 0,
    ...(Number.isFinite(last) ? { lastFailure: new Date(last) } : {}),
  };
}

/** A Snapshot this decision is for: being deleted, with KubeStash's cleanup finalizer. */
export function awaitsCleanup(snapshot: Snapshot): boolean {
  return (
    snapshot.metadata.deletionTimestamp !== undefined &&
    (snapshot.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)
  );
}

function describeComponents(components: ReadonlyArray<ResticComponent>): string {
  return components.map((c) => `${c.ids.length} of component ${c.name}`).join(", ");
}

function withCondition(
  snapshot: Snapshot,
  next: Omit<ConditionInput, "type" | "status">,
  now: Date,
): SnapshotStatus | undefined {
  const type = SnapshotCleanupCondition.type;
  const current = findCondition(snapshot.status?.conditions, type);
  if (current?.status === "True" && current.reason === next.reason && current.message === next.message) {
    return undefined;
  }
  const status = snapshot.status ?? {};
  return { ...status, conditions: setCondition(status.conditions, { type, status: "True", ...next }, now) };
}

function finishedJobs(jobs: ReadonlyArray<Job>, except?: string): CleanupAction[] {
  return jobs
    .filter((j) => j.metadata.name !== except && !j.metadata.deletionTimestamp && jobOutcome(j) !== "Running")
    .map((j) => ({
      type: "delete-job",
      name: j.metadata.name,
      ...(j.metadata.uid ? { uid: j.metadata.uid } : {}),
    }));
}

function released(
  input: SnapshotCleanupInput,
  release: NonNullable<SnapshotCleanupDecision["release"]>,
  reason: string,
  message: string,
  extra: Partial<SnapshotCleanupDecision> = {},
): SnapshotCleanupDecision {
  return {
    state: "released",
    release,
    message,
    actions: [
      { type: "remove-finalizer", finalizer: CLEANUP_FINALIZER },
      ...finishedJobs(input.jobs),
      { type: "record-event", eventType: "Normal", reason, message, key: reason },
    ],
    ...extra,
  };
}

/** Where the data is and whether it must go: released without a Job, or the components to clean. */
function dataToRemove(
  input: SnapshotCleanupInput,
): { done: SnapshotCleanupDecision } | { components: ResticComponent[] } | { blocked: string } {
  const { snapshot, repository } = input;
  const repoName = `${snapshot.metadata.namespace}/${snapshot.spec.repository ?? ""}`;
  if (!repository || repository.metadata.deletionTimestamp) {
    const why = repository
      ? `is being deleted: its deletionPolicy ${repository.spec.deletionPolicy} decides about the data`
      : "is gone: its deletionPolicy decided about the data";
    return {
      done: released(
        input,
        "repository-gone",
        "SnapshotDataLeftToRepository",
        `Repository ${repoName} ${why}; nothing removed for this Snapshot`,
      ),
    };
  }
  if (snapshot.spec.deletionPolicy !== "WipeOut") {
    return {
      done: released(
        input,
        "data-kept",
        "SnapshotDataKept",
        `deletionPolicy ${snapshot.spec.deletionPolicy}: the backed up data stays in the backend`,
      ),
    };
  }
  const components = resticComponents(snapshot);
  if (!components.ok) return { blocked: components.message };
  if (components.value.length === 0) {
    return {
      done: released(
        input,
        "nothing-to-remove",
        "SnapshotDataKept",
        "deletionPolicy WipeOut, but no component holds restic snapshots: nothing to remove",
      ),
    };
  }
  return { components: components.value };
}

export function decideSnapshotCleanup(input: SnapshotCleanupInput, now: Date): SnapshotCleanupDecision {
  const decision = decideCleanup(input, now);
  const labelled = input.snapshot.metadata.labels?.[COMPLETED_LABEL] === "true";
  // A Snapshot released now is gone in a moment; one still waiting must be listed every minute.
  if (!labelled || decision.state === "ignored" || decision.state === "released") return decision;
  return { ...decision, actions: [{ type: "clear-completed-label" }, ...decision.actions] };
}

function decideCleanup(input: SnapshotCleanupInput, now: Date): SnapshotCleanupDecision {
  const { snapshot } = input;
  if (!awaitsCleanup(snapshot)) {
    return { state: "ignored", message: "not being deleted with kubestash.com/cleanup", actions: [] };
  }
  if (snapshot.spec.paused) {
    const message =
      "Snapshot is paused: its data is not removed and kubestash.com/cleanup stays until spec.paused is false";
    return {
      state: "paused",
      message,
      actions: [
        {
          type: "record-event",
          eventType: "Normal",
          reason: "SnapshotCleanupPaused",
          message,
          key: "paused",
        },
      ],
    };
  }
  const scope = dataToRemove(input);
  if ("done" in scope) return scope.done;
  if ("blocked" in scope) return blocked(snapshot, scope.blocked, now);
  const { components } = scope;

  const { failures, lastFailure } = cleanupFailures(snapshot);
  const attempt = failures + 1;
  const name = cleanerJobName(snapshot.metadata.name, attempt);
  const current = input.jobs.find((j) => j.metadata.name === name && !j.metadata.deletionTimestamp);
  const runningMessage = `${failures} attempt(s) failed; attempt ${attempt} of ${CLEANUP_MAX_ATTEMPTS} (Job ${name}) is running`;
  const runningStatus = () =>
    failures > 0
      ? withCondition(
          snapshot,
          { reason: SnapshotCleanupCondition.TerminatedBeforeCompletion, message: runningMessage },
          now,
        )
      : undefined;

  if (current) {
    const outcome = jobOutcome(current);
    if (outcome === "Succeeded") {
      const message = `cleaner Job ${name} forgot restic snapshot(s) (${describeComponents(components)}) and pruned their repositories`;
      return released(input, "data-removed", "SnapshotDataRemoved", message, { attempt, job: name });
    }
    if (outcome === "Running") {
      const status = runningStatus();
      return {
        state: "running",
        message: `cleaner Job ${name} is running`,
        actions: finishedJobs(input.jobs, name),
        attempt,
        job: name,
        ...(status ? { status } : {}),
      };
    }
    const failedAt = failedTime(current) ?? now;
    const report = failureReport(snapshot, current, attempt, failedAt);
    const status = withCondition(snapshot, report, now);
    return {
      state: "failed",
      message: report.message,
      actions: [
        {
          type: "record-failure",
          annotations: {
            [CleanupAnnotation.Failures]: String(attempt),
            [CleanupAnnotation.LastFailure]: toKubeTime(failedAt),
          },
        },
        {
          type: "record-event",
          eventType: "Warning",
          reason: "SnapshotCleanupFailed",
          message: report.message,
          key: `failed-${attempt}-${toKubeTime(failedAt)}`,
        },
      ],
      attempt,
      job: name,
      ...(status ? { status } : {}),
    };
  }

  if (failures > 0) {
    // The failed attempt's Job stays (for its logs) until the next attempt starts.
    const previous = input.jobs.find(
      (j) => j.metadata.name === cleanerJobName(snapshot.metadata.name, failures),
    );
    const failedAt = lastFailure ?? now;
    const report = failureReport(snapshot, previous, failures, failedAt);
    const status = withCondition(snapshot, report, now);
    const extra = { attempt: failures, ...(status ? { status } : {}) };
    if (failures >= CLEANUP_MAX_ATTEMPTS) {
      const event = {
        type: "record-event" as const,
        eventType: "Warning" as const,
        reason: "SnapshotCleanupExhausted",
        message: report.message,
        key: `exhausted-${failures}-${toKubeTime(failedAt)}`,
      };
      return { state: "exhausted", message: report.message, actions: [event], ...extra };
    }
    if (now.getTime() < failedAt.getTime() + cleanupRetryDelayMs(failures)) {
      return { state: "backing-off", message: report.message, actions: [], ...extra };
    }
  }

  const { repository, storage } = input;
  if (!repository) return blocked(snapshot, "its Repository is not found", now);
  if (!storage) {
    const ref = repository.spec.storageRef;
    const named = ref ? `${ref.namespace ?? repository.metadata.namespace}/${ref.name}` : "(none)";
    return blocked(
      snapshot,
      `BackupStorage ${named} of Repository ${repository.metadata.name} not found`,
      now,
    );
  }
  const job = cleanerJob({
    snapshot,
    repository,
    storage,
    components,
    attempt,
    ...(input.image ? { image: input.image } : {}),
  });
  if (!job.ok) return blocked(snapshot, job.message, now);
  const message = `cleaner Job ${name} (attempt ${attempt} of ${CLEANUP_MAX_ATTEMPTS}) started: forget restic snapshot(s) (${describeComponents(components)}), then prune`;
  const status = runningStatus();
  const since = lastFailure ? toKubeTime(lastFailure) : "first";
  return {
    state: "started",
    message,
    actions: [
      { type: "create-job", job: job.value },
      ...finishedJobs(input.jobs),
      {
        type: "record-event",
        eventType: "Normal",
        reason: "SnapshotCleanupStarted",
        message,
        key: `started-${attempt}-${since}`,
      },
    ],
    attempt,
    job: name,
    ...(status ? { status } : {}),
  };
}

function failedTime(job: Job): Date | undefined {
  const failed = job.status?.conditions?.find((c) => c.type === "Failed" && c.status === "True");
  return failed?.lastTransitionTime ? new Date(failed.lastTransitionTime) : undefined;
}

/** The condition (reason and message) after the `attempt`-th attempt failed; the same words on every tick. */
function failureReport(
  snapshot: Snapshot,
  job: Job | undefined,
  attempt: number,
  failedAt: Date,
): { reason: string; message: string } {
  const exhausted = attempt >= CLEANUP_MAX_ATTEMPTS;
  const name = cleanerJobName(snapshot.metadata.name, attempt);
  const failed = job?.status?.conditions?.find((c) => c.type === "Failed" && c.status === "True");
  const why = failed ? `: ${failed.reason ?? "Failed"}: ${failed.message ?? ""}` : "";
  const logs = job ? `; see kubectl logs -n ${snapshot.metadata.namespace} job/${name} --all-containers` : "";
  const next = exhausted
    ? `no more attempts: fix the cause, then remove the annotation ${CleanupAnnotation.Failures} to try again`
    : `next attempt at ${toKubeTime(new Date(failedAt.getTime() + cleanupRetryDelayMs(attempt)))}`;
  return {
    reason: exhausted
      ? SnapshotCleanupCondition.AttemptsExhausted
      : SnapshotCleanupCondition.TerminatedBeforeCompletion,
    message: `cleaner Job ${name} (attempt ${attempt} of ${CLEANUP_MAX_ATTEMPTS}) failed${why}${logs}; ${next}`,
  };
}

function blocked(snapshot: Snapshot, why: string, now: Date): SnapshotCleanupDecision {
  const message = `no cleaner can be created: ${why}; the data stays and so does kubestash.com/cleanup`;
  const status = withCondition(snapshot, { reason: SnapshotCleanupCondition.NotCreatable, message }, now);
  return {
    state: "blocked",
    message,
    actions: [
      {
        type: "record-event",
        eventType: "Warning",
        reason: "SnapshotCleanupBlocked",
        message,
        key: `blocked-${why}`,
      },
    ],
    ...(status ? { status } : {}),
  };
}

/** Whether a cleaner Job serves a Snapshot that no longer exists (the uid label names none of `snapshots`). */
export function isOrphanCleaner(job: Job, snapshotUids: ReadonlySet<string>): boolean {
  const uid = job.metadata.labels?.[CleanupLabel.SnapshotUid];
  return uid !== undefined && !snapshotUids.has(uid);
}
