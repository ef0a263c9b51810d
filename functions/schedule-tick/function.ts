import type { BaseDeps } from "../../shared/handler/function-definition.ts";
import { defineFunction } from "../../shared/handler/function-definition.ts";
import { ScheduledEvent } from "../../shared/model/events/scheduled-event.ts";
import { type TickClustersDeps, tickClusters } from "../../shared/usecases/tick-clusters.ts";

export type ScheduleTickDeps = BaseDeps & TickClustersDeps;

/** Every minute: one "Schedule Tick" per enabled cluster of the registry (shared/usecases/tick-clusters.ts). */
export const definition = defineFunction({
  name: "schedule-tick",
  accepts: [ScheduledEvent] as const,
  run: (event, deps: ScheduleTickDeps) =>
    tickClusters(deps, event.time ? new Date(event.time) : deps.clock.now()),
});
