import type { BackupConfiguration, SessionConfig } from "../../model/backup-configuration.ts";
import type { Condition } from "../../model/common.ts";
import { ScheduleActiveCondition as A, findCondition, setCondition } from "../../model/conditions.ts";

/**
 * Whether a session's schedule runs, kept as the ScheduleActive condition on the configuration's
 * status.sessions[]: when it resumed after a pause is the time missed runs are not caught up before.
 */

/** When scheduling resumed after a pause or suspension, from the ScheduleActive condition (undefined: never paused). */
export function resumedAt(conditions: ReadonlyArray<Condition> | undefined): Date | undefined {
  const c = findCondition(conditions, A.type);
  return c?.status === "True" && c.reason === A.Resumed ? new Date(c.lastTransitionTime) : undefined;
}

/** The ScheduleActive condition after this tick: paused/suspended → False; active → True (Resumed after False). */
export function scheduleActiveConditions(
  previous: ReadonlyArray<Condition> | undefined,
  config: BackupConfiguration,
  session: SessionConfig,
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
