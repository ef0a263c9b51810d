import type { BackupConfiguration, SessionConfig } from "../../model/backup-configuration.ts";
import type { BackupSession, BackupSessionPhase } from "../../model/backup-session.ts";
import { ScheduleMissedCondition } from "../../model/conditions.ts";
import { Annotation } from "../../model/labels.ts";
import type { Snapshot } from "../../model/snapshot.ts";
import { toKubeTime } from "../../model/time.ts";
import { failureTime } from "../retry/retry-status.ts";
import { type RpoDefaults, rpoTargetOf } from "../rpo/target.ts";
import { type CronSchedule, type EverySchedule, parseCronSchedule } from "../schedule/cron.ts";
import { earliestScheduleTime } from "../schedule/due-sessions.ts";
import { missedRecord } from "../schedule/missed-schedules.ts";
import { TICK_MS } from "../schedule/overdue-notice.ts";
import { resumedAtOnTick } from "../schedule/schedule-state.ts";
import { nextScheduleTimeFrom } from "../schedule/schedule-times.ts";
import { sessionWindows, type WindowContext } from "../schedule/schedule-windows.ts";
import { isActiveSession, lastScheduledTime } from "../schedule/session-schedule-input.ts";
import { compareSessionsOldestFirst, sessionTime } from "../session/session-history.ts";
import { overdueOutsideWindows, rpoBreached, type ScheduleFacts, scheduleFacts } from "./fleet-schedule.ts";
import { type RpoRiskView, rpoRiskView } from "./rpo-view.ts";
import { rpoWindowDelay } from "./rpo-window.ts";
import { type RunHistory, runHistory } from "./run-history.ts";
import type { RepositoryVerificationView } from "./verification-view.ts";

/**
 * The fleet view of one session of a BackupConfiguration (its schedule and the BackupSessions and Snapshots it
 * made), as a pure function of the objects and `now`. Counts over "the last 24 h" see only the sessions the
 * history limit has kept; the last success also looks at Snapshots, which outlive their sessions.
 */

export const DAY_MS = 24 * 3_600_000;
/** How many of a session's newest BackupSessions the view lists. */
export const RECENT_SESSIONS = 5;

/** What a session needs attention for, worst first in {@link SESSION_STATE_ORDER}. */
export type SessionState =
  | "invalid-schedule"
  | "overdue"
  | "failing"
  | "paused"
  | "suspended"
  | "unscheduled"
  | "ok";
export const SESSION_STATE_ORDER: readonly SessionState[] = [
  "invalid-schedule",
  "overdue",
  "failing",
  "paused",
  "suspended",
  "unscheduled",
  "ok",
];

export interface SessionRef {
  name: string;
  phase: BackupSessionPhase | "New";
  /** When it was due: its scheduled-time annotation, else its creation. */
  time: string;
  origin?: string;
  duration?: string;
  nextRetry?: string;
}

export interface RetentionApplied {
  /** The BackupSession whose status reports it, and when that session was due. */
  session: string;
  time: string;
  policies: Array<{ policy?: string; repository?: string; phase?: string; error?: string }>;
}

export interface SessionFleetFacts {
  session: string;
  state: SessionState;
  schedule?: string;
  scheduleError?: string;
  intervalSeconds?: number;
  nextSchedule?: string;
  lastSuccess?: { name: string; kind: "BackupSession" | "Snapshot"; time: string; ageSeconds: number };
  /** Time since the last success against the schedule interval; breached as {@link rpoBreached} says. */
  rpo?: { intervalSeconds: number; sinceLastSuccessSeconds?: number; ratio?: number; breached: boolean };
  overdue?: { dueSince: string; missedRuns: number; overdueSeconds: number };
  /**
   * Schedule times that did not get their session on their own tick (started late, past the starting
   * deadline, or superseded), as create-sessions recorded them (docs/decisions.md#missed-schedules).
   */
  missed?: { total: number; newest: string; reason?: string; since: string };
  running: SessionRef[];
  failures24h: number;
  retries24h: number;
  /** The newest BackupSessions, newest first. */
  recent: SessionRef[];
  /** The recent runs in time, oldest first, and the Succeeded runs' duration trend (run-history.ts). */
  runs: RunHistory;
  retention?: RetentionApplied;
  /**
   * Per repository of the session that names a backupVerifier: its last verified restore, the last result,
   * the one running and the next (verification-view.ts; docs/verification.md#visibility). Absent when no
   * repository of the session names a verifier.
   */
  verifications?: RepositoryVerificationView[];
  /**
   * The RPO risk against the session's RPO target (docs/rpo.md#levels): level 1–5, reason, time left. Absent
   * when the session has no target (no annotation, no registry default).
   */
  rpoRisk?: RpoRiskView;
}

