import { isDeepStrictEqual } from "node:util";
import type { Addon, KubeStashFunction } from "../../model/addon.ts";
import type { BackupConfiguration } from "../../model/backup-configuration.ts";
import type {
  BackupVerificationSession,
  BackupVerificationSessionPhase,
  BackupVerifier,
} from "../../model/backup-verifier.ts";
import type { Condition } from "../../model/common.ts";
import { type ConditionInput, findCondition, hasCondition, setCondition } from "../../model/conditions.ts";
import { formatGoDuration, parseGoDuration } from "../../model/duration.ts";
import type { Job } from "../../model/job.ts";
import { Annotation, CLEANUP_FINALIZER, Label, SERVERLESS_MANAGED_BY } from "../../model/labels.ts";
import type { PersistentVolumeClaim } from "../../model/persistent-volume-claim.ts";
import type { Repository } from "../../model/repository.ts";
import type { RestoreSession } from "../../model/restore-session.ts";
import type { Snapshot } from "../../model/snapshot.ts";
import {
  RestoreSessionCondition as RC,
  RestoreSessionReason as RR,
  VerificationCondition as VC,
  VerificationAnnotation,
  VerificationJobComponent,
  VerifierAnnotation,
  VerificationReason as VR,
} from "../../model/verification.ts";
import { mountedClaims, type Workload } from "../coverage/claims.ts";
import type { WindowContext } from "../schedule/schedule-windows.ts";
import type { ExecutorRbacPlan } from "../session/executor-rbac.ts";
import { isBeingDeleted } from "../session/session-history.ts";
import { buildRestoreJobs } from "./restore-job.ts";
import { desiredRestoreSession } from "./restore-session-build.ts";
import { chooseSnapshot } from "./snapshot-choice.ts";
import { isVerificationFinished, restoreSessionPhase, verificationPhase } from "./verification-phase.ts";
import { decideRestoreRbac, decideVerifierRbac } from "./verification-rbac.ts";
import { decideVerificationRetry, type VerificationRetry } from "./verification-retry.ts";
import { buildVerifierJob } from "./verifier-job.ts";

/**
 * What KubeStash's operator does for one BackupVerificationSession, as a pure decision
 * (docs/verification.md#lifecycle): choose the Snapshot (or skip) → the scratch target → the RestoreSession,
 * driven as the operator drives one (its executor Jobs from the addon's restore task, its phase) → the check
 * the verifier's type asks for (none, or the verifier Job) → the Snapshot's verification status → clean the
 * scratch target → the history → the phase; then, for a failure, its retry. Every step re-derives its work
 * from the objects read, so deciding again on the resulting state gives no action and the same status.
 */

export interface VerificationReconcileInput {
  verification: BackupVerificationSession;
  /** The invoking BackupConfiguration; undefined when it does not exist. */
  configuration: BackupConfiguration | undefined;
  /** The BackupVerifier the repository entry names; undefined when it does not exist. */
  verifier: BackupVerifier | undefined;
  repository: Repository | undefined;
  /** Snapshots of the verification's namespace (others are ignored). */
  snapshots: readonly Snapshot[];
  restoreSession: RestoreSession | undefined;
  /** The RestoreSession's executor Jobs and the session's verifier Job. */
  jobs: readonly Job[];
  /** The restore target, when it is a PersistentVolumeClaim (undefined: it does not exist). */
  targetClaim: PersistentVolumeClaim | undefined;
  /** The configuration's target, when it is a PersistentVolumeClaim: the shape of a scratch claim. */
  sourceClaim: PersistentVolumeClaim | undefined;
  /** Every BackupVerificationSession of the same configuration, session and repository (this one too). */
  history: readonly BackupVerificationSession[];
  /** The Addon of `restoreOption.addonInfo`. */
  addon: Addon | undefined;
  functions: readonly KubeStashFunction[];
  /** The retry of this session exists already. */
  retryExists: boolean;
  /**
   * The target claim carries another session's scratch-for mark and that session no longer exists: a claim a
   * verification made and lost track of (docs/verification.md#cleanup).
   */
  scratchOwnerGone?: boolean;
  /**
   * The configuration's target when it is a workload (StatefulSet, Deployment, DaemonSet): the claims it
   * mounts are the source too (docs/verification.md#cleanup).
   */
  sourceWorkload?: Workload | undefined;
  /** The cluster's exclusion windows and the namespace's labels (docs/windows.md#retries). */
  windows?: WindowContext;
  /**
   * The session and its RestoreSession were just read again directly: a result missing from them (a
   * component, the BackupVerified condition) is really missing.
   */
  confirmed?: boolean;
}

export type VerificationAction =
  | { type: "set-snapshot"; snapshot: string; restoreTarget?: string }
  | { type: "create-claim"; claim: PersistentVolumeClaim }
  | { type: "delete-claim"; namespace: string; name: string; uid?: string | undefined }
  | { type: "create-restore-session"; restoreSession: RestoreSession }
  | {
      type: "update-restore-session-status";
      namespace: string;
      name: string;
      status: NonNullable<RestoreSession["status"]>;
    }
  | { type: "ensure-executor-rbac"; plan: ExecutorRbacPlan }
  | { type: "create-job"; job: Job }
  | { type: "delete-job"; namespace: string; name: string; uid?: string | undefined }
  | {
      type: "update-snapshot-verification";
      name: string;
      verificationStatus: "Verified" | "VerificationFailed";
      verificationSession: string;
    }
  | { type: "delete-verification"; namespace: string; name: string; uid?: string | undefined }
  | { type: "delete-restore-session"; namespace: string; name: string }
  | { type: "create-retry"; verification: BackupVerificationSession }
  | { type: "remove-finalizer"; finalizer: string };

