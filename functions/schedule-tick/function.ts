import type { BaseDeps } from "../../shared/handler/function-definition.ts";
import { defineFunction } from "../../shared/handler/function-definition.ts";
import { ScheduledEvent } from "../../shared/model/events/scheduled-event.ts";
import { type PublishTicksDeps, publishTicks } from "../../shared/usecases/publish-ticks.ts";

export type ScheduleTickDeps = BaseDeps & PublishTicksDeps;

/** Every minute: one "Schedule Tick" per enabled cluster of the registry. */
export const definition = defineFunction({
  name: "schedule-tick",
  accepts: [ScheduledEvent] as const,
  async run(event, deps: ScheduleTickDeps) {
    const firedAt = event.time ? new Date(event.time) : deps.clock.now();
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
  },
});
