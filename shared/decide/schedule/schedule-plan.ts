import type { BackupConfiguration, SessionConfig } from "../../model/backup-configuration.ts";
import type { BackupSession } from "../../model/backup-session.ts";
import type { Condition } from "../../model/common.ts";
import { Annotation } from "../../model/labels.ts";
import { toKubeTime } from "../../model/time.ts";
import {
  decideSessionSchedule,
  earliestScheduleTime,
  nextScheduleAfter,
  type SessionScheduleDecision,
  type SessionScheduleInput,
  scheduleOf,
} from "./due-sessions.ts";
import { type MissedRuns, missedRecord, newlyMissedRuns } from "./missed-schedules.ts";
import { newBackupSession, withSkipReason } from "./new-session.ts";
import { freshlyOverdue } from "./overdue-notice.ts";
import { resumedAtOnTick } from "./schedule-state.ts";
import type { WindowContext, WindowHold } from "./schedule-windows.ts";
import { type ScheduledObject, scheduledTimeOf, sessionScheduleInput } from "./session-schedule-input.ts";

/**
 * What one Schedule Tick decides for a configuration, before anything is written (docs/costs.md#scheduling-lag):
 * per session (a `spec.sessions[]` entry) the CronJob controller's decision from one parse of its schedule,
 * the BackupSession to create, the "Schedule Overdue" notice; and, once the creates are done, the facts the
 * configuration's status records and the Events. Pure: shared/usecases/create-sessions.ts applies it.
 */

export type Creating = Extract<SessionScheduleDecision, { name: string }>;

/** One session of the configuration on this tick. */
export interface SessionPlan {
  session: SessionConfig;
  input: SessionScheduleInput;
  decision: SessionScheduleDecision;
  /** The session's conditions in the configuration's status (missed runs, resume). */
  conditions: Condition[] | undefined;
  /** When due: the BackupSession to create and what goes with it. */
  create?: {
    decision: Creating;
    desired: BackupSession;
    /** Created Skipped (Forbid), with this reason. */
    skippedReason?: string;
    /** Running sessions to mark replaced (Replace). */
    replaces: string[];
  };
  /** "Schedule Overdue": the missed run has just become a whole interval late (once per overdue run). */
  overdue?: { schedule: string; dueSince: Date; missedRuns: number };
  /** When the session of `input.lastScheduledTime` was created (for missed-run counting). */
  lastCreatedAt?: Date;
}

/** Per session of the configuration, in `spec.sessions[]` order. */
export interface ConfigurationSchedulePlan {
  configuration: BackupConfiguration;
  sessions: SessionPlan[];
}

export interface SchedulePlanContext {
  /** The BackupSessions of this configuration, by session name (others are ignored). */
  sessionsOf: (session: string) => readonly BackupSession[];
  /** The cluster's default stagger window (registry). */
  defaultStaggerWindowMs?: number;
  /** The cluster's windows, zone, start window and the namespace's labels (docs/windows.md). */
  windows?: WindowContext;
}

export function isCreating(decision: SessionScheduleDecision): decision is Creating {
  return decision.action === "create" || decision.action === "skip-create" || decision.action === "replace";
}

/** When the schedule's newest session was created (the one `lastScheduledTime` comes from). */
export function lastCreatedAt(
  sessions: readonly ScheduledObject[],
  lastScheduled: Date | undefined,
): Date | undefined {
  if (lastScheduled === undefined) return undefined;
  const session = sessions.find(
    (s) =>
      (s.metadata.annotations?.[Annotation.Origin] ?? "schedule") === "schedule" &&
      scheduledTimeOf(s)?.getTime() === lastScheduled.getTime(),
  );
  const created = session?.metadata.creationTimestamp;
  return created === undefined ? undefined : new Date(created);
}

/** "Overdue" for a missed-deadline decision: the same rule for a backup's and a verifier's schedule. */
export function overdueNotice(input: SessionScheduleInput, now: Date): SessionPlan["overdue"] {
  const parsed = scheduleOf(input);
  if (!parsed?.ok) return undefined;
  const overdue = freshlyOverdue(
    {
      schedule: parsed.schedule,
      earliest: earliestScheduleTime(input.createdAt, undefined, input.resumedAt),
      ...(input.lastScheduledTime ? { lastSessionAt: input.lastScheduledTime } : {}),
    },
    now,
  );
  if (!overdue) return undefined;
  return {
    schedule: parsed.schedule.source,
    dueSince: overdue.dueSince,
    missedRuns: Math.max(1, overdue.missedRuns),
  };
}

