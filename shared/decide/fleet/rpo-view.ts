import type { BackupConfiguration } from "../../model/backup-configuration.ts";
import type { BackupSession } from "../../model/backup-session.ts";
import { findCondition, ScheduleActiveCondition } from "../../model/conditions.ts";
import { toKubeTime } from "../../model/time.ts";
import { type RpoLevel, type RpoRiskInput, type RpoRun, rpoRisk } from "../rpo/rpo-risk.ts";
import { type RpoDefaults, type RpoTarget, rpoTargetOf } from "../rpo/target.ts";
import { compareSessionsOldestFirst, sessionTime } from "../session/session-history.ts";

/**
 * A session's RPO risk in the fleet view (docs/rpo.md#where-it-shows): its target, level, reason, time left
 * and when the next run lands, from what the fleet view already worked out for the session (last success,
 * running, overdue, missed, next schedule, paused) and its BackupSessions. The same function rates the
 * sessions on the Schedule Tick (shared/usecases/rpo-watch.ts), so the tick announces what the fleet shows.
 */

export interface RpoRiskView {
  /** The target as written ("26h"), in seconds, and where it is set. */
  target: string;
  targetSeconds: number;
  source: RpoTarget["source"];
  level: RpoLevel;
  reason: string;
  /** Negative once past the target. */
  timeLeftSeconds: number;
  /** When the target is (was) passed. */
  deadline: string;
  /** When the next run would land. */
  projectedAt?: string;
  /** "RPO At Risk" is announced from this level. */
  alarmLevel: number;
  /** level ≥ alarmLevel. */
  atRisk: boolean;
}

/** What the fleet view knows of the session that the rating reads. */
export interface RpoViewInput {
  configuration: BackupConfiguration;
  session: string;
  /** The session's BackupSessions (any order). */
  sessions: readonly BackupSession[];
  lastSuccess?: string;
  /** The newest running session's due time. */
  running?: string;
  nextSchedule?: string;
  overdue?: { dueSince: string; missedRuns: number };
  /** The newest time create-sessions recorded missed (ScheduleMissed). */
  missedNewest?: string;
  /** Why nothing is scheduled, from the fleet view's state. */
  inactive?: "paused" | "suspended" | "unscheduled";
  defaults?: RpoDefaults;
  /** An exclusion window holds the next run until then (docs/rpo.md#windows). */
  window?: { until: Date; name?: string; atLeast?: boolean };
  /** The cluster is unreachable since then. */
  unreachableSince?: Date;
}

function finishedNewestFirst(sessions: readonly BackupSession[]): RpoRun[] {
  return [...sessions]
    .sort((a, b) => compareSessionsOldestFirst(b, a))
    .flatMap((s) => {
      const phase = s.status?.phase;
      return phase === "Succeeded" || phase === "Failed" || phase === "Skipped"
        ? [{ phase, time: sessionTime(s) }]
        : [];
    });
}

/** The session's RPO risk, or undefined when it has no target. */
export function rpoRiskView(input: RpoViewInput, now: Date): RpoRiskView | undefined {
  const { configuration } = input;
  const { target } = rpoTargetOf(configuration, input.session, input.defaults);
  if (target === undefined) return undefined;
  const conditions = configuration.status?.sessions?.find((s) => s.name === input.session)?.conditions;
  // Never backed up: counted from the creation. A pause does not reset the age of the data, so a resume
  // does not either (docs/rpo.md#levels).
  const created = configuration.metadata.creationTimestamp;
  const since = created === undefined ? now : new Date(created);
  const lastSuccess = input.lastSuccess === undefined ? undefined : new Date(input.lastSuccess);
  const missed = input.overdue
    ? { count: input.overdue.missedRuns, since: new Date(input.overdue.dueSince) }
    : input.missedNewest
      ? { count: 1, since: new Date(input.missedNewest) }
      : undefined;
  const active = findCondition(conditions, ScheduleActiveCondition.type);
  const inactiveSince =
    input.inactive !== "unscheduled" && active?.status === "False"
      ? new Date(active.lastTransitionTime)
      : undefined;
  const risk: RpoRiskInput = {
    targetMs: target.targetMs,
    targetText: target.text,
    since,
    recent: finishedNewestFirst(input.sessions),
    ...(lastSuccess ? { lastSuccess } : {}),
    ...(input.running ? { running: new Date(input.running) } : {}),
    ...(missed ? { missed } : {}),
    ...(input.nextSchedule && input.inactive === undefined ? { nextRun: new Date(input.nextSchedule) } : {}),
    ...(input.inactive
      ? { inactive: { kind: input.inactive, ...(inactiveSince ? { since: inactiveSince } : {}) } }
      : {}),
    ...(input.window ? { window: input.window } : {}),
    ...(input.unreachableSince ? { unreachableSince: input.unreachableSince } : {}),
  };
  const rated = rpoRisk(risk, now);
  return {
    target: target.text,
    targetSeconds: Math.round(target.targetMs / 1000),
    source: target.source,
    level: rated.level,
    reason: rated.reason,
    timeLeftSeconds: rated.timeLeftSeconds,
    deadline: toKubeTime(rated.deadline),
    ...(rated.projectedAt ? { projectedAt: toKubeTime(rated.projectedAt) } : {}),
    alarmLevel: target.alarmLevel,
    atRisk: rated.level >= target.alarmLevel,
  };
}
