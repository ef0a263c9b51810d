import type { BackupConfiguration, Session } from "../model/backup-configuration.ts";
import type { BackupSession } from "../model/backup-session.ts";
import type { Condition } from "../model/common.ts";
import { ScheduleActiveCondition as A, findCondition, setCondition } from "../model/conditions.ts";
import { Annotation, Label } from "../model/labels.ts";
import { isSessionCompleted } from "./phase.ts";

/**
 * What the scheduler needs to know about one session of a configuration, read off the objects: its sessions,
 * the newest scheduled time among them, which are still running, and when scheduling resumed after a pause.
 */

/** Sessions invoked by this configuration for this session name (labels, else spec.invoker + spec.session). */
export function sessionsOf(
  all: ReadonlyArray<BackupSession>,
  config: BackupConfiguration,
  sessionName: string,
): BackupSession[] {
  return all.filter(
    (s) =>
      s.metadata.namespace === config.metadata.namespace &&
      (s.spec.invoker?.kind ?? s.metadata.labels?.[Label.InvokerKind]) === "BackupConfiguration" &&
      (s.spec.invoker?.name ?? s.metadata.labels?.[Label.InvokerName]) === config.metadata.name &&
      (s.spec.session ?? s.metadata.labels?.[Label.SessionName]) === sessionName,
  );
}

/** The time a session was scheduled for: our annotation, else the `-<unix seconds>` suffix of its name. */
export function scheduledTimeOf(session: BackupSession): Date | undefined {
  const annotated = session.metadata.annotations?.[Annotation.ScheduledTime];
  if (annotated) return new Date(annotated);
  const suffix = /-(\d{9,11})$/.exec(session.metadata.name)?.[1];
  return suffix ? new Date(Number(suffix) * 1000) : undefined;
}

/** Newest scheduled time among sessions the schedule created (triggers and retries do not move the schedule). */
export function lastScheduledTime(sessions: ReadonlyArray<BackupSession>): Date | undefined {
  let newest: Date | undefined;
  for (const s of sessions) {
    const origin = s.metadata.annotations?.[Annotation.Origin];
    if (origin !== undefined && origin !== "schedule") continue;
    if (origin === undefined && /-(manual-[0-9a-f]{8}|retry-\d+)$/.test(s.metadata.name)) continue;
    const t = scheduledTimeOf(s);
    if (t && (!newest || t > newest)) newest = t;
  }
  return newest;
}

export function activeSessions(sessions: ReadonlyArray<BackupSession>): BackupSession[] {
  return sessions.filter((s) => !isSessionCompleted(s.status?.phase));
}

/** When scheduling resumed after a pause or suspension, from the ScheduleActive condition (undefined: never paused). */
export function resumedAt(conditions: ReadonlyArray<Condition> | undefined): Date | undefined {
  const c = findCondition(conditions, A.type);
  return c?.status === "True" && c.reason === A.Resumed ? new Date(c.lastTransitionTime) : undefined;
}

/** The ScheduleActive condition after this tick: paused/suspended → False; active → True (Resumed after False). */
export function scheduleActiveConditions(
  previous: ReadonlyArray<Condition> | undefined,
  config: BackupConfiguration,
  session: Session,
  now: Date,
): Condition[] {
  const before = findCondition(previous, A.type);
  if (config.spec.paused === true) {
    return setCondition(
      previous,
      { type: A.type, status: "False", reason: A.Paused, message: "The configuration is paused." },
      now,
    );
  }
  if (session.scheduler?.suspend === true) {
    return setCondition(
      previous,
      { type: A.type, status: "False", reason: A.Suspended, message: "The scheduler is suspended." },
      now,
    );
  }
  if (before?.status === "True") return [...(previous ?? [])];
  const resumed = before?.status === "False";
  return setCondition(
    previous,
    {
      type: A.type,
      status: "True",
      reason: resumed ? A.Resumed : A.Scheduled,
      message: resumed ? "Scheduling resumed; times missed while paused are not caught up." : "Scheduling.",
    },
    now,
  );
}
