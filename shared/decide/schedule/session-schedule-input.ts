import type { BackupConfiguration } from "../../model/backup-configuration.ts";
import type { BackupSession, BackupSessionPhase } from "../../model/backup-session.ts";
import { parseGoDuration } from "../../model/duration.ts";
import { Annotation } from "../../model/labels.ts";
import { parseCronSchedule } from "./cron.ts";
import type { SessionScheduleInput } from "./due-sessions.ts";
import { sessionWindows, type WindowContext } from "./schedule-windows.ts";

/**
 * The facts decideSessionSchedule needs, read from a BackupConfiguration and the BackupSessions that exist
 * for it: which sessions are still running, the newest scheduled time, the stagger window.
 */

const FINISHED: ReadonlySet<BackupSessionPhase> = new Set(["Succeeded", "Failed", "Skipped"]);

/**
 * What the schedule reads of the objects it made, BackupSessions or BackupVerificationSessions alike: their
 * annotations (scheduled time, origin), their creation and phase.
 */
export interface ScheduledObject {
  metadata: Pick<BackupSession["metadata"], "annotations" | "creationTimestamp">;
  status?: { phase?: string | undefined } | undefined;
}

/**
 * Running for concurrency purposes: neither Succeeded, Failed nor Skipped (docs/decisions.md#concurrency).
 */
export function isActiveSession(session: ScheduledObject): boolean {
  const phase = session.status?.phase;
  return phase === undefined || !FINISHED.has(phase as BackupSessionPhase);
}

/** The sessions of `configuration`'s session `sessionName` among `sessions` (same namespace and invoker). */
export function sessionsOf(
  configuration: BackupConfiguration,
  sessionName: string,
  sessions: readonly BackupSession[],
): BackupSession[] {
  const namespace = configuration.metadata.namespace;
  return sessions.filter(
    (s) =>
      s.metadata.namespace === namespace &&
      s.spec.invoker?.kind === "BackupConfiguration" &&
      s.spec.invoker.name === configuration.metadata.name &&
      s.spec.session === sessionName,
  );
}

/** The scheduled time a session was created for (its annotation); undefined for manual or retry sessions. */
export function scheduledTimeOf(session: ScheduledObject): Date | undefined {
  const text = session.metadata.annotations?.[Annotation.ScheduledTime];
  if (text === undefined) return undefined;
  const time = new Date(text);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

/**
 * The newest scheduled time among the sessions the schedule created. Triggered and retry sessions carry a
 * scheduled time too, but they do not move the schedule (a manual backup does not cancel a missed run).
 */
export function lastScheduledTime(sessions: readonly ScheduledObject[]): Date | undefined {
  let newest: Date | undefined;
  for (const session of sessions) {
    const origin = session.metadata.annotations?.[Annotation.Origin];
    if (origin !== undefined && origin !== "schedule") continue;
    const time = scheduledTimeOf(session);
    if (time !== undefined && (newest === undefined || time > newest)) newest = time;
  }
  return newest;
}

/** The configuration's stagger window in milliseconds, from its annotation; undefined when absent or bad. */
export function staggerWindowMs(configuration: BackupConfiguration): number | undefined {
  const text = configuration.metadata.annotations?.[Annotation.StaggerWindow];
  if (text === undefined) return undefined;
  const ms = parseGoDuration(text);
  return ms !== undefined && ms > 0 ? ms : undefined;
}

export interface ScheduleContext {
  /** Every BackupSession that may belong to the configuration (others are filtered out). */
  sessions: readonly BackupSession[];
  /** Used as the creation time when the configuration has no creationTimestamp (a manifest file). */
  now: Date;
  /** When the configuration was last resumed, if the caller knows. */
  resumedAt?: Date;
  /** The cluster's default stagger window (registry), used when the configuration has no annotation. */
  defaultStaggerWindowMs?: number;
  /** The cluster's windows, zone and start window, and the namespace's labels (docs/windows.md). */
  windows?: WindowContext;
}

/** The window fields of a session's input (docs/windows.md): its windows, start window, or what is unreadable. */
export function windowInputOf(
  configuration: BackupConfiguration,
  sessionName: string,
  context: WindowContext | undefined,
): Pick<SessionScheduleInput, "windows" | "startWindowMs" | "windowError"> {
  const found = sessionWindows(configuration, sessionName, context);
  return {
    ...(found.windows.length > 0 ? { windows: found.windows } : {}),
    ...(found.startWindowMs !== undefined ? { startWindowMs: found.startWindowMs } : {}),
    ...(found.error !== undefined ? { windowError: found.error } : {}),
  };
}

/** The input for one session of `configuration`, or undefined when it has no session of that name. */
export function sessionScheduleInput(
  configuration: BackupConfiguration,
  sessionName: string,
  context: ScheduleContext,
): SessionScheduleInput | undefined {
  const session = configuration.spec.sessions?.find((s) => s.name === sessionName);
  if (session === undefined) return undefined;
  const own = sessionsOf(configuration, sessionName, context.sessions);
  const created = configuration.metadata.creationTimestamp;
  return {
    namespace: configuration.metadata.namespace ?? "default",
    configurationName: configuration.metadata.name,
    session,
    paused: configuration.spec.paused === true,
    createdAt: created === undefined ? context.now : new Date(created),
    lastScheduledTime: lastScheduledTime(own),
    activeSessions: own.filter(isActiveSession).map((s) => ({ name: s.metadata.name })),
    resumedAt: context.resumedAt,
    staggerWindowMs: staggerWindowMs(configuration) ?? context.defaultStaggerWindowMs,
    ...(session.scheduler ? { parsedSchedule: parseCronSchedule(session.scheduler.schedule) } : {}),
    ...windowInputOf(configuration, sessionName, context.windows),
  };
}
