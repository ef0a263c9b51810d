import type {
  BackupVerificationSession,
  BackupVerificationSessionPhase,
} from "../../model/backup-verifier.ts";
import { hasCondition, isConditionFalse, isConditionTrue } from "../../model/conditions.ts";
import type { RestorePhase, RestoreSession } from "../../model/restore-session.ts";
import { RestoreSessionCondition as RC, VerificationCondition as VC } from "../../model/verification.ts";

/**
 * KubeStash's phase rules for a BackupVerificationSession and a RestoreSession (docs/verification.md#lifecycle;
 * kubestash/apimachinery `CalculatePhase` of both), as pure functions of the object's conditions and components.
 */

type Conditions = NonNullable<NonNullable<BackupVerificationSession["status"]>["conditions"]>;

/**
 * Failed when the history could not be cleaned; Skipped when skipped; once the history is cleaned (the final
 * step), Failed when the restore or the check failed, else Succeeded; Running before.
 */
export function verificationPhase(conditions: Conditions | undefined): BackupVerificationSessionPhase {
  if (isConditionFalse(conditions, VC.HistoryCleaned)) return "Failed";
  if (isConditionTrue(conditions, VC.Skipped)) return "Skipped";
  const cleaned = isConditionTrue(conditions, VC.HistoryCleaned);
  if (
    cleaned &&
    (isConditionFalse(conditions, VC.RestoreSucceeded) || isConditionFalse(conditions, VC.BackupVerified))
  ) {
    return "Failed";
  }
  return cleaned ? "Succeeded" : "Running";
}

export const FINISHED_VERIFICATION_PHASES: ReadonlySet<BackupVerificationSessionPhase> = new Set([
  "Succeeded",
  "Failed",
  "Skipped",
]);

export function isVerificationFinished(session: BackupVerificationSession): boolean {
  const phase = session.status?.phase;
  return phase !== undefined && FINISHED_VERIFICATION_PHASES.has(phase);
}

/** The phase of a RestoreSession's components: Pending before any, then Running, Succeeded, Failed or Unknown. */
export function restoreComponentsPhase(status: RestoreSession["status"]): RestorePhase {
  const components = Object.values(status?.components ?? {});
  if (components.length === 0) return "Pending";
  const total = status?.totalComponents ?? components.length;
  const succeeded = components.filter((c) => c.phase === "Succeeded").length;
  const failed = components.filter((c) => c.phase === "Failed").length;
  const unknown = components.filter((c) => c.phase === "Unknown").length;
  if (succeeded === total) return "Succeeded";
  if (succeeded + failed + unknown === total) return failed > 0 ? "Failed" : "Unknown";
  return failed > 0 ? "Failed" : "Running";
}

/**
 * A RestoreSession's phase: Failed when its final step failed, or after it when a step failed or the executor
 * ended early; otherwise the components' phase once the final step ran (or while Pending/Unknown), else Running.
 */
export function restoreSessionPhase(status: RestoreSession["status"]): RestorePhase {
  const conditions = status?.conditions;
  if (isConditionFalse(conditions, RC.MetricsPushed)) return "Failed";
  if (
    isConditionTrue(conditions, RC.MetricsPushed) &&
    (isConditionFalse(conditions, RC.RestoreExecutorEnsured) ||
      isConditionFalse(conditions, RC.RestoreTargetFound) ||
      isConditionTrue(conditions, RC.RestoreIncomplete))
  ) {
    return "Failed";
  }
  const components = restoreComponentsPhase(status);
  if (components === "Pending" || components === "Unknown" || hasCondition(conditions, RC.MetricsPushed)) {
    return components;
  }
  return "Running";
}
