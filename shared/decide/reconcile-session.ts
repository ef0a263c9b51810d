import type { BackupConfiguration, Session } from "../model/backup-configuration.ts";
import type { BackupSessionPhase, BackupSessionStatus } from "../model/backup-session.ts";
import type { Condition } from "../model/common.ts";
import {
  BackupSessionCondition as C,
  findCondition,
  hasCondition,
  BackupSessionReason as R,
} from "../model/conditions.ts";
import { formatGoDuration, parseGoDuration } from "../model/duration.ts";
import { jobOutcome } from "../model/job.ts";
import { Annotation, CLEANUP_FINALIZER } from "../model/labels.ts";
import { toKubeTime } from "../model/time.ts";
import { buildExecutorJob, executorJobName } from "./executor-job.ts";
import { backupSessionPhase, isSessionCompleted } from "./phase.ts";
import {
  type Draft,
  failOutstandingSnapshots,
  newDraft,
  outstandingSnapshots,
  refreshSnapshotPhases,
  type SessionAction,
  type SessionReconcileInput,
  setStatusCondition,
} from "./session-draft.ts";
import { abortSession, cleanHistory, deadlineExceeded, finishSession, Messages } from "./session-finish.ts";
import { isBeingDeleted, sessionTime } from "./session-history.ts";
import { runHooks } from "./session-hooks.ts";
import { jobsOfSession } from "./session-job-meta.ts";
import { sessionConfigOf, skipMessage } from "./session-skip.ts";
import { ensureSnapshots } from "./session-snapshots.ts";
import { phaseEventMessage, phaseReasons, sessionSummary } from "./session-summary.ts";

/**
 * What KubeStash's operator does for one BackupSession, as a pure decision
 * (docs/model.md#backupsession-fields, docs/model.md#step-order; docs/decisions.md): skip → pre-backup hooks
 * → Snapshots → executor → deadline → wait for the Snapshots → post-backup hooks → retention → history
 * cleanup → metrics (final). Every step re-derives its work from the objects read, so deciding again on the
 * resulting state gives no action and the same status.
 */

export type { SessionAction, SessionReconcileInput } from "./session-draft.ts";

export interface PhaseChange {
  /** Absent when the session had no phase before. */
  from?: BackupSessionPhase;
  to: BackupSessionPhase;
  /** Reasons of the conditions that decided the new phase. */
  reasons: string[];
}

export interface SessionDecision {
  status: BackupSessionStatus;
  actions: SessionAction[];
  phaseChange?: PhaseChange;
}

type Step = "done" | "wait" | "failed";