/** A schedule's parse and its facts at one `now`, by its text: configurations share a few schedules. */
export type ScheduleLookup = (
  source: string,
) => { ok: true; schedule: CronSchedule; facts: ScheduleFacts } | { ok: false; error: string };

/** A lookup that works each schedule text out once (for one `now`). */
export function scheduleLookup(now: Date): ScheduleLookup {
  const memo = new Map<string, ReturnType<ScheduleLookup>>();
  return (source) => {
    let found = memo.get(source);
    if (found === undefined) {
      const parsed = parseCronSchedule(source);
      found = parsed.ok ? { ...parsed, facts: scheduleFacts(parsed.schedule, now) } : parsed;
      memo.set(source, found);
    }
    return found;
  };
}

export interface SessionFleetInput {
  configuration: BackupConfiguration;
  session: SessionConfig;
  /** The BackupSessions this configuration's session created (any origin). */
  sessions: readonly BackupSession[];
  /** The Snapshots of this configuration's session. */
  snapshots: readonly Snapshot[];
  /** Shared by the sessions of one cluster's view; a fresh one by default. */
  schedules?: ScheduleLookup;
  /** The cluster's RPO defaults (registry `rpoTarget`, `rpoAlarmLevel`). */
  rpo?: RpoDefaults;
  /** An exclusion window holds the session's next run until then (docs/rpo.md#windows); else worked out. */
  window?: { until: Date; name?: string; atLeast?: boolean };
  /** The cluster's windows and the namespace's labels, for the RPO rating's next run (docs/rpo.md#windows). */
  windows?: WindowContext;
}

const seconds = (ms: number) => Math.round(ms / 1000);

