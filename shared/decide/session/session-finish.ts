import type { SessionConfig } from "../../model/backup-configuration.ts";
import type { HookExecutionStatus, RetentionPolicyApplyStatus } from "../../model/backup-session.ts";
import {
  BackupSessionCondition as C,
  hasCondition,
  BackupSessionReason as R,
} from "../../model/conditions.ts";
import { type Draft, failOutstandingSnapshots, setStatusCondition } from "./session-draft.ts";
import { selectHistoryToDelete } from "./session-history.ts";
import { applicablePostHooks, runHooks } from "./session-hooks.ts";
import { hasCompletedLabel } from "./settled.ts";

/**
 * The steps after the backup itself (docs/model.md#step-order): post-backup hooks, retention, history
 * cleanup, and metrics as the final step. Also how a session is cut short (replaced, configuration gone).
 */

export const Messages = {
  metricsPushed: "Metrics have been pushed successfully.",
  historyCleaned: "Session history has been cleaned successfully.",
  preHooksSucceeded: "Pre-backup hooks have been executed successfully.",
  postHooksSucceeded: "Post-backup hooks have been executed successfully.",
} as const;

export interface FinishOptions {
  /** Every snapshot Succeeded and no step failed (decides OnSuccess/OnFailure hooks and retention). */
  backupSucceeded: boolean;
  runPostHooks: boolean;
  /** The backup deadline has passed: unfinished post-backup hooks fail and none starts. */
  deadlinePassed: boolean;
}

/** Post-backup hooks; returns false while one is still running. */
function postBackupHooks(
  draft: Draft,
  sessionConfig: SessionConfig | undefined,
  options: FinishOptions,
): boolean {
  const { input } = draft;
  if (hasCondition(draft.status.conditions, C.PostBackupHooksExecutionSucceeded)) return true;
  const hooks = applicablePostHooks(sessionConfig?.hooks?.postBackup ?? [], options.backupSucceeded);
  const result = runHooks({
    session: input.session,
    kind: "post",
    hooks,
    jobs: input.jobs,
    templates: input.hookTemplates,
    functions: input.functions,
    now: draft.now,
    ...(input.hookRunnerImage ? { hookRunnerImage: input.hookRunnerImage } : {}),
    ...(options.deadlinePassed ? { abortMessage: "backup deadline exceeded" } : {}),
  });
  if (result.outcome === "none") return true;
  draft.status.hooks = { ...draft.status.hooks, postHooks: result.statuses };
  for (const job of result.create) draft.actions.push({ type: "create-job", job });
  if (result.outcome === "running") return false;
  if (result.aborted) deadlineExceeded(draft);
  setStatusCondition(
    draft,
    result.outcome === "failed"
      ? {
          type: C.PostBackupHooksExecutionSucceeded,
          status: "False",
          reason: R.FailedToExecutePostBackupHooks,
          message: result.failures.join("; "),
        }
      : {
          type: C.PostBackupHooksExecutionSucceeded,
          status: "True",
          reason: R.SuccessfullyExecutedPostBackupHooks,
          message: Messages.postHooksSucceeded,
        },
  );
  return true;
}

export function deadlineExceeded(draft: Draft): void {
  setStatusCondition(draft, {
    type: C.DeadlineExceeded,
    status: "True",
    reason: R.FailedToCompleteWithinDeadline,
    message: `BackupSession did not complete before its deadline ${draft.status.backupDeadline ?? ""}`.trim(),
  });
}

/** One `status.retentionPolicy[]` entry per repository, Pending until the retention function applies it. */
function retentionEntries(draft: Draft, sessionConfig: SessionConfig): RetentionPolicyApplyStatus[] {
  const configuration = draft.input.configuration;
  const specBackends = configuration?.spec.backends ?? [];
  const statusBackends = configuration?.status?.backends ?? [];
  const existing = draft.status.retentionPolicy ?? [];
  return (sessionConfig.repositories ?? []).map((repo) => {
    const kept = existing.find((e) => e.repository === repo.name);
    if (kept) return kept;
    const backendName = repo.backend || (specBackends.length === 1 ? specBackends[0]?.name : undefined);
    const ref =
      statusBackends.find((b) => b.name === backendName)?.retentionPolicy?.ref ??
      specBackends.find((b) => b.name === backendName)?.retentionPolicy;
    return { ...(ref ? { ref } : {}), repository: repo.name, phase: "Pending" };
  });
}

