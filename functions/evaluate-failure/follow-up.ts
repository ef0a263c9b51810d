import type { FollowUp } from "../../shared/bus/follow-up-queue.ts";
import { eventFor } from "../../shared/bus/publisher.ts";
import {
  RETRY_DEFERRED_FOLLOW_UP_SECONDS,
  retryFollowUpDelaySeconds,
  SQS_MAX_DELAY_SECONDS,
} from "../../shared/decide/follow-up.ts";
import { DETAIL_VERSION } from "../../shared/model/events/envelope.ts";
import { RetryDue } from "../../shared/model/events/retry-due.ts";
import type { FailureOutcome } from "../../shared/usecases/evaluate-failure.ts";

/**
 * The follow-up after a retry decision (docs/follow-ups.md#retries): a retry that waits for its nextRetry
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