export type VerificationStatus = NonNullable<BackupVerificationSession["status"]>;

export interface VerificationDecision {
  status: VerificationStatus;
  actions: VerificationAction[];
  phaseChange?: {
    from?: BackupVerificationSessionPhase;
    to: BackupVerificationSessionPhase;
    reasons: string[];
  };
  /** Decide again right after these actions (they made what the next step needs). */
  again?: boolean;
  /** Read the session and its RestoreSession again directly and decide again with `confirmed`. */
  confirm?: boolean;
  /** A failure with no retry to come: publish "Verification Failed". */
  failedForGood?: { error: string; reasons: string[] };
  /** The retry decided for a failure (created now, or due later). */
  retry?: VerificationRetry;
}

/** A verification may run this long unless its verifier says otherwise (docs/verification.md#deadline). */
export const DEFAULT_VERIFICATION_TIMEOUT = "1h";

type Step = "done" | "wait" | "failed";

interface Draft {
  input: VerificationReconcileInput;
  now: Date;
  status: VerificationStatus;
  actions: VerificationAction[];
  again: boolean;
  confirm: boolean;
  /** The Snapshot restored: the session's `spec.snapshot`, or the one chosen on this reconcile. */
  snapshotName: string | undefined;
}

function set(draft: Draft, condition: ConditionInput): void {
  draft.status.conditions = setCondition(draft.status.conditions, condition, draft.now);
}

function conditionStep(draft: Draft, type: string): Step | undefined {
  const condition = findCondition(draft.status.conditions, type);
  if (!condition) return undefined;
  return condition.status === "True" ? "done" : condition.status === "False" ? "failed" : undefined;
}

function namespaceOf(input: VerificationReconcileInput): string {
  return input.verification.metadata.namespace ?? "default";
}

/** `namespace/name` of the verification, as our annotations name it. */
export function verificationKey(session: BackupVerificationSession): string {
  return `${session.metadata.namespace ?? "default"}/${session.metadata.name}`;
}

function isJobFinished(job: Job): "Complete" | "Failed" | undefined {
  for (const c of job.status?.conditions ?? []) {
    if (c.status !== "True") continue;
    if (c.type === "Complete" || c.type === "SuccessCriteriaMet") return "Complete";
    if (c.type === "Failed" || c.type === "FailureTarget") return "Failed";
  }
  return undefined;
}

function jobsWith(input: VerificationReconcileInput, component: string, invoker: string): Job[] {
  return input.jobs.filter(
    (j) =>
      j.metadata.labels?.[Label.Component] === component &&
      j.metadata.labels?.[Label.InvokerName] === invoker,
  );
}

function restoreJobs(input: VerificationReconcileInput): Job[] {
  const rs = input.restoreSession;
  return rs ? jobsWith(input, VerificationJobComponent.Restore, rs.metadata.name) : [];
}

function verifierJobs(input: VerificationReconcileInput): Job[] {
  return jobsWith(input, VerificationJobComponent.Verifier, input.verification.metadata.name);
}

/** The repository entry of the invoking configuration's session that names the verifier. */
function verifierRefOf(input: VerificationReconcileInput) {
  const { verification, configuration } = input;
  const session = configuration?.spec.sessions?.find((s) => s.name === verification.spec.session);
  return session?.repositories?.find((r) => r.name === verification.spec.repository)?.backupVerifier;
}

