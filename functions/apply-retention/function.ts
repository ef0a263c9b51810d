import { type EventPublisher, eventFor } from "../../shared/bus/publisher.ts";
import { defineFunction } from "../../shared/handler/function-definition.ts";
import type { KubeDeps } from "../../shared/handler/kube-deps.ts";
import { BackupSessionPhaseChanged } from "../../shared/model/events/backup-session-phase-changed.ts";
import { DETAIL_VERSION } from "../../shared/model/events/envelope.ts";
import { RetentionApplied } from "../../shared/model/events/retention-applied.ts";
import { RetentionRequested } from "../../shared/model/events/retention-requested.ts";
import { ScheduledEvent } from "../../shared/model/events/scheduled-event.ts";
import { toKubeTime } from "../../shared/model/time.ts";
import { type ApplyRetentionDeps, applySessionRetention } from "../../shared/usecases/apply-retention.ts";
import { mapWithConcurrency } from "../../shared/usecases/concurrency.ts";
import type { RepositoryRetention } from "../../shared/usecases/prune-snapshots.ts";
import { sweepRetention } from "../../shared/usecases/retention-sweep.ts";
import { snapshotCleanupStep } from "../../shared/usecases/snapshot-cleanup-step.ts";

export type ApplyRetentionFunctionDeps = KubeDeps & { publisher: EventPublisher };

const CLUSTER_CONCURRENCY = 4;

/**
 * Prunes Snapshots per RetentionPolicy: for the session a "BackupSession Phase Changed" to Succeeded names,
 * for a session or a namespace a "Retention Requested" names, and daily (the scheduled rule) for every
 * enabled cluster of the registry, each on its own so one cluster's failure leaves the others swept.
 */
export const definition = defineFunction({
  name: "apply-retention",
  accepts: [BackupSessionPhaseChanged, RetentionRequested, ScheduledEvent] as const,
  async run(event, deps: ApplyRetentionFunctionDeps) {
    const now = deps.clock.now();
    /** Repositories that lost Snapshots in this run: each gets a "Retention Applied" once the run is over. */
    const applied: Array<{ clusterId: string; result: RepositoryRetention }> = [];
    const depsFor = async (clusterId: string): Promise<ApplyRetentionDeps> => {
      const timeZone = deps.clusters.cluster(clusterId).entry?.timeZone;
      return {
        client: await deps.clusters.client(clusterId),
        publisher: deps.publisher,
        ...(timeZone ? { timeZone } : {}),
        onApplied: (result: RepositoryRetention) => {
          if (result.phase === "Applied" && result.deleted.length > 0) applied.push({ clusterId, result });
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
    const work = async () => {
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
    };
    const outcome = await work();
    // A pruned Snapshot's cleaner starts at once, not at the next tick (docs/retention-cleanup.md#when-it-runs).
    for (const [clusterId, namespace] of prunedNamespaces(applied)) {
      await snapshotCleanupStep(deps, await deps.clusters.client(clusterId), now, namespace);
    }
    const backupSession =
      event["detail-type"] === "BackupSession Phase Changed"
        ? event.detail.name
        : event["detail-type"] === "Retention Requested"
          ? event.detail.backupSession
          : undefined;
    await publishRetentionApplied(deps.publisher, applied, backupSession, now);
    return outcome;
  },
});

function prunedNamespaces(applied: ReadonlyArray<{ clusterId: string; result: RepositoryRetention }>) {
  const keys = new Set(applied.map(({ clusterId, result }) => JSON.stringify([clusterId, result.namespace])));
  return [...keys].map((k) => JSON.parse(k) as [string, string]);
}

async function publishRetentionApplied(
  publisher: EventPublisher,
  applied: ReadonlyArray<{ clusterId: string; result: RepositoryRetention }>,
  backupSession: string | undefined,
  now: Date,
): Promise<void> {
  if (applied.length === 0) return;
  await publisher.publish(
    applied.map(({ clusterId, result }) =>
      eventFor(RetentionApplied, {
        version: DETAIL_VERSION,
        clusterId,
        namespace: result.namespace,
        repository: result.repository,
        ...(backupSession ? { backupSession } : {}),
        trigger: result.trigger,
        ...(result.ref
          ? { policy: { namespace: result.ref.namespace ?? result.namespace, name: result.ref.name } }
          : {}),
        pruned: result.deleted.length,
        kept: result.kept.length,
        appliedAt: toKubeTime(now),
      }),
    ),
  );
}
