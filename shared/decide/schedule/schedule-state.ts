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

/**
 * The resume time a tick at `now` schedules from: `now` when this tick is the first to find the schedule active
 * again (the condition is still False from the pause or suspension — this tick writes Resumed at `now`), else
 * {@link resumedAt}. Without it the resuming tick itself made up the newest time missed while paused
 * (docs/decisions.md#resume-after-pause; found by test/integration/pause.test.ts). Only meaningful for an active
 * schedule: a paused or suspended one creates nothing whatever this says.
 */
export function resumedAtOnTick(
  conditions: ReadonlyArray<Condition> | undefined,
  now: Date,
): Date | undefined {
  return findCondition(conditions, A.type)?.status === "False" ? now : resumedAt(conditions);
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
