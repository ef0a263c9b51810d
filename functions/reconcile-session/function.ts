import type { FollowUp, FollowUpQueue } from "../../shared/bus/follow-up-queue.ts";
import type { EventPublisher } from "../../shared/bus/publisher.ts";
import type { SessionSummary } from "../../shared/decide/session-summary.ts";
import { sweepScope } from "../../shared/decide/settled.ts";
import { defineFunction } from "../../shared/handler/function-definition.ts";
import type { KubeDeps } from "../../shared/handler/kube-deps.ts";
import { parseGoDuration } from "../../shared/model/duration.ts";
import { BackupSessionCreated } from "../../shared/model/events/backup-session-created.ts";
import { ScheduleTick } from "../../shared/model/events/schedule-tick.ts";
import { SessionFollowUp } from "../../shared/model/events/session-follow-up.ts";
import { reconcileSession, sweepSessions } from "../../shared/usecases/reconcile-session.ts";
import { snapshotCleanupStep } from "../../shared/usecases/snapshot-cleanup-step.ts";
import { sessionFollowUp } from "./follow-up.ts";

export type ReconcileSessionFunctionDeps = KubeDeps & {
  publisher: EventPublisher;
  followUps?: FollowUpQueue;
};

/** Sends a follow-up; a failure only logs: the sweep still reaches the session (docs/follow-ups.md). */
async function sendFollowUp(deps: ReconcileSessionFunctionDeps, followUp: FollowUp | undefined) {
  if (!followUp || !deps.followUps) return;
  try {
    await deps.followUps.send([followUp]);
    deps.metrics.addMetric("FollowUpsSent", "Count", 1);
  } catch (error) {
    deps.metrics.addMetric("FollowUpsNotSent", "Count", 1);
    deps.logger.warn("follow-up not sent; the sweep reconciles the session", { error: String(error) });
  }
}

/**
 * Drives BackupSessions: the one a "BackupSession Created" names, and — on every Schedule Tick — every
 * unfinished session of that cluster (the sweep), so a lost event delays a session by a minute at most; the
 * tick then removes the data of deleted Snapshots (the snapshot cleanup step). A session still running after
 * the Created event or a "BackupSession Follow Up" gets the next follow-up, with back-off, on the follow-up
 * queue (docs/follow-ups.md): it is looked at again within seconds, not at the next tick.
 */
export const definition = defineFunction({
  name: "reconcile-session",
  accepts: [BackupSessionCreated, SessionFollowUp, ScheduleTick] as const,
  async run(event, deps: ReconcileSessionFunctionDeps) {
    // One cluster per invocation: its metrics carry it, so alarms can be per cluster (infra/alarms.cjs).
    deps.metrics.addDimension("cluster", event.detail.clusterId);
    const client = await deps.clusters.client(event.detail.clusterId);
    const pushMetrics = (summary: SessionSummary) => {
      // The session's final step: CloudWatch EMF through Powertools (docs/decisions.md#metrics).
      deps.metrics.addMetric(`Sessions${summary.status.phase}`, "Count", 1);
      const ms = parseGoDuration(summary.status.duration);
      if (ms !== undefined) deps.metrics.addMetric("SessionDurationSeconds", "Seconds", ms / 1000);
    };
    const reconcileDeps = { client, publisher: deps.publisher, pushMetrics };
    const now = () => deps.clock.now();
    if (event["detail-type"] === "BackupSession Created") {
      const outcome = await reconcileSession(reconcileDeps, event.detail.namespace, event.detail.name, now);
      await sendFollowUp(deps, sessionFollowUp(event.detail.clusterId, outcome));
      return [outcome];
    }
    if (event["detail-type"] === "BackupSession Follow Up") {
      const { clusterId, namespace, name, uid, attempt, sinceProgress } = event.detail;
      const outcome = await reconcileSession(reconcileDeps, namespace, name, now);
      await sendFollowUp(deps, sessionFollowUp(clusterId, outcome, { uid, attempt, sinceProgress }));
      return [outcome];
    }
    // One scope for the tick's sweep and its cleanup step (docs/costs.md#snapshots-being-deleted).
    const scope = sweepScope(deps.clock.now());
    const outcomes = await sweepSessions(reconcileDeps, now, { scope });
    for (const o of outcomes.filter((x) => x.error)) deps.logger.error("session not reconciled", { ...o });
    deps.metrics.addMetric("SessionsSwept", "Count", outcomes.length);
    // The data of deleted Snapshots: cleaners started, their end seen, failures retried (docs/retention-cleanup.md).
    await snapshotCleanupStep(deps, client, deps.clock.now(), undefined, scope);
    return outcomes;
  },
});
