/**
 * The RPO risk level of one session (docs/rpo.md#levels): how its newest recovery point stands against its
 * recovery-point objective, like Backup for GKE's RPO risk levels 1–5, and a reason a person reads. Pure:
 * from the target, the last success, the recent runs, the next run and what delays it, and `now`.
 *
 * With D = last success + target (never backed up: `since` + target) and `over` = now − D:
 * - past the target (now > D): 3 while over ≤ target/2, 4 while over ≤ 2 × target, 5 beyond, and 5 at once
 *   when the session was never backed up or the cluster is unreachable;
 * - on target (now ≤ D): 2 when the cluster is unreachable, the newest finished run failed or was skipped,
 *   schedule times were missed since the last success, nothing is scheduled before D (paused, suspended, no
 *   schedule), or the next run (by schedule, or as an exclusion window delays it) lands after D; else 1.
 */

export type RpoLevel = 1 | 2 | 3 | 4 | 5;

/** A finished run of the session, for the failure and skip streaks. */
export interface RpoRun {
  phase: "Succeeded" | "Failed" | "Skipped";
  /** When it was due (its scheduled time, else its creation). */
  time: Date;
}

export interface RpoRiskInput {
  /** The recovery-point objective, in milliseconds (> 0). */
  targetMs: number;
  /** The target as the user wrote it ("26h"), for the reasons; else worked out ("1d2h"). */
  targetText?: string;
  /** The newest recovery point: the last Succeeded BackupSession's due time or Snapshot's time. */
  lastSuccess?: Date;
  /** Nothing could be backed up before: the configuration's creation, or when its scheduling resumed. */
  since: Date;
  /** The finished runs, newest first (Succeeded, Failed, Skipped; running ones left out). */
  recent: readonly RpoRun[];
  /** A run is in progress: when it was due (its recovery point, if it succeeds). */
  running?: Date;
  /** Schedule times that got no session (overdue, or recorded missed): how many, from when. */
  missed?: { count: number; since: Date };
  /** The next schedule time, when the session has a schedule that still fires. */
  nextRun?: Date;
  /** Why nothing is scheduled: paused configuration, suspended scheduler, or no scheduler (triggered only). */
  inactive?: { kind: "paused" | "suspended" | "unscheduled"; since?: Date };
  /** The cluster cannot be reached since then (its objects are the last ones read). */
  unreachableSince?: Date;
  /** An exclusion window holds the next run until `until` (docs/rpo.md#windows). */
  window?: { until: Date; name?: string; atLeast?: boolean };
}

export interface RpoRisk {
  level: RpoLevel;
  /** One or a few short sentences, `; ` between them. */
  reason: string;
  /** D − now in seconds: negative once past the target. */
  timeLeftSeconds: number;
  /** D: when the target is (or was) passed. */
  deadline: Date;
  /** When the next run would land (its due time, after any window), when one is expected. */
  projectedAt?: Date;
}

