import type { EventPublisher } from "../../shared/bus/publisher.ts";
import { defineFunction } from "../../shared/handler/function-definition.ts";
import type { KubeDeps } from "../../shared/handler/kube-deps.ts";
import { parseGoDuration } from "../../shared/model/duration.ts";
import { ScheduleTick } from "../../shared/model/events/schedule-tick.ts";
import { ClusterOutages } from "../../shared/usecases/cluster-outage.ts";
import { type CreateSessionsReport, createDueSessions } from "../../shared/usecases/create-sessions.ts";
import { SchedulingIncompleteError } from "../../shared/usecases/errors.ts";
import type { TransientRetryOptions } from "../../shared/usecases/transient-retry.ts";

export type CreateSessionsFunctionDeps = KubeDeps & {
  publisher: EventPublisher;
  /** The in-invocation back-off of transient write failures (default: transient-retry.ts's). */
  schedulingRetry?: TransientRetryOptions;
};

/** Per container: outages seen, so "Cluster Unreachable" is published once an hour per cluster, not per tick. */
let outages: ClusterOutages | undefined;

/** Per cluster and minute: create the BackupSessions that are due, as KubeStash's CronJobs would. */
export const definition = defineFunction({
  name: "create-sessions",
  accepts: [ScheduleTick] as const,
  async run(event, deps: CreateSessionsFunctionDeps) {
    const { clusterId } = event.detail;
    // One cluster per invocation: its metrics carry it, so alarms can be per cluster (infra/alarms.cjs).
    deps.metrics.addDimension("cluster", clusterId);
    outages ??= new ClusterOutages(deps.publisher);
    const entry = deps.clusters.cluster(clusterId).entry;
    const staggerWindowMs = entry?.staggerWindow ? parseGoDuration(entry.staggerWindow) : undefined;
    let report: CreateSessionsReport;
    try {
      report = await outages.watch(
        clusterId,
        () => deps.clock.now(),
        async () => {
          const client = await deps.clusters.client(clusterId);
          const retry = deps.schedulingRetry;
          return createDueSessions(
            { client, publisher: deps.publisher, staggerWindowMs, ...(retry ? { retry } : {}) },
            deps.clock.now(),
          );
        },
      );
    } catch (error) {
      // What the tick did is counted before the invocation fails for the platform's retry.
      if (error instanceof SchedulingIncompleteError) recordOutcomes(deps, error.report);
      throw error;
    }
    recordOutcomes(deps, report);
    return report;
  },
});

/** Metrics and logs of one tick's outcomes (MissedSchedules: each missed time once, docs/decisions.md#missed-schedules). */
function recordOutcomes(deps: CreateSessionsFunctionDeps, report: CreateSessionsReport): void {
  for (const o of report.outcomes) {
    if (o.created) deps.metrics.addMetric("SessionsCreated", "Count", 1);
    if (o.decision === "skip-create" && o.created) deps.metrics.addMetric("SessionsSkipped", "Count", 1);
    if (o.missed) deps.metrics.addMetric("MissedSchedules", "Count", o.missed);
    if (o.overdue) deps.metrics.addMetric("OverdueSchedules", "Count", 1);
    if (o.created && o.lagSeconds !== undefined)
      deps.metrics.addMetric("ScheduleLagSeconds", "Seconds", o.lagSeconds);
    if (o.error && o.transient) deps.logger.warn("configuration not fully scheduled: retried", { ...o });
    else if (o.error) deps.logger.error("configuration not scheduled", { ...o });
  }
  for (const bad of report.invalidConfigurations)
    deps.logger.warn("configuration unreadable: marked Invalid", { ...bad });
}
