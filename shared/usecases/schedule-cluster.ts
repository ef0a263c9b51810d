import type { EventPublisher } from "../bus/publisher.ts";
import type { ClusterClients } from "../kube/cluster-clients.ts";
import { parseGoDuration } from "../model/duration.ts";
import { ClusterOutages } from "./cluster-outage.ts";
import { clusterWindows } from "./cluster-windows.ts";
import { type CreateSessionsReport, createDueSessions } from "./create-sessions.ts";
import { SchedulingIncompleteError } from "./errors.ts";
import { rpoDefaultsOf } from "./fleet-status.ts";
import type { Observability } from "./observability.ts";
import type { TransientRetryOptions } from "./transient-retry.ts";

/**
 * One cluster's Schedule Tick for create-sessions: the BackupSessions that are due created (create-sessions.ts)
 * with the cluster's stagger window, an outage made visible ("Cluster Unreachable", cluster-outage.ts), and
 * every outcome counted and logged — also when the tick fails, before it fails for the platform's retry.
 */

export interface ScheduleClusterDeps extends Observability {
  clusters: ClusterClients;
  publisher: EventPublisher;
  clock: { now(): Date };
  /** The in-invocation back-off of transient write failures (default: transient-retry.ts's). */
  schedulingRetry?: TransientRetryOptions;
}

/**
 * Outages seen, per container: "Cluster Unreachable" goes out once an hour per cluster, not per tick. Kept
 * with the publisher the container's dependencies hold (built once per Lambda container, once per local
 * runtime), so two runtimes in one process (the tests) do not share it.
 */
const outagesOf = new WeakMap<EventPublisher, ClusterOutages>();

function outages(publisher: EventPublisher): ClusterOutages {
  const found = outagesOf.get(publisher) ?? new ClusterOutages(publisher);
  outagesOf.set(publisher, found);
  return found;
}

export async function scheduleCluster(
  deps: ScheduleClusterDeps,
  clusterId: string,
): Promise<CreateSessionsReport> {
  // One cluster per invocation: its metrics carry it, so alarms can be per cluster (infra/alarms.cjs).
  deps.metrics.addDimension("cluster", clusterId);
  const entry = deps.clusters.cluster(clusterId).entry;
  const staggerWindowMs = entry?.staggerWindow ? parseGoDuration(entry.staggerWindow) : undefined;
  const windows = clusterWindows(entry);
  let report: CreateSessionsReport;
  try {
    report = await outages(deps.publisher).watch(
      clusterId,
      () => deps.clock.now(),
      async () => {
        const client = await deps.clusters.client(clusterId);
        const retry = deps.schedulingRetry;
        return createDueSessions(
          {
            client,
            publisher: deps.publisher,
            staggerWindowMs,
            windows,
            rpo: rpoDefaultsOf(deps.clusters.cluster(clusterId)),
            ...(retry ? { retry } : {}),
          },
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
}

/** Metrics and logs of one tick's outcomes (MissedSchedules: each missed time once, docs/decisions.md#missed-schedules). */
function recordOutcomes(deps: Observability, report: CreateSessionsReport): void {
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
  // docs/rpo.md#the-alarm: the sessions at or above their alarm level on this tick (the alarm's metric).
  if (report.rpo) deps.metrics.addMetric("RPOAtRisk", "Count", report.rpo.filter((r) => r.atRisk).length);
  for (const r of report.rpo ?? []) {
    if (r.announced) deps.logger.warn("RPO At Risk", { ...r });
    if (r.invalid && r.recorded) deps.logger.warn("RPO target unreadable", { ...r });
    if (r.error) deps.logger.warn("RPO not fully recorded: tried again next tick", { ...r });
  }
  for (const bad of report.invalidConfigurations)
    deps.logger.warn("configuration unreadable: marked Invalid", { ...bad });
}
