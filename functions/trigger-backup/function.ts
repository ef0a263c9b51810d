import type { EventPublisher } from "../../shared/bus/publisher.ts";
import { defineFunction } from "../../shared/handler/function-definition.ts";
import type { KubeDeps } from "../../shared/handler/kube-deps.ts";
import { BackupTriggerRequested } from "../../shared/model/events/backup-trigger-requested.ts";
import { triggerBackup } from "../../shared/usecases/trigger-backup.ts";

export type TriggerBackupFunctionDeps = KubeDeps & { publisher: EventPublisher };

/** "Backup Trigger Requested" from another system: one BackupSession now, once per request id. */
export const definition = defineFunction({
  name: "trigger-backup",
  accepts: [BackupTriggerRequested] as const,
  async run(event, deps: TriggerBackupFunctionDeps) {
    const client = await deps.clusters.client(event.detail.clusterId);
    const requestedAt = event.time ? new Date(event.time) : deps.clock.now();
    const outcome = await triggerBackup(
      { client, publisher: deps.publisher },
      event.detail,
      requestedAt,
      deps.clock.now(),
    );
    deps.metrics.addMetric(
      outcome.status === "created"
        ? "TriggersAccepted"
        : outcome.status === "duplicate"
          ? "TriggersDuplicate"
          : "TriggersRejected",
      "Count",
      1,
    );
    if (outcome.status === "rejected") {
      // A well-formed request for something that does not exist: kept in the dead-letter queue, not lost.
      deps.logger.error("trigger request rejected", {
        reason: outcome.reason,
        requestId: event.detail.requestId,
      });
      await deps.deadLetters.send({ reason: outcome.reason, event, functionName: "trigger-backup" });
    }
    return outcome;
  },
});
