import type { BackupConfiguration, SessionConfig } from "../../model/backup-configuration.ts";
import type { BackupSessionPhase, BackupSessionStatus } from "../../model/backup-session.ts";
import type { Condition } from "../../model/common.ts";
import {
  BackupSessionCondition as C,
  findCondition,
  hasCondition,
  BackupSessionReason as R,
  RepositoryCondition,
  SnapshotCondition,
  SnapshotReason,
} from "../../model/conditions.ts";
import { formatGoDuration, parseGoDuration } from "../../model/duration.ts";
import { Annotation, CLEANUP_FINALIZER, JobComponent, Label } from "../../model/labels.ts";
import type { Snapshot } from "../../model/snapshot.ts";
import { toKubeTime } from "../../model/time.ts";
import { sessionConfigOf } from "../configuration/session-config.ts";
import { type Absence, confirmAbsence, executorJobsAbsence, invokerAbsence } from "./absence.ts";
import { executorComponents } from "./executor-components.ts";
import { buildExecutorJob, executorJobName } from "./executor-job.ts";
import { decideExecutorRbac, namespacesReadThrough } from "./executor-rbac.ts";
import { backupSessionPhase, isSessionCompleted, snapshotPhase } from "./phase.ts";
import { desiredRepository, storageOf } from "./repository-status.ts";
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
import { awaitsFirstStatus, skipMessage } from "./session-skip.ts";
import { ensureSnapshots } from "./session-snapshots.ts";
import { phaseEventMessage, phaseReasons, sessionSummary } from "./session-summary.ts";
import { buildMetadataJob, metadataJobName } from "./snapshot-metadata-job.ts";
import {
  applySnapshotStatusUpdate,
  componentsComplete,
  creationUpdate,
  type SnapshotStatusUpdate,
  snapshotStep,
} from "./snapshot-progress.ts";

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
  /** Decide again right after these actions (they created what the next step needs, e.g. a Repository). */
  again?: boolean;
  /**
   * Objects missing from the read (or read before what makes their state matter) that a step would fail the
   * session for: read each again, directly, and decide again with the result in `input.confirmed`. When set,
   * `status` is the session's own and there are no actions (docs/consistency.md#absence-is-confirmed-by-a-fresh-read).
   */
  confirm?: Absence[];
}

type Step = "done" | "wait" | "failed";