/** A session being deleted: its RestoreSession, Jobs and scratch claim go first, then the finalizer. */
function decideFinalizer(input: VerificationReconcileInput): VerificationDecision {
  const { verification } = input;
  const actions: VerificationAction[] = [];
  for (const job of [...restoreJobs(input), ...verifierJobs(input)]) {
    if (isBeingDeleted(job)) continue;
    actions.push({
      type: "delete-job",
      namespace: job.metadata.namespace ?? "default",
      name: job.metadata.name,
      uid: job.metadata.uid,
    });
  }
  const rs = input.restoreSession;
  const ours = rs?.metadata.labels?.[Label.InvokerName] === verification.metadata.name;
  if (rs && ours && !isBeingDeleted(rs)) {
    actions.push({
      type: "delete-restore-session",
      namespace: rs.metadata.namespace ?? "default",
      name: rs.metadata.name,
    });
  }
  const claim = ownScratchClaim(input);
  if (claim && !isBeingDeleted(claim)) actions.push(deleteClaim(claim));
  const left = actions.length > 0 || (claim !== undefined && !isBeingDeleted(claim));
  if (!left && (verification.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) {
    actions.push({ type: "remove-finalizer", finalizer: CLEANUP_FINALIZER });
  }
  return { status: { ...verification.status }, actions };
}

function deleteClaim(claim: PersistentVolumeClaim): VerificationAction {
  return {
    type: "delete-claim",
    namespace: claim.metadata.namespace ?? "default",
    name: claim.metadata.name,
    uid: claim.metadata.uid,
  };
}

/** The verifier asks for a scratch target made per run and deleted after it. */
function scratchTarget(verifier: BackupVerifier | undefined): boolean {
  return verifier?.metadata.annotations?.[VerifierAnnotation.ScratchTarget] === "Delete";
}

/** The target claim, when this verification made it (never anyone else's). */
function ownScratchClaim(input: VerificationReconcileInput): PersistentVolumeClaim | undefined {
  const claim = input.targetClaim;
  if (!claim) return undefined;
  const ours =
    claim.metadata.labels?.[Label.ManagedBy] === SERVERLESS_MANAGED_BY &&
    claim.metadata.annotations?.[VerificationAnnotation.ScratchFor] === verificationKey(input.verification);
  return ours ? claim : undefined;
}

function restoreFailed(draft: Draft, message: string, reason: string = VR.FailedToRestoreBackup): "failed" {
  set(draft, { type: VC.RestoreSucceeded, status: "False", reason, message });
  return "failed";
}

function checkFailed(draft: Draft, message: string, reason: string = VR.FailedToVerifyBackup): "failed" {
  set(draft, { type: VC.BackupVerified, status: "False", reason, message });
  return "failed";
}

/** The verification has begun: its Snapshot is chosen (or it was skipped, or already failed). */
function hasStarted(draft: Draft): boolean {
  const c = draft.status.conditions;
  return (
    draft.status.phase === "Running" ||
    draft.input.restoreSession !== undefined ||
    hasCondition(c, VC.Skipped) ||
    hasCondition(c, VC.RestoreSucceeded)
  );
}

function targetOf(verifier: BackupVerifier | undefined) {
  return verifier?.spec.restoreOption?.target;
}

/** The verifier would restore into the configuration's own target: never (docs/verification.md#cleanup). */
function restoresIntoSource(input: VerificationReconcileInput): boolean {
  const target = targetOf(input.verifier);
  const source = input.configuration?.spec.target;
  if (!target || !source) return false;
  const ns = namespaceOf(input);
  if (target.kind === "PersistentVolumeClaim" && input.sourceWorkload) {
    const workload = input.sourceWorkload;
    const sameNamespace = (target.namespace ?? ns) === (workload.metadata.namespace ?? ns);
    if (sameNamespace && mountedClaims(workload).includes(target.name)) return true;
  }
  return (
    target.kind === source.kind &&
    (target.apiGroup ?? "") === (source.apiGroup ?? "") &&
    target.name === source.name &&
    (target.namespace ?? ns) === (source.namespace ?? ns)
  );
}

/** A claim of the backed-up claim's shape (size, access modes, class, mode), or 1Gi ReadWriteOnce. */
function scratchClaim(input: VerificationReconcileInput): PersistentVolumeClaim | undefined {
  const target = targetOf(input.verifier);
  if (!target?.name) return undefined;
  const source = input.sourceClaim?.spec;
  const requests = (source?.resources as { requests?: Record<string, unknown> } | undefined)?.requests;
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: target.name,
      namespace: target.namespace ?? namespaceOf(input),
      labels: { [Label.ManagedBy]: SERVERLESS_MANAGED_BY, [Label.Component]: "verification-scratch" },
      annotations: { [VerificationAnnotation.ScratchFor]: verificationKey(input.verification) },
    },
    spec: {
      accessModes: source?.accessModes ?? ["ReadWriteOnce"],
      resources: { requests: { storage: requests?.storage ?? "1Gi" } },
      ...(source?.storageClassName ? { storageClassName: source.storageClassName } : {}),
      ...(source?.volumeMode ? { volumeMode: source.volumeMode } : {}),
    },
  };
}

/** The scratch claim is there and ours: restore into it. Made first when missing. */
function scratchStep(draft: Draft): Step {
  const { input } = draft;
  const target = targetOf(input.verifier);
  if (target?.kind !== "PersistentVolumeClaim") {
    return restoreFailed(
      draft,
      `${VerifierAnnotation.ScratchTarget}: Delete needs a PersistentVolumeClaim target, not ${target?.kind ?? "none"}`,
    );
  }
  const claim = input.targetClaim;
  if (!claim) {
    const desired = scratchClaim(input);
    if (!desired) return restoreFailed(draft, "the restore target names no claim");
    draft.actions.push({ type: "create-claim", claim: desired });
    draft.again = true;
    return "wait";
  }
  if (ownScratchClaim(input)) return isBeingDeleted(claim) ? "wait" : "done";
  const owner = claim.metadata.annotations?.[VerificationAnnotation.ScratchFor];
  if (owner !== undefined && claim.metadata.labels?.[Label.ManagedBy] === SERVERLESS_MANAGED_BY) {
    // An earlier verification's scratch claim: it deletes it when it is done; one whose session is gone
    // lost track of it, so it is deleted here (it carries both our marks).
    if (input.scratchOwnerGone && !isBeingDeleted(claim)) draft.actions.push(deleteClaim(claim));
    return "wait";
  }
  return restoreFailed(
    draft,
    `PersistentVolumeClaim ${claim.metadata.namespace}/${claim.metadata.name} exists and was not made by a verification; ` +
      `with ${VerifierAnnotation.ScratchTarget}: Delete the verification makes its scratch claim and deletes it afterwards, so it never restores into a claim it did not make`,
  );
}