/** Deletes completed sessions beyond the history limit and their Jobs; `SessionHistoryCleaned=True`. */
export function cleanHistory(draft: Draft, limit: number): void {
  const { input } = draft;
  const selection = selectHistoryToDelete({
    current: input.session,
    siblings: input.siblings,
    jobs: input.jobs,
    limit,
  });
  for (const job of selection.jobs) {
    draft.actions.push({
      type: "delete-job",
      namespace: job.metadata.namespace ?? "default",
      name: job.metadata.name,
      uid: job.metadata.uid,
    });
  }
  for (const old of selection.sessions) {
    draft.actions.push({
      type: "delete-session",
      name: old.metadata.name,
      uid: old.metadata.uid,
      ...(hasCompletedLabel(old) ? { completed: true as const } : {}),
    });
  }
  setStatusCondition(draft, {
    type: C.SessionHistoryCleaned,
    status: "True",
    reason: R.SuccessfullyCleanedSessionHistory,
    message: Messages.historyCleaned,
  });
}

/** Post hooks, retention, history, metrics; stops (the session stays Running) while a post hook runs. */
export function finishSession(
  draft: Draft,
  sessionConfig: SessionConfig | undefined,
  options: FinishOptions,
): void {
  if (options.runPostHooks && !postBackupHooks(draft, sessionConfig, options)) return;
  const postHooksFailed = draft.status.conditions?.some(
    (c) => c.type === C.PostBackupHooksExecutionSucceeded && c.status === "False",
  );
  if (sessionConfig && options.backupSucceeded && !postHooksFailed) {
    draft.status.retentionPolicy = retentionEntries(draft, sessionConfig);
  }
  cleanHistory(draft, sessionConfig?.sessionHistoryLimit ?? 1);
  setStatusCondition(draft, {
    type: C.MetricsPushed,
    status: "True",
    reason: R.SuccessfullyPushedMetrics,
    message: Messages.metricsPushed,
  });
  draft.pushMetrics = true;
}

/**
 * Cuts a started session short (replaced by another, or its configuration gone): unfinished snapshots and
 * hooks fail with `message`, and a False condition makes sure the session ends Failed once metrics are pushed.
 */
export function abortSession(draft: Draft, message: string): void {
  failOutstandingSnapshots(draft, message);
  const hooks = draft.status.hooks;
  const failPending = (list: HookExecutionStatus[] | undefined) =>
    list?.map((h): HookExecutionStatus => (h.phase === "Pending" ? { ...h, phase: "Failed" } : h));
  const preRunning = hooks?.preHooks?.some((h) => h.phase === "Pending") === true;
  if (hooks)
    draft.status.hooks = {
      ...hooks,
      preHooks: failPending(hooks.preHooks),
      postHooks: failPending(hooks.postHooks),
    };
  const anySnapshotFailed = (draft.status.snapshots ?? []).some((s) => s.phase === "Failed");
  if (preRunning) {
    setStatusCondition(draft, {
      type: C.PreBackupHooksExecutionSucceeded,
      status: "False",
      reason: R.FailedToExecutePreBackupHooks,
      message,
    });
  } else if ((draft.status.snapshots ?? []).length === 0) {
    setStatusCondition(draft, {
      type: C.SnapshotsEnsured,
      status: "False",
      reason: R.FailedToEnsureSnapshots,
      message,
    });
  } else if (!anySnapshotFailed) {
    setStatusCondition(draft, {
      type: C.PostBackupHooksExecutionSucceeded,
      status: "False",
      reason: R.FailedToExecutePostBackupHooks,
      message,
    });
  }
  draft.actions.push({ type: "record-event", eventType: "Warning", reason: "BackupSessionAborted", message });
}
