import type { BackupSessionStatus } from "../../model/backup-session.ts";
import { type ConditionInput, setCondition } from "../../model/conditions.ts";
import type { Job } from "../../model/job.ts";
import type { Repository } from "../../model/repository.ts";
import type { Snapshot } from "../../model/snapshot.ts";
import type { Absence } from "./absence.ts";
import type { ExecutorRbacPlan } from "./executor-rbac.ts";
import { snapshotPhase } from "./phase.ts";
import type { SessionReconcileInput } from "./reconcile-input.ts";
import { incompleteSnapshotUpdate } from "./session-snapshots.ts";
import type { SessionSummary } from "./session-summary.ts";
import type { SnapshotStatusUpdate } from "./snapshot-progress.ts";

/** The types of the session decision, and the draft status its steps write into. */
export type { SessionReconcileInput } from "./reconcile-input.ts";

/**
 * What the use case does, in the order given, before it writes the new status (with the resourceVersion it
 * read); an action that finds its work done (AlreadyExists, NotFound) counts as done.
 */
export type SessionAction =
  | { type: "create-repository"; repository: Repository }
  | { type: "create-snapshot"; snapshot: Snapshot }
  | { type: "create-job"; job: Job }
  /** The executor's ServiceAccount and RoleBindings (docs/executor-rbac.md), before its Job. */
  | { type: "ensure-executor-rbac"; plan: ExecutorRbacPlan }
  /** Apply `update` to the Snapshot's freshest status (the executor may have written since it was read). */
  | { type: "update-snapshot-status"; name: string; update: SnapshotStatusUpdate }
  /** Recompute the Repository's status from its Snapshots; `initialized` once its repository.yaml is written. */
  | { type: "update-repository-status"; name: string; initialized: boolean }
  /**
   * `completed`: the session carries the completed label, which is cleared first so the sweep finds it while
   * it is being deleted (docs/costs.md#sessions-being-deleted).
   */
  | { type: "delete-session"; name: string; uid: string | undefined; completed?: true }
  | { type: "delete-job"; namespace: string; name: string; uid: string | undefined }
  | { type: "remove-finalizer"; finalizer: string }
  | { type: "record-event"; eventType: "Normal" | "Warning"; reason: string; message: string }
  | { type: "push-metrics"; summary: SessionSummary };

/** The decision's working state: the new status, the actions so far, and whether metrics are due. */
export interface Draft {
  readonly input: SessionReconcileInput;
  readonly now: Date;
  status: BackupSessionStatus;
  actions: SessionAction[];
  pushMetrics: boolean;
  /** Set by a step whose actions the next step needs at once (see SessionDecision.again). */
  again?: boolean;
  /** Absences a step would act on that are not confirmed yet (see SessionDecision.confirm). */
  confirm: Absence[];
}

export function newDraft(input: SessionReconcileInput, now: Date): Draft {
  return { input, now, status: { ...input.session.status }, actions: [], pushMetrics: false, confirm: [] };
}

export function setStatusCondition(draft: Draft, condition: ConditionInput): void {
  draft.status.conditions = setCondition(draft.status.conditions, condition, draft.now);
}

const TERMINAL = new Set(["Succeeded", "Failed"]);

/** `status.snapshots` with each phase read again from the Snapshot (a missing one keeps its last phase). */
export function refreshSnapshotPhases(draft: Draft): void {
  const refs = draft.status.snapshots;
  if (!refs) return;
  draft.status.snapshots = refs.map((ref) => {
    const snapshot = draft.input.snapshots.find((s) => s.metadata.name === ref.name);
    return snapshot ? { ...ref, phase: snapshotPhase(snapshot) } : ref;
  });
}

export function outstandingSnapshots(draft: Draft): string[] {
  return (draft.status.snapshots ?? []).filter((s) => !TERMINAL.has(s.phase ?? "Pending")).map((s) => s.name);
}

/** Fails every Snapshot still Pending or Running: a fail-snapshot action each, and Failed in the session status. */
export function failOutstandingSnapshots(draft: Draft, message: string): void {
  const names = new Set(outstandingSnapshots(draft));
  if (names.size === 0) return;
  for (const name of names) {
    draft.actions.push({ type: "update-snapshot-status", name, update: incompleteSnapshotUpdate(message) });
  }
  draft.status.snapshots = (draft.status.snapshots ?? []).map((s) =>
    names.has(s.name) ? { ...s, phase: "Failed" } : s,
  );
}
