import type { Observability } from "./observability.ts";
import { type PublishTicksDeps, publishTicks, type TickReport } from "./publish-ticks.ts";

/**
 * What schedule-tick runs every minute: one "Schedule Tick" per enabled cluster of the registry
 * (publish-ticks.ts), each disabled cluster logged with why, both counted (`ClustersTicked`, `ClustersDisabled`).
 */

export type TickClustersDeps = PublishTicksDeps & Observability;

export async function tickClusters(deps: TickClustersDeps, firedAt: Date): Promise<TickReport> {
  const report = await publishTicks(deps, firedAt);
  for (const cluster of report.disabled) {
    deps.logger.warn("cluster disabled in the registry: not ticked", {
      clusterId: cluster.id,
      error: cluster.error,
    });
  }
  deps.metrics.addMetric("ClustersTicked", "Count", report.ticked.length);
  deps.metrics.addMetric("ClustersDisabled", "Count", report.disabled.length);
  return report;
}