/** Equal as they will be on the wire (keys with undefined values do not exist there), whatever the key order. */
function statusUnchanged(next: unknown, current: unknown): boolean {
  const wire = (v: unknown) => JSON.parse(JSON.stringify(v ?? {})) as unknown;
  return isDeepStrictEqual(wire(next), wire(current));
}

/** One Job per restore component: its COMPONENT_NAME, else every component of the Snapshot. */
function componentOfJob(job: Job): string | undefined {
  const containers = (
    job.spec.template.spec as { containers?: Array<{ env?: Array<{ name?: string; value?: string }> }> }
  ).containers;
  return containers?.[0]?.env?.find((e) => e.name === "COMPONENT_NAME")?.value;
}

/** How many components a restore of `snapshot` reports: those the Snapshot has, at least one. */
function componentCount(snapshot: Snapshot | undefined): number {
  const listed = Object.keys(snapshot?.status?.components ?? {}).length;
  return Math.max(1, listed || snapshot?.status?.totalComponents || 1);
}

/** The operator's part of a RestoreSession (docs/verification.md#lifecycle); the components are the executor's. */
function driveRestoreSession(draft: Draft, rs: RestoreSession, snapshot: Snapshot | undefined): Step {
  const { input, now } = draft;
  const status: NonNullable<RestoreSession["status"]> = { ...rs.status };
  const setRs = (c: ConditionInput) => {
    status.conditions = setCondition(status.conditions, c, now);
  };
  const finalise = () => {
    setRs({
      type: RC.MetricsPushed,
      status: "True",
      reason: RR.SuccessfullyPushedMetrics,
      message: "Metrics have been pushed successfully.",
    });
    const created = rs.metadata.creationTimestamp;
    if (created) status.duration = formatGoDuration(Math.max(0, now.getTime() - Date.parse(created)));
  };
  if (!hasCondition(status.conditions, RC.MetricsPushed)) {
    status.totalComponents ??= componentCount(snapshot);
    const target = rs.spec.target;
    if (target?.kind === "PersistentVolumeClaim") {
      const found = input.targetClaim !== undefined && !isBeingDeleted(input.targetClaim);
      status.targetFound = found;
      setRs({
        type: RC.RestoreTargetFound,
        status: found ? "True" : "False",
        reason: found ? RR.TargetAvailable : RR.TargetNotAvailable,
        message: found
          ? `PersistentVolumeClaim ${target.name} found.`
          : `PersistentVolumeClaim ${target.namespace ?? rs.metadata.namespace}/${target.name} not found.`,
      });
      if (!found) finalise();
    }
    if (!hasCondition(status.conditions, RC.MetricsPushed))
      driveExecutor(draft, rs, snapshot, status, setRs, finalise);
  }
  status.phase = restoreSessionPhase(status);
  if (!statusUnchanged(status, rs.status)) {
    draft.actions.push({
      type: "update-restore-session-status",
      namespace: rs.metadata.namespace ?? "default",
      name: rs.metadata.name,
      status,
    });
  }
  if (!hasCondition(status.conditions, RC.MetricsPushed)) return "wait";
  if (status.phase === "Succeeded") {
    set(draft, {
      type: VC.RestoreSucceeded,
      status: "True",
      reason: VR.SuccessfullyRestoredBackup,
      message: `Snapshot ${rs.spec.dataSource?.snapshot ?? ""} was restored into ${rs.spec.target?.kind ?? "the target"} ${rs.metadata.namespace}/${rs.spec.target?.name ?? ""}.`,
    });
    return "done";
  }
  return restoreFailed(draft, restoreFailureMessage(status));
}

function restoreFailureMessage(status: NonNullable<RestoreSession["status"]>): string {
  const failedCondition = (status.conditions ?? []).find(
    (c: Condition) =>
      (c.status === "False" && c.type !== RC.MetricsPushed) ||
      (c.type === RC.RestoreIncomplete && c.status === "True"),
  );
  if (failedCondition?.message) return `restore failed: ${failedCondition.message}`;
  const failed = Object.entries(status.components ?? {}).find(([, c]) => c.phase === "Failed");
  if (failed)
    return `restore of component ${failed[0]} failed${failed[1].error ? `: ${failed[1].error}` : ""}`;
  return `restore ended ${status.phase ?? "without a result"}`;
}

