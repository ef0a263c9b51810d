import type { FollowUp, FollowUpQueue } from "../bus/follow-up-queue.ts";
import { type EventPublisher, eventFor } from "../bus/publisher.ts";
import { DEFAULT_MAX_CONCURRENT_RETRIES } from "../decide/retry/retry.ts";
import {
  RETRY_DEFERRED_FOLLOW_UP_SECONDS,
  retryFollowUpDelaySeconds,
  SQS_MAX_DELAY_SECONDS,
} from "../decide/session/follow-up.ts";
import type { ClusterClients } from "../kube/cluster-clients.ts";
import { DETAIL_VERSION } from "../model/events/envelope.ts";
import { RetryDue } from "../model/events/retry-due.ts";
import { clusterWindows } from "./cluster-windows.ts";
import { SerialByKey } from "./concurrency.ts";
import {
  type EvaluateFailureDeps,
  evaluateFailure,
  type FailureOutcome,
  type FailureResult,
  sweepFailures,
} from "./evaluate-failure.ts";
import type { Observability } from "./observability.ts";

/**
 * What evaluate-failure runs: the retry decision for one failed BackupSession ("Phase Changed" to Failed,
 * "Retry Due"), or for every failed session of a cluster (the sweep on each Schedule Tick, which both waits
 * out each delay and catches lost events), with the cluster's storm guard; each decision counted and logged;
 * then a "BackupSession Retry Due" follow-up for each retry that waits (docs/follow-ups.md#the-mechanism).
 */

export interface RetryFailuresDeps extends Observability {
  clusters: ClusterClients;
  publisher: EventPublisher;
  followUps?: FollowUpQueue;
  clock: { now(): Date };
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

/**
 * Evaluations of one cluster run one at a time per container, so the storm guard's count stays true. Kept
 * with the container's cluster clients (built once per Lambda container, once per local runtime).
 */
const serialOf = new WeakMap<ClusterClients, SerialByKey>();

function serial(clusters: ClusterClients): SerialByKey {
  const found = serialOf.get(clusters) ?? new SerialByKey();
  serialOf.set(clusters, found);
  return found;
}

/** The retry decision for the failed session `namespace/name`, and its follow-up. */
export async function retryFailure(
  deps: RetryFailuresDeps,
  clusterId: string,
  namespace: string,
  name: string,
): Promise<FailureOutcome[]> {
  const outcomes = [
    await evaluateFailure(await failureDeps(deps, clusterId), namespace, name, () => deps.clock.now()),
  ];
  await sendFollowUps(deps, clusterId, outcomes);
  return outcomes;
}

/** The sweep of one cluster's failed sessions, and their follow-ups. */
export async function sweepClusterFailures(
  deps: RetryFailuresDeps,
  clusterId: string,
): Promise<FailureOutcome[]> {
  const outcomes = await sweepFailures(await failureDeps(deps, clusterId), () => deps.clock.now());
  await sendFollowUps(deps, clusterId, outcomes);
  return outcomes;
}

async function failureDeps(deps: RetryFailuresDeps, clusterId: string): Promise<EvaluateFailureDeps> {
  const client = await deps.clusters.client(clusterId);
  const perCluster = serial(deps.clusters);
  return {
    client,
    publisher: deps.publisher,
    maxConcurrentRetries:
      deps.clusters.cluster(clusterId).entry?.maxConcurrentRetries ?? DEFAULT_MAX_CONCURRENT_RETRIES,
    windows: clusterWindows(deps.clusters.cluster(clusterId).entry),
    onDecision: (outcome: FailureOutcome) => {
      const metric = METRIC[outcome.result];
      if (metric && outcome.reason !== "not-failed") deps.metrics.addMetric(metric, "Count", 1);
      if (outcome.result === "error") deps.logger.error("failure not evaluated", { ...outcome });
      else deps.logger.info("retry decision", { ...outcome });
    },
    serialize: (key, work) => perCluster.run(key, work),
  };
}

/**
 * A retry that waits for its nextRetry (or is held back by the storm guard) gets a "BackupSession Retry Due"
 * follow-up then (docs/follow-ups.md#the-mechanism); a failure to send it only logs, the sweep still starts it.
 */
async function sendFollowUps(deps: RetryFailuresDeps, clusterId: string, outcomes: FailureOutcome[]) {
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

/**
 * The follow-up after a retry decision (docs/follow-ups.md#the-mechanism): a retry that waits for its nextRetry
 * gets a "BackupSession Retry Due" delivered then (a wait past SQS's 900 s is chained: the follow-up finds it
 * still waiting and sends the next); one held back by the storm guard is looked at again shortly. The id
 * names the session, its nextRetry and the hop, so duplicates of one decision collide.
 */
export function retryFollowUp(clusterId: string, outcome: FailureOutcome, now: Date): FollowUp | undefined {
  if (outcome.at === undefined) return undefined;
  const at = new Date(outcome.at);
  let delaySeconds: number;
  let hop: string;
  if (outcome.result === "scheduled" || outcome.result === "waiting") {
    const remaining = Math.max(0, Math.ceil((at.getTime() - now.getTime()) / 1000));
    delaySeconds = retryFollowUpDelaySeconds(at, now);
    hop = `left-${Math.ceil(remaining / SQS_MAX_DELAY_SECONDS)}`;
  } else if (outcome.result === "deferred") {
    delaySeconds = RETRY_DEFERRED_FOLLOW_UP_SECONDS;
    hop = `deferred-${Math.floor(now.getTime() / (RETRY_DEFERRED_FOLLOW_UP_SECONDS * 1000))}`;
  } else return undefined;
  const detail = {
    version: DETAIL_VERSION,
    clusterId,
    namespace: outcome.namespace,
    failedSession: outcome.name,
    retryAt: outcome.at,
  } as const;
  return {
    target: "evaluate-failure",
    id: `retry-due:${clusterId}:${outcome.namespace}/${outcome.name}:${outcome.at}:${hop}`,
    delaySeconds,
    event: eventFor(RetryDue, detail),
  };
}