function refOf(session: BackupSession): SessionRef {
  const status = session.status;
  return {
    name: session.metadata.name,
    phase: status?.phase ?? "New",
    time: toKubeTime(sessionTime(session)),
    ...optional("origin", session.metadata.annotations?.[Annotation.Origin]),
    ...optional("duration", status?.duration),
    ...optional("nextRetry", status?.nextRetry),
  };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

function isRetry(session: BackupSession): boolean {
  const annotations = session.metadata.annotations;
  return annotations?.[Annotation.Origin] === "retry" || annotations?.[Annotation.RetryOf] !== undefined;
}

function createdAt(session: BackupSession): Date {
  const created = session.metadata.creationTimestamp;
  return created === undefined ? sessionTime(session) : new Date(created);
}

/** The newest success: a Succeeded session (when it was due) or a Succeeded Snapshot (when it was taken). */
function lastSuccessOf(
  newestFirst: readonly BackupSession[],
  snapshots: readonly Snapshot[],
): { name: string; kind: "BackupSession" | "Snapshot"; at: Date } | undefined {
  const session = newestFirst.find((s) => s.status?.phase === "Succeeded");
  let best: { name: string; kind: "BackupSession" | "Snapshot"; at: Date } | undefined = session && {
    name: session.metadata.name,
    kind: "BackupSession",
    at: sessionTime(session),
  };
  for (const snapshot of snapshots) {
    if (snapshot.status?.phase !== "Succeeded") continue;
    const text = snapshot.status.snapshotTime ?? snapshot.metadata.creationTimestamp;
    const at = text === undefined ? undefined : new Date(text);
    if (at !== undefined && (best === undefined || at > best.at)) {
      best = { name: snapshot.metadata.name, kind: "Snapshot", at };
    }
  }
  return best;
}

function retentionOf(newestFirst: readonly BackupSession[]): RetentionApplied | undefined {
  const applied = newestFirst.find((s) =>
    (s.status?.retentionPolicy ?? []).some((r) => r.phase === "Applied" || r.phase === "FailedToApply"),
  );
  if (applied === undefined) return undefined;
  return {
    session: applied.metadata.name,
    time: toKubeTime(sessionTime(applied)),
    policies: (applied.status?.retentionPolicy ?? []).map((r) => ({
      ...optional(
        "policy",
        r.ref ? `${r.ref.namespace ? `${r.ref.namespace}/` : ""}${r.ref.name}` : undefined,
      ),
      ...optional("repository", r.repository),
      ...optional("phase", r.phase),
      ...optional("error", r.error),
    })),
  };
}

/** Failing: the newest session that finished (Succeeded or Failed) failed. */
function isFailing(newestFirst: readonly BackupSession[]): boolean {
  const finished = newestFirst.find((s) => s.status?.phase === "Succeeded" || s.status?.phase === "Failed");
  return finished?.status?.phase === "Failed";
}

export function sessionFleetFacts(input: SessionFleetInput, now: Date): SessionFleetFacts {
  const facts = scheduledSessionFacts(input, now);
  const inactive =
    facts.state === "paused" || facts.state === "suspended"
      ? facts.state
      : facts.state === "unscheduled" || facts.state === "invalid-schedule" || facts.schedule === undefined
        ? "unscheduled"
        : undefined;
  const window =
    input.window ??
    (inactive === undefined && rpoTargetOf(input.configuration, input.session.name, input.rpo).target
      ? rpoWindowDelay(
          input.configuration,
          input.session.name,
          input.sessions,
          input.windows,
          facts.nextSchedule,
          now,
        )
      : undefined);
  const rpoRisk = rpoRiskView(
    {
      configuration: input.configuration,
      session: input.session.name,
      sessions: input.sessions,
      ...(facts.lastSuccess ? { lastSuccess: facts.lastSuccess.time } : {}),
      ...(facts.running[0] ? { running: facts.running[0].time } : {}),
      ...(facts.nextSchedule ? { nextSchedule: facts.nextSchedule } : {}),
      ...(facts.overdue ? { overdue: facts.overdue } : {}),
      // A StartedLate time did get its session.
      ...(facts.missed && facts.missed.reason !== ScheduleMissedCondition.StartedLate
        ? { missedNewest: facts.missed.newest }
        : {}),
      ...(inactive ? { inactive } : {}),
      ...(input.rpo ? { defaults: input.rpo } : {}),
      ...(window ? { window } : {}),
    },
    now,
  );
  return rpoRisk ? { ...facts, rpoRisk } : facts;
}

function scheduledSessionFacts(input: SessionFleetInput, now: Date): SessionFleetFacts {
  const { configuration, session } = input;
  const newestFirst = [...input.sessions].sort((a, b) => compareSessionsOldestFirst(b, a));
  const dayAgo = now.getTime() - DAY_MS;
  const success = lastSuccessOf(newestFirst, input.snapshots);
  const retention = retentionOf(newestFirst);
  const missed = missedRecord(
    configuration.status?.sessions?.find((s) => s.name === session.name)?.conditions,
  );
  const runsOf = (schedule?: CronSchedule, overdue?: { dueSince: Date; intervalMs: number }): RunHistory =>
    runHistory(
      {
        sessions: input.sessions,
        historyLimit: session.sessionHistoryLimit ?? 1,
        ...(schedule ? { schedule } : {}),
        ...(overdue ? { overdue } : {}),
        ...(missed ? { missed } : {}),
      },
      now,
    );
  const base: Omit<SessionFleetFacts, "runs"> = {
    session: session.name,
    state: isFailing(newestFirst) ? "failing" : "ok",
    running: newestFirst.filter(isActiveSession).map(refOf),
    failures24h: newestFirst.filter(
      // When it failed; a session that does not say (no MetricsPushed, no duration) counts from when it was due.
      (s) => s.status?.phase === "Failed" && failureTime(s, sessionTime(s)).getTime() >= dayAgo,
    ).length,
    retries24h: newestFirst.filter((s) => isRetry(s) && createdAt(s).getTime() >= dayAgo).length,
    recent: newestFirst.slice(0, RECENT_SESSIONS).map(refOf),
    ...(success
      ? {
          lastSuccess: {
            name: success.name,
            kind: success.kind,
            time: toKubeTime(success.at),
            ageSeconds: seconds(now.getTime() - success.at.getTime()),
          },
        }
      : {}),
    ...(retention ? { retention } : {}),
    ...(missed
      ? {
          missed: {
            total: missed.total,
            newest: toKubeTime(missed.newest),
            ...(missed.reason ? { reason: missed.reason } : {}),
            since: toKubeTime(missed.since),
          },
        }
      : {}),
  };
  const scheduler = session.scheduler;
  if (scheduler === undefined)
    return { ...base, runs: runsOf(), state: base.state === "failing" ? "failing" : "unscheduled" };
  const parsed = (input.schedules ?? scheduleLookup(now))(scheduler.schedule);
  if (!parsed.ok)
    return {
      ...base,
      runs: runsOf(),
      state: "invalid-schedule",
      schedule: scheduler.schedule,
      scheduleError: parsed.error,
    };

  const created = configuration.metadata.creationTimestamp;
  // Resumed since the last tick (the condition still False): counted from the resume, as the next tick will.
  const conditions = configuration.status?.sessions?.find((s) => s.name === session.name)?.conditions;
  const resumed = resumedAtOnTick(configuration, conditions, now);
  const createdOrNow = created === undefined ? now : new Date(created);
  const earliest = resumed !== undefined && resumed > createdOrNow ? resumed : createdOrNow;
  const facts =
    parsed.schedule.kind === "every"
      ? everyFacts(
          parsed.schedule,
          earliestScheduleTime(createdOrNow, lastScheduledTime(input.sessions), resumed),
          now,
        )
      : parsed.facts;
  const lastSessionAt = newestFirst[0] === undefined ? undefined : sessionTime(newestFirst[0]);
  const inactive =
    configuration.spec.paused === true ? "paused" : scheduler.suspend ? "suspended" : undefined;
  const overdue =
    inactive === undefined && facts.intervalMs !== undefined
      ? overdueOutsideWindows(
          { schedule: parsed.schedule, intervalMs: facts.intervalMs, earliest, lastSessionAt },
          // Held times are not missed (docs/windows.md#policy): a run held by a Wait window is due at its end.
          sessionWindows(configuration, session.name, input.windows).windows,
          now,
        )
      : undefined;
  return {
    ...base,
    runs: runsOf(
      parsed.schedule,
      overdue && facts.intervalMs !== undefined
        ? { dueSince: overdue.dueSince, intervalMs: facts.intervalMs }
        : undefined,
    ),
    state: inactive ?? (overdue ? "overdue" : base.state),
    schedule: scheduler.schedule,
    ...(facts.intervalMs !== undefined ? { intervalSeconds: seconds(facts.intervalMs) } : {}),
    ...(facts.next ? { nextSchedule: toKubeTime(facts.next) } : {}),
    ...rpoOf(facts, success?.at, earliest, now),
    ...(overdue
      ? {
          overdue: {
            dueSince: toKubeTime(overdue.dueSince),
            missedRuns: overdue.missedRuns,
            overdueSeconds: seconds(overdue.overdueMs),
          },
        }
      : {}),
  };
}

/**
 * `@every` counts from the session's last scheduled time (docs/decisions.md#cron-grammar), so its facts are
 * the session's own, not the schedule text's: the next time from that anchor, and an interval of at least a
 * tick — a schedule under a minute runs once per tick, so it is not late between two ticks.
 */
function everyFacts(schedule: EverySchedule, anchor: Date, now: Date): ScheduleFacts {
  const next = nextScheduleTimeFrom(schedule, anchor, now);
  return { ...(next ? { next } : {}), intervalMs: Math.max(schedule.everyMs, TICK_MS) };
}

function rpoOf(
  facts: ScheduleFacts,
  lastSuccess: Date | undefined,
  earliest: Date,
  now: Date,
): Pick<SessionFleetFacts, "rpo"> {
  if (facts.intervalMs === undefined) return {};
  const since = lastSuccess === undefined ? undefined : now.getTime() - lastSuccess.getTime();
  return {
    rpo: {
      intervalSeconds: seconds(facts.intervalMs),
      ...(since !== undefined
        ? { sinceLastSuccessSeconds: seconds(since), ratio: round2(since / facts.intervalMs) }
        : {}),
      breached: rpoBreached(facts, lastSuccess, earliest),
    },
  };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
