import { defineFunction } from "../../shared/handler/function-definition.ts";
import type { KubeDeps } from "../../shared/handler/kube-deps.ts";
import { BackupSessionPhaseChanged } from "../../shared/model/events/backup-session-phase-changed.ts";
import { RetryDue } from "../../shared/model/events/retry-due.ts";
import { ScheduleTick } from "../../shared/model/events/schedule-tick.ts";
import {
  type RetryFailuresDeps,
  retryFailure,
  sweepClusterFailures,
} from "../../shared/usecases/retry-failures.ts";

export type EvaluateFailureFunctionDeps = KubeDeps & Pick<RetryFailuresDeps, "publisher" | "followUps">;

/**
 * Retries failed BackupSessions (exactly one retry per failure, at its nextRetry): on "BackupSession Phase
 * Changed" to Failed and "BackupSession Retry Due" for one session, and on every Schedule Tick as the sweep of
 * that cluster — which both waits out each delay (nextRetry is kept on the session) and catches lost events
 * (shared/usecases/retry-failures.ts).
 */
export const definition = defineFunction({
  name: "evaluate-failure",
  accepts: [BackupSessionPhaseChanged, RetryDue, ScheduleTick] as const,
  async run(event, deps: EvaluateFailureFunctionDeps) {
    switch (event["detail-type"]) {
      case "BackupSession Phase Changed":
        if (event.detail.newPhase !== "Failed") return [];
        return retryFailure(deps, event.detail.clusterId, event.detail.namespace, event.detail.name);
      case "BackupSession Retry Due":
        return retryFailure(deps, event.detail.clusterId, event.detail.namespace, event.detail.failedSession);
      case "Schedule Tick":
        return sweepClusterFailures(deps, event.detail.clusterId);
    }
  },
});