function driveExecutor(
  draft: Draft,
  rs: RestoreSession,
  snapshot: Snapshot | undefined,
  status: NonNullable<RestoreSession["status"]>,
  setRs: (c: ConditionInput) => void,
  finalise: () => void,
): void {
  const { input } = draft;
  if (!hasCondition(status.conditions, RC.RestoreExecutorEnsured)) {
    const built = snapshot
      ? buildRestoreJobs({ restoreSession: rs, snapshot, addon: input.addon, functions: input.functions })
      : ({ ok: false, message: `Snapshot ${rs.spec.dataSource?.snapshot ?? ""} not found` } as const);
    if (!built.ok) {
      setRs({
        type: RC.RestoreExecutorEnsured,
        status: "False",
        reason: RR.FailedToEnsureRestoreExecutor,
        message: built.message,
      });
      finalise();
      return;
    }
    const existing = new Set(restoreJobs(input).map((j) => j.metadata.name));
    const missing = built.value.filter((j) => !existing.has(j.metadata.name));
    if (missing.length > 0) {
      draft.actions.push({
        type: "ensure-executor-rbac",
        plan: decideRestoreRbac({ restoreSession: rs, repository: input.repository }),
      });
      for (const job of missing) draft.actions.push({ type: "create-job", job });
    }
    setRs({
      type: RC.RestoreExecutorEnsured,
      status: "True",
      reason: RR.SuccessfullyEnsuredRestoreExecutor,
      message: "Restore Executor has been ensured successfully.",
    });
    return;
  }
  const jobs = restoreJobs(input);
  const components = status.components ?? {};
  const total = status.totalComponents ?? 1;
  const reported = Object.values(components).filter(
    (c) => c.phase === "Succeeded" || c.phase === "Failed" || c.phase === "Unknown",
  ).length;
  if (reported >= total) {
    finalise();
    return;
  }
  // An executor that ended without reporting its component(s): the RestoreSession may have been read before
  // it wrote them, so read it again before calling the restore incomplete.
  const endedEarly = jobs.some((job) => {
    if (!isJobFinished(job)) return false;
    const own = componentOfJob(job);
    return own !== undefined
      ? components[own]?.phase === undefined || components[own]?.phase === "Running"
      : true;
  });
  const gone = jobs.length === 0;
  if (!endedEarly && !gone) return;
  if (!input.confirmed) {
    draft.confirm = true;
    return;
  }
  setRs({
    type: RC.RestoreIncomplete,
    status: "True",
    reason: RR.RestoreExecutorTerminatedBeforeCompletion,
    message: gone
      ? "the restore executor Job is gone before its components were reported"
      : "the restore executor Job ended before reporting every component",
  });
  finalise();
}

/** Restore the chosen Snapshot: scratch target, RestoreSession, driven to its end. */
function restoreStep(draft: Draft, snapshot: Snapshot | undefined): Step {
  const known = conditionStep(draft, VC.RestoreSucceeded);
  if (known) return known;
  const { input } = draft;
  const verifier = input.verifier;
  if (!verifier) {
    return restoreFailed(draft, "the BackupVerifier is gone, or the repository entry no longer names it");
  }
  if (restoresIntoSource(input)) {
    return restoreFailed(
      draft,
      "the verifier's restore target is the configuration's own target; a verification never restores into the source",
    );
  }
  if (scratchTarget(verifier)) {
    const scratch = scratchStep(draft);
    if (scratch !== "done") return scratch;
  }
  const rs = input.restoreSession;
  if (!rs) {
    const built = desiredRestoreSession({
      verification: input.verification,
      verifier,
      repository: input.repository,
      snapshot: draft.snapshotName ?? snapshot?.metadata.name ?? "",
    });
    if (!built.ok) return restoreFailed(draft, built.message);
    draft.actions.push({ type: "create-restore-session", restoreSession: built.value });
    draft.again = true;
    return "wait";
  }
  return driveRestoreSession(draft, rs, snapshot);
}

/** The check the verifier's type asks for, after a restore that succeeded. */
function checkStep(draft: Draft): Step {
  const known = conditionStep(draft, VC.BackupVerified);
  if (known) return known;
  const { input } = draft;
  const verifier = input.verifier;
  const type = verifier?.spec.type ?? "RestoreOnly";
  if (type === "RestoreOnly") {
    set(draft, {
      type: VC.BackupVerified,
      status: "True",
      reason: VR.SuccessfullyVerifiedBackup,
      message: "The restore succeeded (type RestoreOnly).",
    });
    return "done";
  }
  if (!verifier) {
    return checkFailed(draft, "the BackupVerifier is gone, or the repository entry no longer names it");
  }
  if (!input.restoreSession) return "wait";
  if (!hasCondition(draft.status.conditions, VC.ExecutorEnsured)) {
    const built = buildVerifierJob({
      verification: input.verification,
      verifier,
      restoreSession: input.restoreSession,
      functions: input.functions,
    });
    if (!built.ok) {
      set(draft, {
        type: VC.ExecutorEnsured,
        status: "False",
        reason: VR.FailedToEnsureVerificationExecutor,
        message: built.message,
      });
      return checkFailed(draft, `the verifier Job could not be built: ${built.message}`);
    }
    if (!verifierJobs(input).some((j) => j.metadata.name === built.value.metadata.name)) {
      draft.actions.push({
        type: "ensure-executor-rbac",
        plan: decideVerifierRbac({ verification: input.verification, verifier }),
      });
      draft.actions.push({ type: "create-job", job: built.value });
    }
    set(draft, {
      type: VC.ExecutorEnsured,
      status: "True",
      reason: VR.SuccessfullyEnsuredVerificationExecutor,
      message: "Verification Executor has been ensured successfully.",
    });
    return "wait";
  }
  const job = verifierJobs(input)[0];
  const ended = job ? isJobFinished(job) : undefined;
  if (job && !ended) return "wait";
  // The verifier writes BackupVerified before its Job ends: a result missing from this read may be a stale read.
  if (!input.confirmed) {
    draft.confirm = true;
    return "wait";
  }
  if (ended === "Complete") {
    set(draft, {
      type: VC.BackupVerified,
      status: "True",
      reason: VR.SuccessfullyVerifiedBackup,
      message: `The verifier Job ${job?.metadata.name ?? ""} completed.`,
    });
    return "done";
  }
  return checkFailed(
    draft,
    job
      ? `the verifier Job ${job.metadata.name} failed without reporting a result`
      : "the verifier Job is gone without reporting a result",
  );
}

