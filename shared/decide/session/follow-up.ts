/**
 * When to look at a session again, and how many follow-ups a cluster takes at once
 * (docs/follow-ups.md). Pure: `(what the last reconcile saw, now) → the next follow-up`. The sweep stays the
 * guarantee; a follow-up only makes a step sooner, so a lost one costs at most the wait for the next tick and
 * a duplicate costs one idempotent reconcile.
 */

/**
 * Seconds to wait before follow-up number `sinceProgress` (1-based) of a session, counted since the last
 * reconcile that changed something: 1, 1, 2, 2 s, then every 3 s for the rest of the first minute without
 * progress, then 10, 20, 30 s, then 60 s (no more often than the sweep) until the session ends. The 3 s keep a
 * step's latency under 5 s (p99) for backups of seconds; a backup still silent after a minute is long, and
 * is looked at no more often than the sweep does (docs/follow-ups.md#back-off).
 */
export const FOLLOW_UP_DELAYS_SECONDS: readonly number[] = [
  1,
  1,
  2,
  2,
  ...Array.from({ length: 18 }, () => 3),
  10,
  20,
  30,
];
export const FOLLOW_UP_MAX_DELAY_SECONDS = 60;
/** SQS's longest DelaySeconds; a retry due later is chained (its follow-up finds it still waiting). */
export const SQS_MAX_DELAY_SECONDS = 900;
/** Follow-ups of one cluster handled at once per invocation unless the registry says otherwise. */
export const DEFAULT_MAX_CONCURRENT_FOLLOW_UPS = 4;
/** Wait before a retry held back by the storm guard (too many retries running) is looked at again. */
export const RETRY_DEFERRED_FOLLOW_UP_SECONDS = 15;
/** Wait of a follow-up held back by the per-cluster cap. */
export const DEFERRED_FOLLOW_UP_SECONDS = 5;

export function followUpDelaySeconds(sinceProgress: number): number {
  return FOLLOW_UP_DELAYS_SECONDS[Math.max(0, sinceProgress - 1)] ?? FOLLOW_UP_MAX_DELAY_SECONDS;
}

/** Where a session's chain of follow-ups stands: hops so far (strictly increasing) and hops since progress. */
export interface FollowUpPosition {
  attempt: number;
  sinceProgress: number;
}

/** What one reconcile of the session saw and did. */
export interface ReconcileSeen {
  /** The session's phase after the reconcile; undefined when it is gone. */
  phase: string | undefined;
  /** It wrote a status, created, deleted or recorded anything. */
  progressed: boolean;
  /** The session is being deleted (its finalizer is still to be released). */
  deleting?: boolean;
}

export type NextFollowUp = FollowUpPosition & { delaySeconds: number };

const FINISHED = new Set(["Succeeded", "Failed", "Skipped"]);

/**
 * The follow-up after a reconcile, or none when the session is gone or finished. A reconcile that changed
 * something starts the back-off again (the next step usually follows within seconds); one that found nothing
 * new backs off further.
 */
export function nextFollowUp(
  previous: FollowUpPosition | undefined,
  seen: ReconcileSeen,
): NextFollowUp | undefined {
  if (seen.phase === undefined && !seen.deleting) return undefined;
  if (seen.phase !== undefined && FINISHED.has(seen.phase) && !seen.deleting) return undefined;
  const attempt = (previous?.attempt ?? 0) + 1;
  const sinceProgress = seen.progressed || !previous ? 1 : previous.sinceProgress + 1;
  return { attempt, sinceProgress, delaySeconds: followUpDelaySeconds(sinceProgress) };
}

/** The dedup key of a follow-up: the same session object and hop, whoever sent it. */
export function followUpKey(uid: string, attempt: number): string {
  return `follow-up:${uid}:${attempt}`;
}

/** The delay of a retry's follow-up: until nextRetry, rounded up to the second, at most SQS's 900 s. */
export function retryFollowUpDelaySeconds(nextRetry: Date, now: Date): number {
  const seconds = Math.ceil((nextRetry.getTime() - now.getTime()) / 1000);
  return Math.min(SQS_MAX_DELAY_SECONDS, Math.max(0, seconds));
}

/**
 * The per-cluster cap: of the follow-ups of one batch, at most `cap` per cluster are handled now, in the
 * order given; the rest are deferred (sent again with {@link DEFERRED_FOLLOW_UP_SECONDS}).
 */
export function admitPerCluster<T>(
  items: ReadonlyArray<T>,
  clusterOf: (item: T) => string,
  capOf: (cluster: string) => number,
): { admitted: T[]; deferred: T[] } {
  const taken = new Map<string, number>();
  const admitted: T[] = [];
  const deferred: T[] = [];
  for (const item of items) {
    const cluster = clusterOf(item);
    const count = taken.get(cluster) ?? 0;
    if (count < capOf(cluster)) {
      taken.set(cluster, count + 1);
      admitted.push(item);
    } else deferred.push(item);
  }
  return { admitted, deferred };
}
