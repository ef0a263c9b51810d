import type { EventPublisher } from "../../shared/bus/publisher.ts";
import { defineFunction } from "../../shared/handler/function-definition.ts";
import type { KubeDeps } from "../../shared/handler/kube-deps.ts";
import { BackupSessionPhaseChanged } from "../../shared/model/events/backup-session-phase-changed.ts";
import { RetentionRequested } from "../../shared/model/events/retention-requested.ts";
import { ScheduledEvent } from "../../shared/model/events/scheduled-event.ts";
import { type RetentionTarget, runRetention } from "../../shared/usecases/retention-run.ts";

export type ApplyRetentionFunctionDeps = KubeDeps & { publisher: EventPublisher };

/**
 * Prunes Snapshots per RetentionPolicy: for the session a "BackupSession Phase Changed" to Succeeded names,
 * for a session or a namespace a "Retention Requested" names, and daily (the scheduled rule) for every
 * enabled cluster of the registry (shared/usecases/retention-run.ts).
 */
export const definition = defineFunction({
  name: "apply-retention",
  accepts: [BackupSessionPhaseChanged, RetentionRequested, ScheduledEvent] as const,
  async run(event, deps: ApplyRetentionFunctionDeps) {
    let target: RetentionTarget;
    if (event["detail-type"] === "Scheduled Event") target = { kind: "every-cluster" };
    else if (event["detail-type"] === "BackupSession Phase Changed") {
      if (event.detail.newPhase !== "Succeeded") return { skipped: `phase ${event.detail.newPhase}` };
      const { clusterId, namespace, name } = event.detail;
      target = { kind: "session", clusterId, namespace, name };
    } else {
      const { clusterId, namespace, backupSession, reason } = event.detail;
      target = backupSession
        ? { kind: "session", clusterId, namespace, name: backupSession, trigger: reason }
        : { kind: "namespace", clusterId, namespace };
    }
    return runRetention(deps, target, deps.clock.now());
  },
});