/** docs/verification.md#deadline: from the session's creation, the verifier's timeout or one hour. */
export function verificationDeadline(
  session: BackupVerificationSession,
  verifier: BackupVerifier | undefined,
): Date | undefined {
  const created = session.metadata.creationTimestamp;
  if (!created) return undefined;
  const text = verifier?.metadata.annotations?.[VerifierAnnotation.Timeout] ?? DEFAULT_VERIFICATION_TIMEOUT;
  const ms = parseGoDuration(text) ?? parseGoDuration(DEFAULT_VERIFICATION_TIMEOUT) ?? 3_600_000;
  return new Date(Date.parse(created) + ms);
}

function deadlinePassed(draft: Draft): boolean {
  const deadline = verificationDeadline(draft.input.verification, draft.input.verifier);
  return deadline !== undefined && draft.now.getTime() > deadline.getTime();
}

/** Past the deadline: the verification is cut short (docs/verification.md#deadline). */
function deadlineStep(draft: Draft): boolean {
  const { input } = draft;
  const deadline = verificationDeadline(input.verification, input.verifier);
  if (!deadline || !deadlinePassed(draft)) return false;
  cutShort(
    draft,
    `the verification did not finish within its deadline (${deadline.toISOString()})`,
    VR.FailedToCompleteWithinDeadline,
  );
  return true;
}

/** concurrencyPolicy Replace marked it (docs/verification.md#scheduling): cut short for the newer session. */
function replacedStep(draft: Draft): boolean {
  const by = draft.input.verification.metadata.annotations?.[Annotation.ReplacedBy];
  if (by === undefined) return false;
  cutShort(draft, `replaced by BackupVerificationSession ${by} (concurrencyPolicy Replace)`, VR.Replaced);
  return true;
}

/**
 * Cuts a running verification short: unfinished Jobs deleted, an unfinished RestoreSession ended
 * (RestoreIncomplete and its final step, so kubectl shows it Failed), the step under way failed with `reason`.
 */
function cutShort(draft: Draft, message: string, reason: string): void {
  const { input, now } = draft;
  for (const job of [...restoreJobs(input), ...verifierJobs(input)]) {
    if (isJobFinished(job) || isBeingDeleted(job)) continue;
    draft.actions.push({
      type: "delete-job",
      namespace: job.metadata.namespace ?? "default",
      name: job.metadata.name,
      uid: job.metadata.uid,
    });
  }
  const rs = input.restoreSession;
  if (rs && !hasCondition(rs.status?.conditions, RC.MetricsPushed)) {
    let conditions = setCondition(
      rs.status?.conditions,
      { type: RC.RestoreIncomplete, status: "True", reason, message },
      now,
    );
    conditions = setCondition(
      conditions,
      {
        type: RC.MetricsPushed,
        status: "True",
        reason: RR.SuccessfullyPushedMetrics,
        message: "Metrics have been pushed successfully.",
      },
      now,
    );
    const status = { ...rs.status, conditions };
    draft.actions.push({
      type: "update-restore-session-status",
      namespace: rs.metadata.namespace ?? "default",
      name: rs.metadata.name,
      status: { ...status, phase: restoreSessionPhase(status) },
    });
  }
  if (conditionStep(draft, VC.RestoreSucceeded) === undefined) restoreFailed(draft, message, reason);
  else checkFailed(draft, message, reason);
}

/** History: keep `sessionHistoryLimit` finished sessions of the same repository (this one counted). */
function historyStep(draft: Draft): void {
  const { input } = draft;
  const limit = Math.max(1, input.verifier?.spec.sessionHistoryLimit ?? 1);
  const self = input.verification.metadata.name;
  // Never deleted: one still owed its retry, and the newest scheduled one (it anchors the schedule: without it
  // the next tick would make its time again; docs/verification.md#lifecycle).
  const anchor = newestScheduled(input.history);
  const others = input.history
    .filter(
      (s) =>
        s.metadata.name !== self &&
        s.metadata.name !== anchor &&
        isVerificationFinished(s) &&
        !owesRetry(s) &&
        !isBeingDeleted(s),
    )
    .sort(
      (a, b) =>
        Date.parse(b.metadata.creationTimestamp ?? "") - Date.parse(a.metadata.creationTimestamp ?? "") ||
        b.metadata.name.localeCompare(a.metadata.name),
    );
  for (const old of others.slice(limit - 1)) {
    draft.actions.push({
      type: "delete-verification",
      namespace: old.metadata.namespace ?? "default",
      name: old.metadata.name,
      uid: old.metadata.uid,
    });
  }
  set(draft, {
    type: VC.HistoryCleaned,
    status: "True",
    reason: VR.SuccessfullyCleanedVerificationSessionHistory,
    message: "Successfully cleaned up verification session history.",
  });
}

