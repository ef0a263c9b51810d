import type { BackupConfiguration } from "../../model/backup-configuration.ts";
import type { BackupVerificationSession, BackupVerifier } from "../../model/backup-verifier.ts";
import { findCondition } from "../../model/conditions.ts";
import { parseGoDuration } from "../../model/duration.ts";
import { Annotation } from "../../model/labels.ts";
import { retrySessionName } from "../../model/names.ts";
import { toKubeTime } from "../../model/time.ts";
import { VerificationAnnotation, VerificationCondition } from "../../model/verification.ts";
import { sessionWindows, type WindowContext, windowRelease } from "../schedule/schedule-windows.ts";

/**
 * The retry of a failed verification (docs/verification.md#retries), per the verifier's `retryConfig`: one
 * retry per failure, named from the failed session (`<name>-retry-<n>`, so two attempts to retry the same
 * failure collide), with `retryLeft` one less, restoring the same Snapshot, due `delay` after the failure. A
 * paused configuration holds it back; the session's `retryLeft` says how many are left, as for backups.
 */

export type VerificationRetry =
  | { action: "retry-now"; session: BackupVerificationSession }
  | { action: "retry-at"; at: Date }
  | { action: "already-retried" }
  | { action: "held"; reason: string }
  | { action: "no-retry"; reason: string };

export interface VerificationRetryInput {
  /** The failed session, with the status just decided. */
  failed: BackupVerificationSession;
  configuration: BackupConfiguration | undefined;
  verifier: BackupVerifier | undefined;
  retryExists: boolean;
  /** The cluster's exclusion windows and the namespace's labels: a retry due inside one waits (docs/windows.md#retries). */
  windows?: WindowContext;
}

/** When the session failed: its final step's transition, else its creation. */
function failedAt(session: BackupVerificationSession, now: Date): Date {
  const final = findCondition(session.status?.conditions, VerificationCondition.HistoryCleaned);
  const text = final?.lastTransitionTime ?? session.metadata.creationTimestamp;
  return text === undefined ? now : new Date(text);
}

/** What a retry does not take from the failed session: what was about that attempt alone. */
const NOT_INHERITED: ReadonlySet<string> = new Set([
  Annotation.TriggerRequestId,
  Annotation.RetryOf,
  Annotation.ReplacedBy,
  Annotation.SkipReason,
  VerificationAnnotation.RestoreTarget,
]);

/** The retry session: the failed one's labels, owner, finalizer and spec, one retry less, the same Snapshot. */
export function retryVerificationSession(
  failed: BackupVerificationSession,
  dueAt: Date,
): BackupVerificationSession {
  const meta = failed.metadata;
  const keep = Object.fromEntries(
    Object.entries(meta.annotations ?? {}).filter(([k]) => !NOT_INHERITED.has(k)),
  );
  return {
    apiVersion: failed.apiVersion,
    kind: failed.kind,
    metadata: {
      name: retrySessionName(meta.name),
      namespace: meta.namespace,
      ...(meta.labels ? { labels: { ...meta.labels } } : {}),
      annotations: {
        ...keep,
        [Annotation.ScheduledTime]: toKubeTime(dueAt),
        [Annotation.Origin]: "retry",
        [Annotation.RetryOf]: meta.name,
      },
      ...(meta.ownerReferences ? { ownerReferences: meta.ownerReferences } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
    },
    spec: { ...failed.spec, retryLeft: Math.max(0, (failed.spec.retryLeft ?? 0) - 1) },
  };
}

export function decideVerificationRetry(input: VerificationRetryInput, now: Date): VerificationRetry {
  const { failed, verifier } = input;
  if (failed.status?.phase !== "Failed") return { action: "no-retry", reason: "not failed" };
  if (input.retryExists || failed.status.retried === true) return { action: "already-retried" };
  if (failed.metadata.annotations?.[Annotation.ReplacedBy] !== undefined) {
    return { action: "no-retry", reason: "replaced by a newer session (concurrencyPolicy Replace)" };
  }
  if ((failed.spec.retryLeft ?? 0) <= 0) return { action: "no-retry", reason: "no retries left" };
  if (!verifier?.spec.retryConfig) return { action: "no-retry", reason: "the verifier has no retryConfig" };
  if (!input.configuration) return { action: "no-retry", reason: "the configuration no longer exists" };
  if (input.configuration.spec.paused === true)
    return { action: "held", reason: "the configuration is paused" };
  const delay = verifier.spec.retryConfig.delay;
  const ms = delay === undefined ? 0 : parseGoDuration(delay);
  if (ms === undefined || ms < 0)
    return { action: "no-retry", reason: `retryConfig.delay ${JSON.stringify(delay)} is not a duration` };
  const failedPlusDelay = new Date(failedAt(failed, now).getTime() + ms);
  const { windows } = sessionWindows(input.configuration, failed.spec.session ?? "", input.windows);
  const due = windowRelease(windows, failedPlusDelay);
  if (due.getTime() > now.getTime()) return { action: "retry-at", at: due };
  return { action: "retry-now", session: retryVerificationSession(failed, due) };
}