/** A session being deleted: delete its Jobs; once none is left, remove the cleanup finalizer. */
function decideFinalizer(input: SessionReconcileInput): SessionDecision {
  const { session } = input;
  const jobs = jobsOfSession(input.jobs, session);
  const actions: SessionAction[] = jobs
    .filter((job) => !isBeingDeleted(job))
    .map((job) => ({ type: "delete-job", name: job.metadata.name, uid: job.metadata.uid }));
  if (jobs.length === 0 && (session.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) {
    actions.push({ type: "remove-finalizer", finalizer: CLEANUP_FINALIZER });
  }
  return { status: { ...session.status }, actions };
}

/** The session has done some work already, so the skip rules no longer apply to it. */
function hasStarted(status: BackupSessionStatus | undefined): boolean {
  const conditions = status?.conditions;
  return (
    hasCondition(conditions, C.PreBackupHooksExecutionSucceeded) ||
    hasCondition(conditions, C.SnapshotsEnsured) ||
    hasCondition(conditions, C.BackupExecutorEnsured) ||
    (status?.hooks?.preHooks ?? []).length > 0
  );
}

function stepFromCondition(draft: Draft, type: string): Step | undefined {
  const condition = findCondition(draft.status.conditions, type);
  if (!condition) return undefined;
  return condition.status === "False" ? "failed" : condition.status === "True" ? "done" : undefined;
}

function preBackupHooks(draft: Draft, sessionConfig: Session): Step {
  const known = stepFromCondition(draft, C.PreBackupHooksExecutionSucceeded);
  if (known) return known;
  const { input } = draft;
  const result = runHooks({
    session: input.session,
    kind: "pre",
    hooks: sessionConfig.hooks?.preBackup ?? [],
    jobs: input.jobs,
    templates: input.hookTemplates,
    functions: input.functions,
    now: draft.now,
    ...(input.hookRunnerImage ? { hookRunnerImage: input.hookRunnerImage } : {}),
  });
  if (result.outcome === "none") return "done";
  draft.status.hooks = { ...draft.status.hooks, preHooks: result.statuses };
  for (const job of result.create) draft.actions.push({ type: "create-job", job });
  if (result.outcome === "running") return "wait";
  const failed = result.outcome === "failed";
  setStatusCondition(draft, {
    type: C.PreBackupHooksExecutionSucceeded,
    status: failed ? "False" : "True",
    reason: failed ? R.FailedToExecutePreBackupHooks : R.SuccessfullyExecutedPreBackupHooks,
    message: failed ? result.failures.join("; ") : Messages.preHooksSucceeded,
  });
  return failed ? "failed" : "done";
}

function snapshotsStep(draft: Draft, configuration: BackupConfiguration, sessionConfig: Session): Step {
  const known = stepFromCondition(draft, C.SnapshotsEnsured);
  if (known) return known;
  const { input } = draft;
  const ensured = ensureSnapshots({ ...input, configuration, sessionConfig });
  if (!ensured.ok) {
    setStatusCondition(draft, {
      type: C.SnapshotsEnsured,
      status: "False",
      reason: R.FailedToEnsureSnapshots,
      message: ensured.message,
    });
    return "failed";
  }
  for (const snapshot of ensured.create) draft.actions.push({ type: "create-snapshot", snapshot });
  draft.status.snapshots = ensured.refs;
  draft.status.totalSnapshots = ensured.refs.length;
  setStatusCondition(draft, {
    type: C.SnapshotsEnsured,
    status: "True",
    reason: R.SuccessfullyEnsuredSnapshots,
    message: "Snapshots have been ensured successfully.",
  });
  return "done";
}

function executorStep(draft: Draft, sessionConfig: Session): Step {
  const known = stepFromCondition(draft, C.BackupExecutorEnsured);
  if (known) return known;
  const { input } = draft;
  if (!input.jobs.some((j) => j.metadata.name === executorJobName(input.session))) {
    const built = buildExecutorJob({
      ...input,
      sessionConfig,
      snapshotNames: (draft.status.snapshots ?? []).map((s) => s.name),
    });
    if (!built.ok) {
      setStatusCondition(draft, {
        type: C.BackupExecutorEnsured,
        status: "False",
        reason: R.FailedToEnsureBackupExecutor,
        message: built.message,
      });
      failOutstandingSnapshots(draft, `backup executor could not be ensured: ${built.message}`);
      return "failed";
    }
    draft.actions.push({ type: "create-job", job: built.value });
  }
  setStatusCondition(draft, {
    type: C.BackupExecutorEnsured,
    status: "True",
    reason: R.SuccessfullyEnsuredBackupExecutor,
    message: "Backup Executor has been ensured successfully.",
  });
  return "done";
}

/** docs/decisions.md#deadline: set once, when the session starts running. */
function setDeadline(draft: Draft): void {
  const timeout = draft.input.session.spec.backupTimeout;
  if (draft.status.backupDeadline !== undefined || timeout === undefined) return;
  const ms = parseGoDuration(timeout);
  if (ms !== undefined) draft.status.backupDeadline = toKubeTime(new Date(draft.now.getTime() + ms));
}

function deadlinePassed(draft: Draft): boolean {
  const deadline = draft.status.backupDeadline;
  return deadline !== undefined && draft.now.getTime() > Date.parse(deadline);
}

/** Waits while a Snapshot is unfinished, unless its executor is gone or the deadline passed (then it fails). */
function waitForSnapshots(draft: Draft): Step {
  if (outstandingSnapshots(draft).length === 0) return "done";
  const { input } = draft;
  const name = executorJobName(input.session);
  const job = input.jobs.find((j) => j.metadata.name === name);
  const justCreated = draft.actions.some((a) => a.type === "create-job" && a.job.metadata.name === name);
  if (!job && !justCreated) {
    failOutstandingSnapshots(draft, `backup executor Job ${name} no longer exists`);
  } else if (job && jobOutcome(job) !== "Running") {
    failOutstandingSnapshots(draft, `backup executor Job ${name} ended before the snapshot completed`);
  } else if (deadlinePassed(draft)) {
    deadlineExceeded(draft);
    failOutstandingSnapshots(draft, `backup deadline ${draft.status.backupDeadline ?? ""} exceeded`);
  } else {
    return "wait";
  }
  return "done";
}

function runLifecycle(draft: Draft): void {
  const { input } = draft;
  const { session, configuration } = input;
  const sessionConfig = sessionConfigOf(configuration, session);
  if (!hasStarted(session.status)) {
    const skip = skipMessage(input);
    if (skip !== undefined) {
      setStatusCondition(draft, {
        type: C.BackupSkipped,
        status: "True",
        reason: R.PreRequisitesNotSatisfied,
        message: skip,
      });
      cleanHistory(draft, sessionConfig?.sessionHistoryLimit ?? 1);
      return;
    }
  }
  refreshSnapshotPhases(draft);
  const replacedBy = session.metadata.annotations?.[Annotation.ReplacedBy];
  if (!configuration || !sessionConfig || replacedBy) {
    const why = replacedBy
      ? `replaced by BackupSession ${replacedBy} (concurrencyPolicy Replace)`
      : `BackupConfiguration ${session.spec.invoker?.name ?? ""} or its session ${session.spec.session ?? ""} no longer exists`;
    abortSession(draft, why);
    finishSession(draft, sessionConfig, {
      backupSucceeded: false,
      runPostHooks: false,
      deadlinePassed: false,
    });
    return;
  }
  const pre = preBackupHooks(draft, sessionConfig);
  if (pre === "wait") return;
  const started =
    pre === "done" &&
    snapshotsStep(draft, configuration, sessionConfig) === "done" &&
    executorStep(draft, sessionConfig) === "done";
  if (started) {
    setDeadline(draft);
    if (waitForSnapshots(draft) === "wait") return;
  }
  const snapshots = draft.status.snapshots ?? [];
  finishSession(draft, sessionConfig, {
    backupSucceeded: started && snapshots.length > 0 && snapshots.every((s) => s.phase === "Succeeded"),
    runPostHooks: true,
    deadlinePassed: deadlinePassed(draft),
  });
}

/** Conditions whose status is True when that is bad news (the rest are bad news when False). */
const TRUE_IS_BAD: ReadonlySet<string> = new Set([
  C.BackupSkipped,
  C.DeadlineExceeded,
  C.SnapshotCleanupIncomplete,
]);

/**
 * One Kubernetes Event per condition that appeared or changed status in this decision (what a person reads
 * in `kubectl describe`): its reason and message, Warning when the news is bad.
 */
function conditionEvents(
  before: ReadonlyArray<Condition> | undefined,
  after: ReadonlyArray<Condition> | undefined,
): SessionAction[] {
  return (after ?? [])
    .filter((c) => findCondition(before, c.type)?.status !== c.status)
    .map((c) => ({
      type: "record-event" as const,
      eventType:
        (c.status === "True") === TRUE_IS_BAD.has(c.type) ? ("Warning" as const) : ("Normal" as const),
      reason: c.reason ?? c.type,
      message: c.message ?? `${c.type} is ${c.status}`,
    }));
}

/**
 * Phase (docs/model.md#backupsession-phase), duration once completed, the metrics payload, and the phase
 * change with its event.
 */
function conclude(draft: Draft): SessionDecision {
  const { session, configuration } = draft.input;
  const status = draft.status;
  const phase = backupSessionPhase({ ...session, status });
  status.phase = phase;
  const wasCompleted = isSessionCompleted(session.status?.phase);
  if (isSessionCompleted(phase) && !wasCompleted && status.duration === undefined) {
    const start = Date.parse(session.metadata.creationTimestamp ?? "") || sessionTime(session).getTime();
    status.duration = formatGoDuration(Math.max(draft.now.getTime() - start, 0));
  }
  const actions = draft.actions;
  actions.push(...conditionEvents(session.status?.conditions, status.conditions));
  if (draft.pushMetrics) {
    actions.push({ type: "push-metrics", summary: sessionSummary(session, status, configuration) });
  }
  const from = session.status?.phase;
  if (from === phase) return { status, actions };
  if (phase !== "Pending") {
    actions.push({
      type: "record-event",
      eventType: phase === "Failed" ? "Warning" : "Normal",
      reason: `BackupSession${phase}`,
      message: phaseEventMessage(status, phase),
    });
  }
  return {
    status,
    actions,
    phaseChange: { ...(from ? { from } : {}), to: phase, reasons: phaseReasons(status, phase) },
  };
}

/** Decides the actions and the new status of one BackupSession at `now`. */
export function decideReconcile(input: SessionReconcileInput, now: Date): SessionDecision {
  if (isBeingDeleted(input.session)) return decideFinalizer(input);
  const draft = newDraft(input, now);
  if (isSessionCompleted(backupSessionPhase(input.session))) {
    cleanHistory(draft, sessionConfigOf(input.configuration, input.session)?.sessionHistoryLimit ?? 1);
  } else {
    runLifecycle(draft);
  }
  return conclude(draft);
}