/** Failed, not retried, with retries left: its retry is to come. */
function owesRetry(session: BackupVerificationSession): boolean {
  return (
    session.status?.phase === "Failed" &&
    session.status.retried === undefined &&
    (session.spec.retryLeft ?? 0) > 0
  );
}

/** The name of the newest session the schedule made (origin schedule), if any. */
function newestScheduled(history: readonly BackupVerificationSession[]): string | undefined {
  let newest: { name: string; at: number } | undefined;
  for (const s of history) {
    if ((s.metadata.annotations?.[Annotation.Origin] ?? "schedule") !== "schedule") continue;
    const at = Date.parse(s.metadata.annotations?.[Annotation.ScheduledTime] ?? "");
    if (Number.isFinite(at) && (newest === undefined || at > newest.at))
      newest = { name: s.metadata.name, at };
  }
  return newest?.name;
}

/** After the result: the Snapshot's verification status, the scratch target, the history (the final step). */
function finishSteps(draft: Draft): void {
  const { input } = draft;
  const snapshot = draft.snapshotName;
  const restore = conditionStep(draft, VC.RestoreSucceeded);
  const check = conditionStep(draft, VC.BackupVerified);
  const replaced = (draft.status.conditions ?? []).some((c) => c.reason === VR.Replaced);
  if (snapshot && restore !== undefined && !replaced && !hasCondition(draft.status.conditions, VC.Skipped)) {
    const verified = restore === "done" && check === "done";
    draft.actions.push({
      type: "update-snapshot-verification",
      name: snapshot,
      verificationStatus: verified ? "Verified" : "VerificationFailed",
      verificationSession: input.verification.metadata.name,
    });
  }
  const claim = ownScratchClaim(input);
  if (claim && !isBeingDeleted(claim)) draft.actions.push(deleteClaim(claim));
  historyStep(draft);
}

function failureOf(status: VerificationStatus): { error: string; reasons: string[] } {
  const failed = (status.conditions ?? []).filter((c) => c.status === "False");
  const first = failed[0];
  return {
    error: (first?.message ?? first?.reason ?? "the verification failed").slice(0, 1024),
    reasons: failed.map((c) => c.reason ?? c.type),
  };
}

/** Decides one reconcile of the verification at `now`. */
export function decideVerification(input: VerificationReconcileInput, now: Date): VerificationDecision {
  const { verification } = input;
  if (verification.metadata.deletionTimestamp !== undefined) return decideFinalizer(input);
  const before = verification.status?.phase;
  const draft: Draft = {
    input,
    now,
    status: { ...verification.status },
    actions: [],
    again: false,
    confirm: false,
    snapshotName: verification.spec.snapshot,
  };
  if (before === undefined || !isVerificationFinished(verification)) runSteps(draft);
  const decision: VerificationDecision = { status: draft.status, actions: draft.actions };
  if (draft.confirm) return { status: { ...verification.status }, actions: [], confirm: true };
  if (draft.again) decision.again = true;
  const phase = draft.status.phase;
  if (phase !== before && phase !== undefined) {
    decision.phaseChange = {
      ...(before ? { from: before } : {}),
      to: phase,
      reasons: (draft.status.conditions ?? [])
        .filter((c) => c.status === "False" || c.type === VC.Skipped)
        .map((c) => c.reason ?? c.type),
    };
  }
  if (phase === "Failed") {
    const retry = decideVerificationRetry(
      {
        failed: { ...verification, status: draft.status },
        configuration: input.configuration,
        verifier: input.verifier,
        retryExists: input.retryExists,
        ...(input.windows ? { windows: input.windows } : {}),
      },
      now,
    );
    decision.retry = retry;
    if (retry.action === "retry-now") {
      decision.actions.push({ type: "create-retry", verification: retry.session });
      decision.status = { ...decision.status, retried: true };
    } else if (retry.action === "already-retried" && verification.status?.retried !== true) {
      decision.status = { ...decision.status, retried: true };
    } else if (retry.action === "no-retry") {
      // Never retried: recorded, so the sweep stops looking at it.
      if (verification.status?.retried === undefined)
        decision.status = { ...decision.status, retried: false };
      if (decision.phaseChange) decision.failedForGood = failureOf(draft.status);
    }
  }
  return decision;
}

