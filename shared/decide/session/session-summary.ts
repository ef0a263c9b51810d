import type { BackupConfiguration } from "../../model/backup-configuration.ts";
import type { BackupSession, BackupSessionPhase, BackupSessionStatus } from "../../model/backup-session.ts";
import { GROUP_CORE, type TypedObjectReference } from "../../model/common.ts";
import { BackupSessionCondition as C, findCondition } from "../../model/conditions.ts";
import { appRefOf } from "./session-snapshots.ts";

/**
 * What a finished session reports (docs/model.md#backupsession-summary, `GetSummary`): the metrics payload,
 * and the reasons that decided a phase for the "Phase Changed" event.
 */

export interface SessionSummary {
  name: string;
  namespace: string;
  invoker: { apiGroup: string; kind: string; name: string; namespace: string };
  target?: TypedObjectReference;
  status: { phase: "Succeeded" | "Failed"; duration: string; error: string };
}

/**
 * docs/model.md#backupsession-summary: the first False condition's message, else a failed snapshot, else a
 * retention that failed to apply.
 */
export function summaryError(status: BackupSessionStatus): string {
  const failed = (status.conditions ?? []).find((c) => c.status === "False");
  if (failed) return failed.message ?? failed.reason ?? failed.type;
  if ((status.snapshots ?? []).some((s) => s.phase === "Failed")) return "one or more snapshots are failed";
  if ((status.retentionPolicy ?? []).some((r) => r.phase === "FailedToApply")) {
    return "one or more retention policies are failed to apply";
  }
  return "";
}

export function sessionSummary(
  session: BackupSession,
  status: BackupSessionStatus,
  configuration: BackupConfiguration | undefined,
): SessionSummary {
  const namespace = session.metadata.namespace ?? "default";
  const error = summaryError(status);
  return {
    name: session.metadata.name,
    namespace,
    invoker: {
      apiGroup: session.spec.invoker?.apiGroup ?? GROUP_CORE,
      kind: session.spec.invoker?.kind ?? "BackupConfiguration",
      name: session.spec.invoker?.name ?? "",
      namespace,
    },
    ...(configuration ? { target: appRefOf(configuration) } : {}),
    status: { phase: error === "" ? "Succeeded" : "Failed", duration: status.duration ?? "", error },
  };
}

/** Condition states that fail a session, with the reason they carry. */
const FAILING_WHEN_TRUE = new Set<string>([C.DeadlineExceeded, C.SnapshotCleanupIncomplete]);

/** Reasons of the conditions that decided `phase` (for the Phase Changed event and the Kubernetes Event). */
export function phaseReasons(status: BackupSessionStatus, phase: BackupSessionPhase): string[] {
  const conditions = status.conditions ?? [];
  const reasonOf = (c: { reason?: string | undefined; type: string }) => c.reason ?? c.type;
  if (phase === "Skipped") {
    const skipped = findCondition(conditions, C.BackupSkipped);
    return skipped ? [reasonOf(skipped)] : [];
  }
  if (phase === "Failed") {
    const reasons = conditions
      .filter((c) => c.status === "False" || (c.status === "True" && FAILING_WHEN_TRUE.has(c.type)))
      .map(reasonOf);
    if ((status.snapshots ?? []).some((s) => s.phase === "Failed")) reasons.push("SnapshotFailed");
    if ((status.retentionPolicy ?? []).some((r) => r.phase === "FailedToApply"))
      reasons.push("FailedToApply");
    return [...new Set(reasons)];
  }
  return conditions.filter((c) => c.status === "True").map(reasonOf);
}

/** The message of the Kubernetes Event recorded when a session enters `phase`. */
export function phaseEventMessage(status: BackupSessionStatus, phase: BackupSessionPhase): string {
  if (phase === "Failed") return `BackupSession failed: ${summaryError(status) || "see its conditions"}`;
  if (phase === "Skipped") {
    return `BackupSession skipped: ${findCondition(status.conditions, C.BackupSkipped)?.message ?? ""}`;
  }
  if (phase === "Succeeded") return `BackupSession succeeded in ${status.duration ?? ""}`;
  return `BackupSession is ${phase}`;
}