/** Every session's decision on this tick, from the listed objects alone. */
export function planConfigurationSchedule(
  configuration: BackupConfiguration,
  context: SchedulePlanContext,
  now: Date,
): ConfigurationSchedulePlan {
  const sessions: SessionPlan[] = [];
  for (const session of configuration.spec.sessions ?? []) {
    const conditions = configuration.status?.sessions?.find((s) => s.name === session.name)?.conditions;
    const own = context.sessionsOf(session.name);
    const input = sessionScheduleInput(configuration, session.name, {
      sessions: own,
      now,
      resumedAt: resumedAtOnTick(configuration, conditions, now),
      defaultStaggerWindowMs: context.defaultStaggerWindowMs,
      ...(context.windows ? { windows: context.windows } : {}),
    });
    if (!input) continue;
    const decision = decideSessionSchedule(input, now);
    const plan: SessionPlan = { session, input, decision, conditions };
    const created = lastCreatedAt(own, input.lastScheduledTime);
    if (created) plan.lastCreatedAt = created;
    if (isCreating(decision)) {
      plan.create = {
        decision,
        desired: withSkipReason(
          newBackupSession({
            configuration,
            session,
            name: decision.name,
            scheduledTime: decision.scheduledTime,
            origin: "schedule",
          }),
          decision.action === "skip-create" ? decision.reason : undefined,
        ),
        ...(decision.action === "skip-create" ? { skippedReason: decision.reason } : {}),
        replaces: decision.action === "replace" ? decision.replaces : [],
      };
    }
    if (decision.action === "missed-deadline") {
      const overdue = overdueNotice(input, now);
      if (overdue) plan.overdue = overdue;
    }
    sessions.push(plan);
  }
  return { configuration, sessions };
}

/** What the status records of one session after the tick (decideConfigurationStatus's `sessions[]`). */
export interface SessionScheduleFacts {
  name: string;
  nextSchedule?: Date;
  schedulerError?: string;
  missed?: MissedRuns;
  /** Exclusion windows hold the due run (ScheduleHeld condition, docs/windows.md#how-it-shows). */
  held?: WindowHold;
}

/**
 * After the creates: what the configuration's status records for `plan`'s session. `createdName` is the
 * session the create made or found; a due create that did not happen is no fact yet (the time stays due, a
 * later tick decides it again), so it counts no miss and the next schedule stays counted from the last one.
 */
export function scheduleFactsAfter(
  plan: SessionPlan,
  createdName: string | undefined,
  now: Date,
): SessionScheduleFacts {
  const { session, input, decision } = plan;
  if (decision.action === "invalid") return { name: session.name, schedulerError: decision.error };
  const failedCreate = plan.create !== undefined && createdName === undefined;
  const carriedOut: SessionScheduleDecision = failedCreate ? { action: "unscheduled" } : decision;
  const next = nextScheduleAfter(input, carriedOut, now);
  const active = decision.action !== "paused" && decision.action !== "suspended";
  const missed = failedCreate
    ? undefined
    : newlyMissedRuns(
        {
          input,
          decision,
          recorded: missedRecord(plan.conditions)?.newest,
          lastCreatedAt: plan.lastCreatedAt,
        },
        now,
      );
  const held =
    decision.action === "wait" && decision.heldBy
      ? { windows: decision.heldBy.windows, until: decision.heldBy.until }
      : undefined;
  return {
    name: session.name,
    ...(active && next ? { nextSchedule: next } : {}),
    ...(missed ? { missed } : {}),
    ...(held ? { held } : {}),
  };
}

/** The `BackupSessionCreated` Event's message on the configuration, for a session this tick created. */
export function createdEventMessage(plan: SessionPlan, name: string): string | undefined {
  const create = plan.create;
  if (!create) return undefined;
  return create.skippedReason !== undefined
    ? `Skipped BackupSession ${name}: ${create.skippedReason}`
    : `Created BackupSession ${name} for ${toKubeTime(create.decision.scheduledTime)}`;
}