/** "45s", "12m", "3h", "3h20m", "2d5h": at most two units. */
export function spanText(ms: number): string {
  const s = Math.max(0, Math.round(Math.abs(ms) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
}

/** A time in UTC: "02:00" on the same day as `now`, "2026-12-03 02:00" on another. */
export function clockText(time: Date, now: Date): string {
  const iso = time.toISOString();
  const hm = iso.slice(11, 16);
  return iso.slice(0, 10) === now.toISOString().slice(0, 10) ? hm : `${iso.slice(0, 10)} ${hm}`;
}

/** How many of the newest finished runs in a row had `phase`. */
function streak(recent: readonly RpoRun[], phase: RpoRun["phase"]): number {
  let count = 0;
  for (const run of recent) {
    if (run.phase !== phase) break;
    count++;
  }
  return count;
}

const runs = (n: number, what: string) => (n === 1 ? `last run ${what}` : `last ${n} runs ${what}`);

/** What the recent runs say that puts the target at risk: failures, skips, missed times. */
function runTrouble(input: RpoRiskInput, now: Date): string[] {
  const found: string[] = [];
  const failed = streak(input.recent, "Failed");
  const skipped = streak(input.recent, "Skipped");
  if (failed > 0) found.push(runs(failed, "failed"));
  else if (skipped > 0) found.push(runs(skipped, "skipped"));
  const missed = input.missed;
  if (missed && missed.count > 0 && (input.lastSuccess === undefined || missed.since > input.lastSuccess)) {
    found.push(
      missed.count === 1
        ? `schedule time ${clockText(missed.since, now)} missed`
        : `${missed.count} schedule times missed since ${clockText(missed.since, now)}`,
    );
  }
  return found;
}

const INACTIVE_TEXT = { paused: "paused", suspended: "scheduler suspended", unscheduled: "no schedule" };

/** When the next run would land, and the sentence when it (or its absence) misses the deadline. */
function projection(
  input: RpoRiskInput,
  deadline: Date,
  now: Date,
): { projectedAt?: Date; late?: string; next?: string } {
  if (input.running !== undefined)
    return {
      projectedAt: input.running,
      next: `the run due ${clockText(input.running, now)} is in progress`,
    };
  const target = clockText(deadline, now);
  if (input.inactive !== undefined) {
    const { kind, since } = input.inactive;
    const what = `${INACTIVE_TEXT[kind]}${since ? ` since ${clockText(since, now)}` : ""}`;
    const none = kind === "unscheduled" ? "no run is scheduled" : "no run until resumed";
    return { late: now > deadline ? `${what}: ${none}` : `${what}: no run before the target (${target})` };
  }
  if (input.nextRun === undefined) return { late: "the schedule fires no more" };
  const window = input.window;
  const delayed = window !== undefined && window.until > input.nextRun;
  const projectedAt = delayed ? window.until : input.nextRun;
  const held = delayed
    ? ` (held by ${window.name ? `exclusion window ${window.name}` : "an exclusion window"})`
    : "";
  // The windows held it past nextRunStart's search: not before then (docs/rpo.md#windows).
  const run = `next run ${delayed && window.atLeast ? "not before " : ""}${clockText(projectedAt, now)}${held}`;
  if (projectedAt > deadline)
    return { projectedAt, late: now > deadline ? run : `${run} is after the target (${target})` };
  return { projectedAt, next: run };
}

export function rpoRisk(input: RpoRiskInput, now: Date): RpoRisk {
  const { targetMs } = input;
  const base = input.lastSuccess ?? input.since;
  const deadline = new Date(base.getTime() + targetMs);
  const leftMs = deadline.getTime() - now.getTime();
  const timeLeftSeconds = Math.round(leftMs / 1000);
  const { projectedAt, late, next } = projection(input, deadline, now);
  const trouble = runTrouble(input, now);
  const unreachable =
    input.unreachableSince === undefined
      ? undefined
      : `cluster unreachable since ${clockText(input.unreachableSince, now)}`;
  const result = (level: RpoLevel, sentences: Array<string | undefined>): RpoRisk => ({
    level,
    reason: sentences.filter((s): s is string => s !== undefined && s !== "").join("; "),
    timeLeftSeconds,
    deadline,
    ...(projectedAt ? { projectedAt } : {}),
  });
  const target = input.targetText ?? spanText(targetMs);
  const lastText =
    input.lastSuccess === undefined
      ? undefined
      : `last backup ${spanText(now.getTime() - input.lastSuccess.getTime())} ago`;

  if (leftMs < 0) {
    const overMs = -leftMs;
    const past = `${spanText(overMs)} past the ${target} target`;
    const head = input.lastSuccess === undefined ? `never backed up, ${past}` : `${lastText}, ${past}`;
    const level: RpoLevel =
      input.lastSuccess === undefined || unreachable !== undefined || overMs > 2 * targetMs
        ? 5
        : overMs > targetMs / 2
          ? 4
          : 3;
    return result(level, [unreachable, head, ...trouble, late ?? next]);
  }

  const left = `${spanText(leftMs)} left of the ${target} target`;
  const risks = [unreachable, ...trouble, late].filter((s): s is string => s !== undefined);
  if (risks.length > 0) return result(2, [...risks, left]);
  const ok = input.lastSuccess === undefined ? "no backup yet" : lastText;
  return result(1, [`on target: ${ok}`, next, left]);
}