/** A session being deleted: delete its Jobs; once none is left, remove the cleanup finalizer. */
function decideFinalizer(input: SessionReconcileInput): SessionDecision {
  const { session } = input;
  const jobs = jobsOfSession(input.jobs, session);
  const actions: SessionAction[] = jobs
    .filter((job) => !isBeingDeleted(job))
    .map((job) => ({
      type: "delete-job",
      namespace: job.metadata.namespace ?? "default",
      name: job.metadata.name,
      uid: job.metadata.uid,
    }));
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

function preBackupHooks(draft: Draft, sessionConfig: SessionConfig): Step {
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

/** Creates the Repositories the session names and lacks (docs/snapshot-completion.md#repositories); false if none. */
function ensureRepositories(
  draft: Draft,
  configuration: BackupConfiguration,
  sessionConfig: SessionConfig,
): boolean {
  const { input } = draft;
  let created = false;
  for (const info of sessionConfig.repositories ?? []) {
    if (input.repositories.some((r) => r.metadata.name === info.name)) continue;
    const repository = desiredRepository(configuration, info, storageOf(configuration, info, input.storages));
    if (!repository) continue;
    draft.actions.push({ type: "create-repository", repository });
    created = true;
  }
  return created;
}

function snapshotsStep(
  draft: Draft,
  configuration: BackupConfiguration,
  sessionConfig: SessionConfig,
  components: Components,
): Step {
  const known = stepFromCondition(draft, C.SnapshotsEnsured);
  if (known) return known;
  if (ensureRepositories(draft, configuration, sessionConfig)) {
    draft.again = true;
    return "wait";
  }
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
  for (const snapshot of ensured.create) {
    draft.actions.push({ type: "create-snapshot", snapshot });
    // The operator's part at creation: the recent list, the time, how many components to expect.
    draft.actions.push({
      type: "update-snapshot-status",
      name: snapshot.metadata.name,
      update: creationUpdate(snapshot, componentCount(draft, components), draft.now),
    });
    draft.actions.push({
      type: "update-repository-status",
      name: snapshot.spec.repository ?? "",
      initialized: false,
    });
  }
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

/** The executor Jobs a session needs (one, or one per pod of a workload), decided once per reconcile. */
type Components = () => ReturnType<typeof executorComponents>;

/** How many components the executor will report: one per executor Job (those that exist, else those planned). */
function componentCount(draft: Draft, components: Components): number {
  const existing = executorJobsOf(draft).length;
  if (existing > 0) return existing;
  const planned = components();
  return planned.ok ? planned.value.length : 1;
}

function executorJobsOf(draft: Draft) {
  const { input } = draft;
  return input.jobs.filter(
    (j) =>
      j.metadata.labels?.[Label.Component] === JobComponent.Backup &&
      j.metadata.labels?.[Label.InvokerName] === input.session.metadata.name,
  );
}

function executorStep(draft: Draft, sessionConfig: SessionConfig, components: Components): Step {
  const known = stepFromCondition(draft, C.BackupExecutorEnsured);
  if (known) return known;
  const { input } = draft;
  const fail = (message: string): Step => {
    setStatusCondition(draft, {
      type: C.BackupExecutorEnsured,
      status: "False",
      reason: R.FailedToEnsureBackupExecutor,
      message,
    });
    failOutstandingSnapshots(draft, `backup executor could not be ensured: ${message}`);
    return "failed";
  };
  const planned = components();
  if (!planned.ok) return fail(planned.message);
  const jobs = [];
  for (const component of planned.value) {
    if (input.jobs.some((j) => j.metadata.name === executorJobName(input.session, component))) continue;
    const built = buildExecutorJob(
      { ...input, sessionConfig, target: input.configuration?.spec.target },
      component,
    );
    if (!built.ok) return fail(built.message);
    jobs.push(built.value);
  }
  if (jobs.length > 0) {
    const sessionRepositories = input.repositories.filter((r) =>
      (sessionConfig.repositories ?? []).some((info) => info.name === r.metadata.name),
    );
    draft.actions.push({
      type: "ensure-executor-rbac",
      plan: decideExecutorRbac({
        session: input.session,
        sessionConfig,
        ...namespacesReadThrough(sessionRepositories),
      }),
    });
    for (const job of jobs) draft.actions.push({ type: "create-job", job });
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

/**
 * The operator's part while Snapshots are outstanding (docs/snapshot-completion.md): record a creation the
 * previous round could not, upload the metadata of a Snapshot whose components are all in and record the
 * outcome, fail one whose executor ended with components missing. Returns the Snapshots still outstanding.
 */
function progressSnapshots(draft: Draft, components: Components): void {
  const { input } = draft;
  const executorJobs = executorJobsOf(draft);
  for (const name of outstandingSnapshots(draft)) {
    const snapshot = input.snapshots.find((s) => s.metadata.name === name);
    if (!snapshot) continue;
    if (!findCondition(snapshot.status?.conditions, SnapshotCondition.RecentSnapshotListUpdated)) {
      draft.actions.push({
        type: "update-snapshot-status",
        name,
        update: creationUpdate(snapshot, componentCount(draft, components), draft.now),
      });
      continue;
    }
    const metadataJob = input.jobs.find((j) => j.metadata.name === metadataJobName(name));
    const step = snapshotStep(snapshot, executorJobs, metadataJob);
    if (step.type === "wait") {
      // The phase is the operator's to write (docs/operator-contract.md#snapshot-status-ownership): once the
      // executor reports a component, `kubectl get snapshots` shows Running, as KubeStash's operator has it.
      if (snapshotPhase(snapshot) !== (snapshot.status?.phase ?? "Pending")) {
        draft.actions.push({ type: "update-snapshot-status", name, update: { set: {}, conditions: [] } });
      }
      continue;
    }
    // The executor ended with components missing: the Snapshot may have been read before it reported them.
    const incomplete = step.type === "update" && !componentsComplete(snapshot);
    if (incomplete && !confirmAbsence(draft, { kind: "Snapshot", namespace: namespaceOf(draft), name })) {
      continue;
    }
    const update = step.type === "update" ? step.update : uploadMetadata(draft, snapshot);
    if (!update) continue;
    draft.actions.push({ type: "update-snapshot-status", name, update });
    const phase = snapshotPhase({
      ...snapshot,
      status: applySnapshotStatusUpdate(snapshot, update, draft.now),
    });
    draft.status.snapshots = (draft.status.snapshots ?? []).map((s) =>
      s.name === name ? { ...s, phase } : s,
    );
    const uploaded = update.conditions.some(
      (c) => c.type === SnapshotCondition.SnapshotMetadataUploaded && c.status === "True",
    );
    draft.actions.push({
      type: "update-repository-status",
      name: snapshot.spec.repository ?? "",
      initialized: uploaded,
    });
  }
}

function namespaceOf(draft: Draft): string {
  return draft.input.session.metadata.namespace ?? "default";
}

/**
 * Creates the metadata upload Job; when it cannot be built, the update that fails the Snapshot saying why. A
 * Repository or BackupStorage missing from the read is read again first (undefined: nothing to do yet).
 */
function uploadMetadata(draft: Draft, snapshot: Snapshot): SnapshotStatusUpdate | undefined {
  const { input } = draft;
  const repositoryName = snapshot.spec.repository ?? "";
  const repository = input.repositories.find((r) => r.metadata.name === repositoryName);
  const storageRef = repository?.spec.storageRef;
  const storageNamespace = storageRef?.namespace ?? repository?.metadata.namespace ?? "";
  const storage = input.storages.find(
    (s) => s.metadata.name === storageRef?.name && (s.metadata.namespace ?? "") === storageNamespace,
  );
  const repositoryAbsence = {
    kind: "Repository",
    namespace: namespaceOf(draft),
    name: repositoryName,
  } as const;
  if (!repository && repositoryName !== "" && !confirmAbsence(draft, repositoryAbsence)) return undefined;
  const storageAbsence = {
    kind: "BackupStorage",
    namespace: storageNamespace,
    name: storageRef?.name ?? "",
  } as const;
  if (repository && !storage && storageAbsence.name !== "" && !confirmAbsence(draft, storageAbsence)) {
    return undefined;
  }
  const built =
    repository && storage
      ? buildMetadataJob({
          session: input.session,
          snapshot,
          repository,
          storage,
          writeRepository:
            findCondition(repository.status?.conditions, RepositoryCondition.RepositoryInitialized)
              ?.status !== "True",
        })
      : ({
          ok: false,
          message: `Repository ${snapshot.spec.repository ?? ""} or its BackupStorage ${storageRef?.name ?? ""} not found`,
        } as const);
  if (built.ok) {
    draft.actions.push({ type: "create-job", job: built.value });
    return undefined;
  }
  return {
    set: {},
    conditions: [
      {
        type: SnapshotCondition.SnapshotMetadataUploaded,
        status: "False",
        reason: SnapshotReason.FailedToUploadSnapshotMetadata,
        message: built.message,
      },
    ],
  };
}

/** Waits while a Snapshot is unfinished, unless its executor is gone or the deadline passed (then it fails). */
function waitForSnapshots(draft: Draft, components: Components): Step {
  progressSnapshots(draft, components);
  if (outstandingSnapshots(draft).length === 0) return "done";
  const name = executorJobName(draft.input.session);
  const justCreated = draft.actions.some(
    (a) => a.type === "create-job" && a.job.metadata.labels?.[Label.Component] === JobComponent.Backup,
  );
  if (executorJobsOf(draft).length === 0 && !justCreated) {
    // The load's Jobs may predate the Job this session's status says was made: read them again first.
    if (!confirmAbsence(draft, executorJobsAbsence(draft.input.session))) return "wait";
    failOutstandingSnapshots(draft, `backup executor Job ${name} no longer exists`);
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
  // Created Skipped but its status write was lost: it never starts, whatever else holds
  // (docs/decisions.md#created-skipped).
  const createdSkipped = session.metadata.annotations?.[Annotation.SkipReason];
  if (createdSkipped !== undefined && !hasStarted(session.status)) {
    setStatusCondition(draft, {
      type: C.BackupSkipped,
      status: "True",
      reason: R.PreRequisitesNotSatisfied,
      message: createdSkipped,
    });
    cleanHistory(draft, sessionConfig?.sessionHistoryLimit ?? 1);
    return;
  }
  // A configuration (or its session) missing from the load skips or fails the session only once read again.
  const invoker = invokerAbsence(session);
  if (!sessionConfig && invoker && !confirmAbsence(draft, invoker)) return;
  if (!hasStarted(session.status)) {
    // Only a judgement that needs the status waits for it: a paused configuration, or one without this
    // session, is Skipped at once.
    const statusDecides = sessionConfig !== undefined && configuration?.spec.paused !== true;
    if (statusDecides && awaitsFirstStatus(configuration, draft.now)) return;
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
  let planned: ReturnType<typeof executorComponents> | undefined;
  const components: Components = () => {
    planned ??= executorComponents(configuration.spec.target, sessionConfig, input.targetWorkload);
    return planned;
  };
  const snapshots =
    pre === "done" ? snapshotsStep(draft, configuration, sessionConfig, components) : "failed";
  if (snapshots === "wait") return;
  const started = snapshots === "done" && executorStep(draft, sessionConfig, components) === "done";
  if (started) {
    setDeadline(draft);
    if (waitForSnapshots(draft, components) === "wait") return;
  }
  const refs = draft.status.snapshots ?? [];
  finishSession(draft, sessionConfig, {
    backupSucceeded: started && refs.length > 0 && refs.every((s) => s.phase === "Succeeded"),
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
  // Nothing is written or done on a world with unconfirmed absences: the reads come first.
  if (draft.confirm.length > 0) return { status: { ...session.status }, actions: [], confirm: draft.confirm };
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
  const again = draft.again ? { again: true } : {};
  if (from === phase) return { status, actions, ...again };
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
    ...again,
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
