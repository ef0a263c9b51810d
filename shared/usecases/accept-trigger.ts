import type { DeadLetterQueue } from "../bus/dead-letter.ts";
import type { EventPublisher } from "../bus/publisher.ts";
import type { ClusterClients } from "../kube/cluster-clients.ts";
import type { BackupTriggerRequestedDetail } from "../model/events/backup-trigger-requested.ts";
import type { VerificationTriggerRequestedDetail } from "../model/events/verification.ts";
import type { Observability } from "./observability.ts";
import { type TriggerOutcome, triggerBackup } from "./trigger-backup.ts";
import { triggerVerification } from "./trigger-verification.ts";

/**
 * What trigger-backup runs for one "Backup Trigger Requested" (the BackupSession, trigger-backup.ts) or one
 * "Verification Trigger Requested" (the BackupVerificationSession, trigger-verification.ts): the outcome
 * counted (`TriggersAccepted`, `TriggersDuplicate`, `TriggersRejected`); a well-formed request for something
 * that does not exist is logged and kept in the dead-letter queue with the reason, not lost.
 */

export interface AcceptTriggerDeps extends Observability {
  clusters: ClusterClients;
  publisher: EventPublisher;
  deadLetters: DeadLetterQueue;
  clock: { now(): Date };
}

const METRIC: Record<TriggerOutcome["status"], string> = {
  created: "TriggersAccepted",
  duplicate: "TriggersDuplicate",
  rejected: "TriggersRejected",
};

type Trigger<R> = (
  deps: { client: Awaited<ReturnType<ClusterClients["client"]>>; publisher: EventPublisher },
  request: R,
  requestedAt: Date,
  now: Date,
) => Promise<TriggerOutcome>;

async function accept<R extends { clusterId: string; requestId: string }>(
  deps: AcceptTriggerDeps,
  trigger: Trigger<R>,
  request: R,
  requestedAt: Date | undefined,
  event: unknown,
): Promise<TriggerOutcome> {
  const client = await deps.clusters.client(request.clusterId);
  const outcome = await trigger(
    { client, publisher: deps.publisher },
    request,
    requestedAt ?? deps.clock.now(),
    deps.clock.now(),
  );
  deps.metrics.addMetric(METRIC[outcome.status], "Count", 1);
  if (outcome.status === "rejected") {
    deps.logger.error("trigger request rejected", { reason: outcome.reason, requestId: request.requestId });
    await deps.deadLetters.send({ reason: outcome.reason, event, functionName: "trigger-backup" });
  }
  return outcome;
}

export async function acceptTrigger(
  deps: AcceptTriggerDeps,
  request: BackupTriggerRequestedDetail,
  requestedAt: Date | undefined,
  /** The event as it came, for the dead-letter entry. */
  event: unknown,
): Promise<TriggerOutcome> {
  return accept(deps, triggerBackup, request, requestedAt, event);
}

/** "Verification Trigger Requested": the same path, one BackupVerificationSession once per request id. */
export async function acceptVerificationTrigger(
  deps: AcceptTriggerDeps,
  request: VerificationTriggerRequestedDetail,
  requestedAt: Date | undefined,
  /** The event as it came, for the dead-letter entry. */
  event: unknown,
): Promise<TriggerOutcome> {
  return accept(deps, triggerVerification, request, requestedAt, event);
}
