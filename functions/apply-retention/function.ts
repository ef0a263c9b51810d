import type { EventPublisher } from "../../shared/bus/publisher.ts";
import { defineFunction } from "../../shared/handler/function-definition.ts";
import type { KubeDeps } from "../../shared/handler/kube-deps.ts";
import { BackupSessionPhaseChanged } from "../../shared/model/events/backup-session-phase-changed.ts";
import { RetentionRequested } from "../../shared/model/events/retention-requested.ts";
import { ScheduledEvent } from "../../shared/model/events/scheduled-event.ts";
import { type ApplyRetentionDeps, applySessionRetention } from "../../shared/usecases/apply-retention.ts";
import { mapWithConcurrency } from "../../shared/usecases/concurrency.ts";
import type { RepositoryRetention } from "../../shared/usecases/prune-snapshots.ts";
import { sweepRetention } from "../../shared/usecases/retention-sweep.ts";

export type ApplyRetentionFunctionDeps = KubeDeps & { publisher: EventPublisher };

const CLUSTER_CONCURRENCY = 4;

/**
 * Prunes Snapshots per RetentionPolicy: for the session a "BackupSession Phase Changed" to Succeeded names,
 * for a session or a namespace a "Retention Requested" names, and daily (the scheduled rule) for every
 * enabled cluster of the registry, each on its own so one cluster's failure leaves the others swept.
 */
export const applyRetentionFunction = defineFunction({
  name: "apply-retention",
  accepts: [BackupSessionPhaseChanged, RetentionRequested, ScheduledEvent] as const,
  async run(event, deps: ApplyRetentionFunctionDeps) {
    const now = deps.clock.now();
    const depsFor = async (clusterId: string): Promise<ApplyRetentionDeps> => {
      const timeZone = deps.clusters.cluster(clusterId).entry?.timeZone;
      return {
        client: await deps.clusters.client(clusterId),
        publisher: deps.publisher,
        ...(timeZone ? { timeZone } : {}),
        onApplied: (result: RepositoryRetention) => {
          deps.metrics.addMetric("SnapshotsPruned", "Count", result.deleted.length);
          if (result.phase === "FailedToApply") deps.metrics.addMetric("RetentionFailedToApply", "Count", 1);
          const { namespace, repository, sessionName, phase, error } = result;
          const counts = {
            pruned: result.deleted.length,
            kept: result.kept.length,
            replaced: result.replaced.length,
          };
          deps.logger.info("retention applied", {
            clusterId,
            namespace,
            repository,
            sessionName,
            phase,
            error,
            ...counts,
          });
        },
      };
    };
    if (event["detail-type"] === "Scheduled Event") {
      const enabled = deps.clusters.registry.clusters.filter((c) => c.enabled);
      return mapWithConcurrency(enabled, CLUSTER_CONCURRENCY, async ({ id }) => {
        try {
          return { clusterId: id, ...(await sweepRetention(await depsFor(id), now)) };
        } catch (error) {
          deps.logger.error("retention sweep failed for a cluster", { clusterId: id, error });
          return { clusterId: id, error: error instanceof Error ? error.message : String(error) };
        }
      });
    }
    const { clusterId, namespace } = event.detail;
    if (event["detail-type"] === "BackupSession Phase Changed") {
      if (event.detail.newPhase !== "Succeeded") return { skipped: `phase ${event.detail.newPhase}` };
      return applySessionRetention(await depsFor(clusterId), namespace, event.detail.name, now);
    }
    const { backupSession, reason } = event.detail;
    if (backupSession)
      return applySessionRetention(await depsFor(clusterId), namespace, backupSession, now, reason);
    return sweepRetention(await depsFor(clusterId), now, namespace);
  },
});
