import type { FollowUp } from "../../shared/bus/follow-up-queue.ts";
import { eventFor } from "../../shared/bus/publisher.ts";
import { type FollowUpPosition, followUpKey, nextFollowUp } from "../../shared/decide/follow-up.ts";
import { DETAIL_VERSION } from "../../shared/model/events/envelope.ts";
import { SessionFollowUp } from "../../shared/model/events/session-follow-up.ts";
import type { ReconcileOutcome } from "../../shared/usecases/reconcile-session.ts";

/**
 * The follow-up after one reconcile of a session (docs/follow-ups.md): none when the session is gone,
 * finished, or is another object than the chain's (`uid`); else the next hop with its back-off.
 */
export function sessionFollowUp(
  clusterId: string,
  outcome: ReconcileOutcome,
  previous?: FollowUpPosition & { uid: string },
): FollowUp | undefined {
  const uid = outcome.uid ?? (outcome.error ? previous?.uid : undefined);
  if (uid === undefined || (previous && uid !== previous.uid)) return undefined;
  // An unsettled read (an absence not yet confirmed) is not the end: the session is looked at again.
  const phase = outcome.phase ?? (outcome.error ? "Running" : undefined);
  const progressed = outcome.statusWritten || outcome.actions > 0;
  const next = nextFollowUp(previous, { phase, progressed });
  if (!next) return undefined;
  const detail = {
    version: DETAIL_VERSION,
    clusterId,
    namespace: outcome.namespace,
    name: outcome.name,
    uid,
    attempt: next.attempt,
    sinceProgress: next.sinceProgress,
  } as const;
  return {
    target: "reconcile-session",
    id: followUpKey(uid, next.attempt),
    delaySeconds: next.delaySeconds,
    event: eventFor(SessionFollowUp, detail),
  };
}
