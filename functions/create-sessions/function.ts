import { defineFunction } from "../../shared/handler/function-definition.ts";
import type { KubeDeps } from "../../shared/handler/kube-deps.ts";
import { ScheduleTick } from "../../shared/model/events/schedule-tick.ts";
import { type ScheduleClusterDeps, scheduleCluster } from "../../shared/usecases/schedule-cluster.ts";

export type CreateSessionsFunctionDeps = KubeDeps &
  Pick<ScheduleClusterDeps, "publisher" | "schedulingRetry">;

/** Per cluster and minute: create the BackupSessions that are due, as KubeStash's CronJobs would. */
export const definition = defineFunction({
  name: "create-sessions",
  accepts: [ScheduleTick] as const,
  run: (event, deps: CreateSessionsFunctionDeps) => scheduleCluster(deps, event.detail.clusterId),
});
