import { eventFor, type OutgoingEvent } from "../bus/publisher.ts";
import type { PhaseChange } from "../decide/session/reconcile-session.ts";
import type { BackupSession } from "../model/backup-session.ts";
import { BackupSessionPhaseChanged } from "../model/events/backup-session-phase-changed.ts";
import { DETAIL_VERSION } from "../model/events/envelope.ts";
import { toKubeTime } from "../model/time.ts";

/**
 * "BackupSession Phase Changed" for a session whose new status was just written (`written` is the object the
 * API server returned: its resourceVersion orders the change). Published only by the writer that won.
 */
export function phaseChangedEvent(
  clusterId: string,
  written: BackupSession,
  change: PhaseChange,
  now: Date,
): OutgoingEvent {
  return eventFor(BackupSessionPhaseChanged, {
    version: DETAIL_VERSION,
    clusterId,
    namespace: written.metadata.namespace ?? "default",
    name: written.metadata.name,
    configuration: written.spec.invoker?.name ?? "",
    session: written.spec.session ?? "",
    ...(change.from ? { oldPhase: change.from } : {}),
    newPhase: change.to,
    reasons: change.reasons,
    retryLeft: written.spec.retryLeft ?? 0,
    resourceVersion: written.metadata.resourceVersion ?? "",
    changedAt: toKubeTime(now),
  });
}
