import type { FollowUp } from "../bus/follow-up-queue.ts";
import { type FollowUpPosition, SQS_MAX_DELAY_SECONDS } from "../decide/session/follow-up.ts";
import type { BackupVerificationSession } from "../model/backup-verifier.ts";
import { parseGoDuration } from "../model/duration.ts";
import { VerificationFollowUp } from "../model/events/verification.ts";
import { clusterWindows } from "./cluster-windows.ts";
import { chainFollowUp, type DriveSessionsDeps } from "./drive-sessions.ts";
import {
  reconcileVerification,
  sweepVerifications,
  type VerificationDeps,
  type VerificationOutcome,
} from "./reconcile-verification.ts";

/**
 * What reconcile-session runs for verifications (docs/verification.md#lifecycle): one BackupVerificationSession
 * reconciled for its "Created" event and each follow-up, then the next follow-up with the sessions' back-off
 * (docs/follow-ups.md), or — for a failure whose retry is due later — one at the retry's time; and on every
 * Schedule Tick every verification of the cluster that is open (the sweep, so a lost event costs a minute).
 */

export type VerificationChain = FollowUpPosition & { uid: string };

function verificationDeps(
  deps: DriveSessionsDeps,
  client: VerificationDeps["client"],
  clusterId: string,
): VerificationDeps {
  return {
    client,
    windows: clusterWindows(deps.clusters.cluster(clusterId).entry),
    publisher: deps.publisher,
    pushMetrics: (session: BackupVerificationSession) => {
      // One metric per outcome (docs/verification.md#events), per cluster (the dimension drive-sessions sets).
      deps.metrics.addMetric(`Verifications${session.status?.phase ?? "Unknown"}`, "Count", 1);
      const ms = parseGoDuration(session.status?.duration ?? "");
      if (ms !== undefined) deps.metrics.addMetric("VerificationDurationSeconds", "Seconds", ms / 1000);
    },
  };
}

/** Reconciles one verification and sends its next follow-up (none when it is done or gone). */
export async function driveVerification(
  deps: DriveSessionsDeps,
  clusterId: string,
  namespace: string,
  name: string,
  previous?: VerificationChain,
): Promise<VerificationOutcome[]> {
  deps.metrics.addDimension("cluster", clusterId);
  const client = await deps.clusters.client(clusterId);
  const outcome = await reconcileVerification(
    verificationDeps(deps, client, clusterId),
    namespace,
    name,
    () => deps.clock.now(),
  );
  if (outcome.error) deps.logger.error("verification not reconciled", { ...outcome });
  const followUp = verificationFollowUp(clusterId, outcome, deps.clock.now(), previous);
  if (followUp && deps.followUps) {
    try {
      await deps.followUps.send([followUp]);
    } catch (error) {
      deps.logger.warn("follow-up not sent; the sweep reconciles the verification", { error: String(error) });
    }
  }
  return [outcome];
}

/** The tick's sweep of one cluster's verifications. */
export async function sweepClusterVerifications(
  deps: DriveSessionsDeps,
  clusterId: string,
): Promise<VerificationOutcome[]> {
  const client = await deps.clusters.client(clusterId);
  const outcomes = await sweepVerifications(verificationDeps(deps, client, clusterId), () =>
    deps.clock.now(),
  );
  for (const o of outcomes.filter((x) => x.error)) deps.logger.error("verification not reconciled", { ...o });
  deps.metrics.addMetric("VerificationsSwept", "Count", outcomes.length);
  return outcomes;
}

/** The follow-up after one reconcile: the back-off while it runs; at the retry's time when one is due later. */
export function verificationFollowUp(
  clusterId: string,
  outcome: VerificationOutcome,
  now: Date,
  previous?: VerificationChain,
): FollowUp | undefined {
  const retryAt = outcome.retryAt;
  return chainFollowUp(
    VerificationFollowUp,
    clusterId,
    outcome,
    previous,
    retryAt
      ? () => ({
          attempt: (previous?.attempt ?? 0) + 1,
          sinceProgress: 1,
          delaySeconds: Math.min(
            Math.max(Math.ceil((retryAt.getTime() - now.getTime()) / 1000), 0),
            SQS_MAX_DELAY_SECONDS,
          ),
        })
      : undefined,
  );
}
