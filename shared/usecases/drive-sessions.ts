import type { FollowUp, FollowUpQueue } from "../bus/follow-up-queue.ts";
import { type EventPublisher, eventFor } from "../bus/publisher.ts";
import {
  type FollowUpPosition,
  followUpKey,
  type NextFollowUp,
  nextFollowUp,
} from "../decide/session/follow-up.ts";
import type { SessionSummary } from "../decide/session/session-summary.ts";
import { sweepScope } from "../decide/session/settled.ts";
import type { ClusterClients } from "../kube/cluster-clients.ts";
import { parseGoDuration } from "../model/duration.ts";
import type { EventDefinition } from "../model/events/envelope.ts";
import { DETAIL_VERSION } from "../model/events/envelope.ts";
import { SessionFollowUp, type SessionFollowUpDetail } from "../model/events/session-follow-up.ts";
import { sweepClusterVerifications } from "./drive-verifications.ts";
import type { Observability } from "./observability.ts";
import { type ReconcileOutcome, reconcileSession, sweepSessions } from "./reconcile-session.ts";
import { snapshotCleanupStep } from "./snapshot-cleanup-step.ts";

/**
 * What reconcile-session runs: one BackupSession reconciled (for "BackupSession Created" and each follow-up),
 * then the next follow-up on the queue with its back-off (docs/follow-ups.md), so a running session is looked
 * at again within seconds; or, on every Schedule Tick, every unfinished session of the cluster (the sweep, so
 * a lost event delays a session by a minute at most), then the data of deleted Snapshots (the snapshot
 * cleanup step). A session's final step pushes its metrics (docs/decisions.md#metrics).
 */

export interface DriveSessionsDeps extends Observability {
  clusters: ClusterClients;
  publisher: EventPublisher;
  followUps?: FollowUpQueue;
  clock: { now(): Date };
}

/** The session a follow-up chain is about: its uid and where the chain is. */
export type FollowUpChain = FollowUpPosition & { uid: string };

/** Reconciles `namespace/name` once and sends the next follow-up (none when the session is done or gone). */
export async function driveSession(
  deps: DriveSessionsDeps,
  clusterId: string,
  namespace: string,
  name: string,
  previous?: FollowUpChain,
): Promise<ReconcileOutcome[]> {
  const outcome = await reconcileSession(await reconcileDeps(deps, clusterId), namespace, name, () =>
    deps.clock.now(),
  );
  await sendFollowUp(deps, sessionFollowUp(clusterId, outcome, previous));
  return [outcome];
}

/** The tick's sweep of one cluster, then its snapshot cleanup step, in one scope. */
export async function sweepClusterSessions(
  deps: DriveSessionsDeps,
  clusterId: string,
): Promise<ReconcileOutcome[]> {
  const reconcile = await reconcileDeps(deps, clusterId);
  // One scope for the tick's sweep and its cleanup step (docs/costs.md#snapshots-being-deleted).
  const scope = sweepScope(deps.clock.now());
  const outcomes = await sweepSessions(reconcile, () => deps.clock.now(), { scope });
  for (const o of outcomes.filter((x) => x.error)) deps.logger.error("session not reconciled", { ...o });
  deps.metrics.addMetric("SessionsSwept", "Count", outcomes.length);
  // The data of deleted Snapshots: cleaners started, their end seen, failures retried (docs/retention-cleanup.md).
  await snapshotCleanupStep(deps, reconcile.client, deps.clock.now(), undefined, scope);
  // Verifications of the cluster that are open (docs/verification.md#lifecycle).
  await sweepClusterVerifications(deps, clusterId);
  return outcomes;
}

async function reconcileDeps(deps: DriveSessionsDeps, clusterId: string) {
  // One cluster per invocation: its metrics carry it, so alarms can be per cluster (infra/alarms.cjs).
  deps.metrics.addDimension("cluster", clusterId);
  const client = await deps.clusters.client(clusterId);
  const pushMetrics = (summary: SessionSummary) => {
    // The session's final step: CloudWatch EMF through Powertools (docs/decisions.md#metrics).
    deps.metrics.addMetric(`Sessions${summary.status.phase}`, "Count", 1);
    const ms = parseGoDuration(summary.status.duration);
    if (ms !== undefined) deps.metrics.addMetric("SessionDurationSeconds", "Seconds", ms / 1000);
  };
  return { client, publisher: deps.publisher, pushMetrics };
}

/** Sends a follow-up; a failure only logs: the sweep still reaches the session (docs/follow-ups.md). */
async function sendFollowUp(deps: DriveSessionsDeps, followUp: FollowUp | undefined): Promise<void> {
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
 * The follow-up after one reconcile of a session (docs/follow-ups.md): none when the session is gone,
 * finished, or is another object than the chain's (`uid`); else the next hop with its back-off.
 */
export function sessionFollowUp(
  clusterId: string,
  outcome: ReconcileOutcome,
  previous?: FollowUpChain,
): FollowUp | undefined {
  return chainFollowUp(SessionFollowUp, clusterId, outcome, previous);
}

/** What a reconcile of a session or a verification session tells its follow-up chain. */
export interface ChainedOutcome {
  namespace: string;
  name: string;
  uid?: string | undefined;
  phase?: string | undefined;
  error?: string | undefined;
  statusWritten: boolean;
  actions: number;
}

/**
 * The next hop of a follow-up chain, for either kind (`definition`: its follow-up event): none when the object
 * is gone, finished, or another than the chain's; else the back-off's next hop, or `otherwise` (a retry due
 * later) when the back-off has none.
 */
export function chainFollowUp(
  definition: EventDefinition<string, typeof SessionFollowUpDetail>,
  clusterId: string,
  outcome: ChainedOutcome,
  previous?: FollowUpChain,
  otherwise?: () => NextFollowUp | undefined,
): FollowUp | undefined {
  const uid = outcome.uid ?? (outcome.error ? previous?.uid : undefined);
  if (uid === undefined || (previous && uid !== previous.uid)) return undefined;
  // An unsettled read (an absence not yet confirmed) is not the end: the object is looked at again.
  const phase = outcome.phase ?? (outcome.error ? "Running" : undefined);
  const progressed = outcome.statusWritten || outcome.actions > 0;
  const next = nextFollowUp(previous, { phase, progressed }) ?? otherwise?.();
  if (!next) return undefined;
  return {
    target: "reconcile-session",
    id: followUpKey(uid, next.attempt),
    delaySeconds: next.delaySeconds,
    event: eventFor(definition, {
      version: DETAIL_VERSION,
      clusterId,
      namespace: outcome.namespace,
      name: outcome.name,
      uid,
      attempt: next.attempt,
      sinceProgress: next.sinceProgress,
    }),
  };
}
