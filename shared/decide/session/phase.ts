import type { BackupConfiguration, BackupConfigurationPhase } from "../../model/backup-configuration.ts";
import type { BackupSession, BackupSessionPhase } from "../../model/backup-session.ts";
import type { Condition } from "../../model/common.ts";
import {
  BackupConfigurationCondition,
  BackupSessionCondition as C,
  hasCondition,
  isConditionFalse,
  isConditionTrue,
  SnapshotCondition,
} from "../../model/conditions.ts";
import type { Snapshot, SnapshotPhase } from "../../model/snapshot.ts";

/**
 * KubeStash's phase rules (docs/model.md#backupconfiguration-phase, docs/model.md#backupsession-phase,
 * docs/model.md#snapshot-phase), as pure functions of the object.
 */

/** Overall phase of a BackupSession's snapshots (docs/model.md#backupsession-phase step 4). */
export function phaseFromSnapshots(phases: ReadonlyArray<SnapshotPhase | undefined>): BackupSessionPhase {
  if (phases.length === 0 || phases.every((p) => p === undefined || p === "Pending")) return "Pending";
  const succeeded = phases.filter((p) => p === "Succeeded").length;
  const failed = phases.filter((p) => p === "Failed").length;
  if (succeeded + failed !== phases.length) return "Running";
  return failed > 0 ? "Failed" : "Succeeded";
}

/**
 * Conditions that fail a session once its final step (MetricsPushed) has run
 * (docs/model.md#backupsession-phase step 3).
 */
function hasFailedStep(conditions: ReadonlyArray<Condition> | undefined, session: BackupSession): boolean {
  return (
    isConditionFalse(conditions, C.BackupExecutorEnsured) ||
    isConditionFalse(conditions, C.SnapshotsEnsured) ||
    isConditionFalse(conditions, C.PreBackupHooksExecutionSucceeded) ||
    isConditionFalse(conditions, C.PostBackupHooksExecutionSucceeded) ||
    isConditionFalse(conditions, C.SessionHistoryCleaned) ||
    isConditionTrue(conditions, C.SnapshotCleanupIncomplete) ||
    (session.status?.retentionPolicy ?? []).some((r) => r.phase === "FailedToApply")
  );
}

/**
 * BackupSession phase, KubeStash's `CalculatePhase` in its exact order (docs/model.md#backupsession-phase).
 */
export function backupSessionPhase(session: BackupSession): BackupSessionPhase {
  const conditions = session.status?.conditions;
  if (isConditionFalse(conditions, C.MetricsPushed)) return "Failed";
  if (isConditionTrue(conditions, C.BackupSkipped)) return "Skipped";
  if (isConditionTrue(conditions, C.MetricsPushed) && hasFailedStep(conditions, session)) return "Failed";
  const fromSnapshots = phaseFromSnapshots((session.status?.snapshots ?? []).map((s) => s.phase));
  if (fromSnapshots === "Pending" || hasCondition(conditions, C.MetricsPushed)) return fromSnapshots;
  return "Running";
}

export function isSessionCompleted(phase: BackupSessionPhase | undefined): boolean {
  return phase === "Succeeded" || phase === "Failed" || phase === "Skipped";
}

/** Phase of a Snapshot's components (docs/model.md#snapshot-phase, components). */
export function componentsPhase(snapshot: Snapshot): SnapshotPhase {
  const components = Object.values(snapshot.status?.components ?? {});
  if (components.length === 0) return "Pending";
  const total = snapshot.status?.totalComponents ?? components.length;
  const succeeded = components.filter((c) => c.phase === "Succeeded").length;
  const failed = components.filter((c) => c.phase === "Failed").length;
  if (succeeded === total) return "Succeeded";
  if (succeeded + failed === total || failed > 0) return "Failed";
  return "Running";
}

/** Snapshot phase (docs/model.md#snapshot-phase). */
export function snapshotPhase(snapshot: Snapshot): SnapshotPhase {
  const conditions = snapshot.status?.conditions;
  if (
    isConditionFalse(conditions, SnapshotCondition.SnapshotMetadataUploaded) ||
    isConditionFalse(conditions, SnapshotCondition.RecentSnapshotListUpdated) ||
    isConditionTrue(conditions, SnapshotCondition.BackupIncomplete)
  ) {
    return "Failed";
  }
  const fromComponents = componentsPhase(snapshot);
  if (fromComponents === "Pending") return "Pending";
  return hasCondition(conditions, SnapshotCondition.SnapshotMetadataUploaded) ? fromComponents : "Running";
}

/** BackupConfiguration phase (docs/model.md#backupconfiguration-phase). */
export function backupConfigurationPhase(config: BackupConfiguration): BackupConfigurationPhase {
  const status = config.status;
  if (isConditionFalse(status?.conditions, BackupConfigurationCondition.ValidationPassed)) return "Invalid";
  const specBackends = config.spec.backends ?? [];
  const statusBackends = status?.backends ?? [];
  const specSessions = config.spec.sessions ?? [];
  const statusSessions = status?.sessions ?? [];
  const ready =
    status?.targetFound === true &&
    statusBackends.length === specBackends.length &&
    statusBackends.every((b) => b.ready === true) &&
    statusSessions.length === specSessions.length &&
    statusSessions.every((s) => isConditionTrue(s.conditions, BackupConfigurationCondition.SchedulerEnsured));
  return ready ? "Ready" : "NotReady";
}
