import type { BackupSession, BackupSessionStatus } from "../../model/backup-session.ts";
import { isConditionTrue, RetryCondition, RetryReason, setCondition } from "../../model/conditions.ts";
import { parseGoDuration } from "../../model/duration.ts";
import { Annotation } from "../../model/labels.ts";
import { toKubeTime } from "../../model/time.ts";

/**
 * The retry bookkeeping on a failed BackupSession's status (docs/decisions.md#retry-bookkeeping), as pure
 * facts and status builders: which sessions still owe a retry, when a session failed, and the status after
 * each retry decision. Only the model is imported, so the history rule can use {@link awaitsRetry} too.
 */

/** Failed, with retries left, no retry created yet, and not given up on: a retry is still owed. */
export function awaitsRetry(session: BackupSession): boolean {
  return (
    session.status?.phase === "Failed" &&
    (session.spec.retryLeft ?? 0) > 0 &&
    session.status.retried !== true &&
    !isConditionTrue(session.status.conditions, RetryCondition.Skipped)
  );
}

/** A retry session that has not finished: what the per-cluster cap counts. */
export function isRunningRetry(session: BackupSession): boolean {
  const phase = session.status?.phase;
  return (
    (session.metadata.annotations?.[Annotation.Origin] === "retry" ||
      session.metadata.annotations?.[Annotation.RetryOf] !== undefined) &&
    session.metadata.deletionTimestamp === undefined &&
    phase !== "Succeeded" &&
    phase !== "Failed" &&
    phase !== "Skipped"
  );
}

/**
 * When the session became Failed: its MetricsPushed condition's lastTransitionTime (the final step), else
 * creationTimestamp + duration, else `now`. Derived from the object, so every evaluation finds the same time.
 */
export function failureTime(session: BackupSession, now: Date): Date {
  const metrics = session.status?.conditions?.find((c) => c.type === "MetricsPushed");
  const pushed = metrics ? Date.parse(metrics.lastTransitionTime) : Number.NaN;
  if (!Number.isNaN(pushed)) return new Date(pushed);
  const created = Date.parse(session.metadata.creationTimestamp ?? "");
  const took = parseGoDuration(session.status?.duration ?? "");
  if (!Number.isNaN(created) && took !== undefined && took >= 0) return new Date(created + took);
  return now;
}

/** A change to make to a failed session's status. */
export type RetryStatusChange =
  | { kind: "schedule"; at: Date }
  | { kind: "retried"; at: Date }
  | { kind: "defer"; reason: string; message: string; at?: Date }
  | { kind: "skip"; reason: string; message: string };

/**
 * The failed session's status after `change`, or undefined when nothing is to be written. Once
 * `retried` is true nothing changes any more; `nextRetry` is set once and then kept.
 */
export function retryStatus(
  current: BackupSessionStatus | undefined,
  change: RetryStatusChange,
  now: Date,
): BackupSessionStatus | undefined {
  if (current?.retried === true) return undefined;
  const status: BackupSessionStatus = { ...current };
  const keepOrSet = (at: Date | undefined) => {
    if (status.nextRetry === undefined && at !== undefined) status.nextRetry = toKubeTime(at);
  };
  switch (change.kind) {
    case "schedule":
      keepOrSet(change.at);
      return status;
    case "retried": {
      keepOrSet(change.at);
      status.retried = true;
      if (current?.conditions?.some((c) => c.type === RetryCondition.Deferred)) {
        status.conditions = setCondition(
          status.conditions,
          {
            type: RetryCondition.Deferred,
            status: "False",
            reason: RetryReason.RetryCreated,
            message: "The retry has been created.",
          },
          now,
        );
      }
      return status;
    }
    case "defer":
      keepOrSet(change.at);
      status.conditions = setCondition(
        status.conditions,
        { type: RetryCondition.Deferred, status: "True", reason: change.reason, message: change.message },
        now,
      );
      return status;
    case "skip":
      status.conditions = setCondition(
        status.conditions,
        { type: RetryCondition.Skipped, status: "True", reason: change.reason, message: change.message },
        now,
      );
      return status;
  }
}
