import type { FollowUpQueue } from "../../shared/bus/follow-up-queue.ts";
import type { EventPublisher } from "../../shared/bus/publisher.ts";
import { DEFAULT_MAX_CONCURRENT_RETRIES } from "../../shared/decide/retry.ts";
import { defineFunction } from "../../shared/handler/function-definition.ts";
import type { KubeDeps } from "../../shared/handler/kube-deps.ts";
import { BackupSessionPhaseChanged } from "../../shared/model/events/backup-session-phase-changed.ts";
import { RetryDue } from "../../shared/model/events/retry-due.ts";
import { ScheduleTick } from "../../shared/model/events/schedule-tick.ts";
import { SerialByKey } from "../../shared/usecases/concurrency.ts";
import {
  type EvaluateFailureDeps,
  evaluateFailure,
  type FailureOutcome,
  type FailureResult,
  sweepFailures,
} from "../../shared/usecases/evaluate-failure.ts";
import { retryFollowUp } from "./follow-up.ts";

export type EvaluateFailureFunctionDeps = KubeDeps & { publisher: EventPublisher; followUps?: FollowUpQueue };

/**
 * A retry that waits for its nextRetry (or is held back by the storm guard) gets a "BackupSession Retry Due"
 * follow-up then (docs/follow-ups.md#retries); a failure to send it only logs, the sweep still starts it.
 */
async function sendFollowUps(
  deps: EvaluateFailureFunctionDeps,
  clusterId: string,
  outcomes: FailureOutcome[],
) {
  const now = deps.clock.now();
  const followUps = outcomes.flatMap((o) => retryFollowUp(clusterId, o, now) ?? []);
  if (followUps.length === 0 || !deps.followUps) return;
  try {
    await deps.followUps.send(followUps);
    deps.metrics.addMetric("FollowUpsSent", "Count", followUps.length);
  } catch (error) {
    deps.metrics.addMetric("FollowUpsNotSent", "Count", followUps.length);
    deps.logger.warn("retry follow-ups not sent; the sweep starts the retries", { error: String(error) });
  }
}

/** One metric per retry decision (CloudWatch EMF), by outcome. */
const METRIC: Partial<Record<FailureResult, string>> = {
  scheduled: "RetriesScheduled",
  created: "RetriesCreated",
  "already-retried": "RetriesAlreadyCreated",
  deferred: "RetriesDeferred",
  "no-retry": "RetriesNotMade",
  "invalid-delay": "RetryDelaysInvalid",
  error: "RetryEvaluationErrors",
};

/** Evaluations of one cluster run one at a time in this container: the storm guard's count stays true. */
const perCluster = new SerialByKey();

/**
 * Retries failed BackupSessions (exactly one retry per failure, at its nextRetry): on "BackupSession Phase
 * Changed" to Failed and "BackupSession Retry Due" for one session, and on every Schedule Tick as the sweep of
 * that cluster — which both waits out each delay (nextRetry is kept on the session) and catches lost events.
 */
export const definition = defineFunction({
  name: "evaluate-failure",
  accepts: [BackupSessionPhaseChanged, RetryDue, ScheduleTick] as const,
  async run(event, deps: EvaluateFailureFunctionDeps) {
    const { clusterId } = event.detail;
    const client = await deps.clusters.client(clusterId);
    const onDecision = (outcome: FailureOutcome) => {
      const metric = METRIC[outcome.result];
      if (metric && outcome.reason !== "not-failed") deps.metrics.addMetric(metric, "Count", 1);
      if (outcome.result === "error") deps.logger.error("failure not evaluated", { ...outcome });
      else deps.logger.info("retry decision", { ...outcome });
    };
    const useCaseDeps: EvaluateFailureDeps = {
      client,
      publisher: deps.publisher,
      maxConcurrentRetries:
        deps.clusters.cluster(clusterId).entry?.maxConcurrentRetries ?? DEFAULT_MAX_CONCURRENT_RETRIES,
      onDecision,
      serialize: (key, work) => perCluster.run(key, work),
    };
    const now = () => deps.clock.now();
    let outcomes: FailureOutcome[];
    switch (event["detail-type"]) {
      case "BackupSession Phase Changed":
        if (event.detail.newPhase !== "Failed") return [];
        outcomes = [await evaluateFailure(useCaseDeps, event.detail.namespace, event.detail.name, now)];
        break;
      case "BackupSession Retry Due":
        outcomes = [
          await evaluateFailure(useCaseDeps, event.detail.namespace, event.detail.failedSession, now),
        ];
        break;
      case "Schedule Tick":
        outcomes = await sweepFailures(useCaseDeps, now);
        break;
    }
    await sendFollowUps(deps, clusterId, outcomes);
    return outcomes;
  },
});
