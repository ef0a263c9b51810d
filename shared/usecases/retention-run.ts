import { type EventPublisher, eventFor } from "../bus/publisher.ts";
import type { ClusterClients } from "../kube/cluster-clients.ts";
import { DETAIL_VERSION } from "../model/events/envelope.ts";
import { RetentionApplied } from "../model/events/retention-applied.ts";
import { toKubeTime } from "../model/time.ts";
import { type ApplyRetentionDeps, applySessionRetention } from "./apply-retention.ts";
import { mapWithConcurrency } from "./concurrency.ts";
import type { Observability } from "./observability.ts";
import type { RepositoryRetention, RetentionTrigger } from "./prune-snapshots.ts";
import { sweepRetention } from "./retention-sweep.ts";
import { snapshotCleanupStep } from "./snapshot-cleanup-step.ts";

/**
 * One run of apply-retention, whatever asked for it: for one session, for one namespace, or (the daily sweep)
 * for every enabled cluster of the registry, each on its own so one cluster's failure leaves the others
 * swept. Every repository's result is counted (`SnapshotsPruned`, `RetentionFailedToApply`) and logged; the
 * cleaners of what was pruned start at once (docs/retention-cleanup.md#when-it-runs); then one "Retention
 * Applied" per repository that lost Snapshots is published, the run over.
 */

export interface RetentionRunDeps extends Observability {
  clusters: ClusterClients;
  publisher: EventPublisher;
}

export type RetentionTarget =
  | { kind: "every-cluster" }
  | { kind: "session"; clusterId: string; namespace: string; name: string; trigger?: RetentionTrigger }
  | { kind: "namespace"; clusterId: string; namespace: string };

const CLUSTER_CONCURRENCY = 4;

export async function runRetention(deps: RetentionRunDeps, target: RetentionTarget, now: Date) {
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
        recordRepository(deps, clusterId, result);
      },
    };
  };
  const work = async () => {
    switch (target.kind) {
      case "every-cluster": {
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
      case "session": {
        const { clusterId, namespace, name, trigger } = target;
        return applySessionRetention(await depsFor(clusterId), namespace, name, now, trigger);
      }
      case "namespace":
        return sweepRetention(await depsFor(target.clusterId), now, target.namespace);
    }
  };
  const outcome = await work();
  // A pruned Snapshot's cleaner starts at once, not at the next tick (docs/retention-cleanup.md#when-it-runs).
  for (const [clusterId, namespace] of prunedNamespaces(applied)) {
    await snapshotCleanupStep(deps, await deps.clusters.client(clusterId), now, namespace);
  }
  const backupSession = target.kind === "session" ? target.name : undefined;
  await publishRetentionApplied(deps.publisher, applied, backupSession, now);
  return outcome;
}

/** One repository's result: CloudWatch counts and a log line. */
function recordRepository(deps: Observability, clusterId: string, result: RepositoryRetention): void {
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
}

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