function runSteps(draft: Draft): void {
  const { input, now } = draft;
  const { verification } = input;
  const ref = verifierRefOf(input);
  if (!hasStarted(draft)) {
    const problem = !input.configuration
      ? `BackupConfiguration ${namespaceOf(input)}/${verification.spec.invoker?.name ?? "(none)"} not found`
      : !ref
        ? `session ${verification.spec.session ?? ""} of ${input.configuration.metadata.name} has no repository ${verification.spec.repository ?? ""} with a backupVerifier`
        : !input.verifier
          ? `BackupVerifier ${ref.namespace ?? namespaceOf(input)}/${ref.name} not found`
          : undefined;
    const skip = problem === undefined ? skipBeforeStart(input) : undefined;
    if (problem) {
      restoreFailed(draft, problem);
    } else if (skip) {
      set(draft, { type: VC.Skipped, status: "True", reason: skip.reason, message: skip.message });
    } else {
      const choice = chooseSnapshot(verification, input.snapshots);
      if (choice.action === "skip") {
        set(draft, { type: VC.Skipped, status: "True", reason: choice.reason, message: choice.message });
      } else {
        const recorded = verification.metadata.annotations?.[VerificationAnnotation.RestoreTarget];
        if (verification.spec.snapshot !== choice.snapshot.metadata.name || recorded === undefined) {
          draft.actions.push({
            type: "set-snapshot",
            snapshot: choice.snapshot.metadata.name,
            ...restoreTargetRecord(input),
          });
        }
        draft.snapshotName = choice.snapshot.metadata.name;
        draft.status.phase = "Running";
      }
    }
  }
  if (!hasCondition(draft.status.conditions, VC.Skipped) && !isFailedBefore(draft)) {
    if (!replacedStep(draft)) {
      // The steps first: a result already in (the verifier's BackupVerified, every component reported) stands,
      // even when this reconcile comes after the deadline; only a step still waiting is cut short.
      const attempt: Draft = {
        ...draft,
        status: {
          ...draft.status,
          ...(draft.status.conditions ? { conditions: [...draft.status.conditions] } : {}),
        },
        actions: [...draft.actions],
      };
      const outcome = restoreAndCheck(attempt);
      if (outcome === "wait" && deadlinePassed(draft)) {
        deadlineStep(draft);
      } else {
        Object.assign(draft, attempt);
        if (outcome === "wait") {
          finishRunning(draft);
          return;
        }
      }
    }
  }
  finishSteps(draft);
  draft.status.phase = verificationPhase(draft.status.conditions);
  const created = verification.metadata.creationTimestamp;
  if (created) draft.status.duration = formatGoDuration(Math.max(0, now.getTime() - Date.parse(created)));
}

/** Restore, then the check: "wait" while either waits. */
function restoreAndCheck(draft: Draft): Step {
  const snapshot = draft.input.snapshots.find((s) => s.metadata.name === draft.snapshotName);
  const restore = restoreStep(draft, snapshot);
  if (restore !== "done") return restore;
  return checkStep(draft);
}

/**
 * Why a session that has not started must not start (docs/verification.md#lifecycle): created Skipped (its
 * skip-reason annotation, docs/decisions.md#created-skipped), its configuration paused, or — concurrencyPolicy
 * Forbid — an older verification of the same repository still unfinished.
 */
function skipBeforeStart(input: VerificationReconcileInput): { reason: string; message: string } | undefined {
  const { verification, configuration, verifier } = input;
  const annotated = verification.metadata.annotations?.[Annotation.SkipReason];
  if (annotated !== undefined) {
    return { reason: skippedReasonOf(annotated), message: annotated };
  }
  if (configuration?.spec.paused === true) {
    return {
      reason: VR.ConfigurationPaused,
      message: `BackupConfiguration ${configuration.metadata.name} is paused`,
    };
  }
  const policy = verifier?.spec.scheduler?.concurrencyPolicy ?? "Forbid";
  if (policy !== "Forbid") return undefined;
  const older = olderUnfinished(verification, input.history);
  if (!older) return undefined;
  return {
    reason: VR.ConcurrentVerification,
    message: `another verification of repository "${verification.spec.repository ?? ""}" is running (${older.metadata.name}) and concurrencyPolicy is Forbid`,
  };
}

/** The reason a skip-reason annotation stands for: a window's or an expired start window's, else Forbid's. */
function skippedReasonOf(message: string): string {
  return /exclusion window|start window|startingDeadlineSeconds/.test(message)
    ? VR.ScheduleWindow
    : VR.ConcurrentVerification;
}

/** The oldest unfinished session of the same repository created before `session` (by time, then name). */
function olderUnfinished(
  session: BackupVerificationSession,
  history: readonly BackupVerificationSession[],
): BackupVerificationSession | undefined {
  const time = (s: BackupVerificationSession) =>
    Date.parse(s.metadata.annotations?.[Annotation.ScheduledTime] ?? s.metadata.creationTimestamp ?? "") || 0;
  return history
    .filter(
      (s) =>
        s.metadata.name !== session.metadata.name &&
        !isBeingDeleted(s) &&
        !isVerificationFinished(s) &&
        (time(s) < time(session) || (time(s) === time(session) && s.metadata.name < session.metadata.name)),
    )
    .sort((a, b) => time(a) - time(b))[0];
}

/** Where this session restores, recorded with its Snapshot: cleanup finds it even after the verifier changed. */
function restoreTargetRecord(input: VerificationReconcileInput): { restoreTarget?: string } {
  const target = targetOf(input.verifier);
  if (!target?.name) return {};
  return {
    restoreTarget: `${target.kind ?? ""}/${target.namespace ?? namespaceOf(input)}/${target.name}`,
  };
}

/** A step failed before this reconcile (restore or check False): go straight to the finishing steps. */
function isFailedBefore(draft: Draft): boolean {
  return (
    conditionStep(draft, VC.RestoreSucceeded) === "failed" ||
    conditionStep(draft, VC.BackupVerified) === "failed"
  );
}

function finishRunning(draft: Draft): void {
  draft.status.phase = "Running";
}
