import type { CleanupState } from "../decide/retention/snapshot-cleanup.ts";
import type { SweepScope } from "../decide/session/settled.ts";
import type { KubeClient } from "../kube/client.ts";
import type { Observability } from "./observability.ts";
import { cleanUpSnapshots, cleanupMetrics, type SnapshotCleanupReport } from "./snapshot-cleanup.ts";

/**
 * The snapshot cleanup as a step of a function (docs/retention-cleanup.md#when-it-runs): reconcile-session runs
 * it on every Schedule Tick (a cleaner's end is seen within a minute, failures are retried), apply-retention
 * right after it pruned (a pruned Snapshot's cleaner starts at once). Its counts go to CloudWatch, every
 * Snapshot that needs a person is logged; on a tick it lists what `sweepScope` says (only unlabelled Snapshots,
 * everything once an hour: docs/costs.md#snapshots-being-deleted); a failure of the step is logged and never fails the function.
 */

const LOGGED: ReadonlyArray<CleanupState | "gone"> = ["failed", "exhausted", "blocked"];

export async function snapshotCleanupStep(
  deps: Observability,
  client: KubeClient,
  now: Date,
  namespace?: string,
  which: SweepScope = "all",
): Promise<SnapshotCleanupReport | undefined> {
  try {
    const report = await cleanUpSnapshots({ client }, now, namespace, which);
    for (const [name, value] of cleanupMetrics(report)) deps.metrics.addMetric(name, "Count", value);
    for (const outcome of report.snapshots) {
      // `message` is the log line's own key in Powertools (it would drop ours): the outcome's goes as `detail`.
      const { message, ...rest } = outcome as typeof outcome & { message?: string };
      const fields = { clusterId: client.clusterId, ...rest, ...(message ? { detail: message } : {}) };
      if (outcome.error) deps.logger.error("snapshot cleanup step failed", fields);
      else if (LOGGED.includes(outcome.state)) deps.logger.warn("snapshot data not removed", fields);
    }
    return report;
  } catch (error) {
    deps.logger.error("snapshot cleanup failed", { clusterId: client.clusterId, namespace, error });
    return undefined;
  }
}
