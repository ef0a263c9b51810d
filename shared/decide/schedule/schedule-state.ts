import type { BackupConfiguration, SessionConfig } from "../../model/backup-configuration.ts";
import type { Condition } from "../../model/common.ts";
import { ScheduleActiveCondition as A, findCondition, setCondition } from "../../model/conditions.ts";
import { Annotation } from "../../model/labels.ts";

/**
 * Whether a session's schedule runs, kept as the ScheduleActive condition on the configuration's
 * status.sessions[]: when it resumed after a pause is the time missed runs are not caught up before.
 */

/** When scheduling resumed after a pause or suspension, from the ScheduleActive condition (undefined: never paused). */
export function resumedAt(conditions: ReadonlyArray<Condition> | undefined): Date | undefined {
  const c = findCondition(conditions, A.type);
  return c?.status === "True" && c.reason === A.Resumed ? new Date(c.lastTransitionTime) : undefined;
}

/** Ticks run a minute apart: the resume a tick finds happened at most this long before it. */
const TICK_INTERVAL_MS = 60_000;

/**
 * The resume time a tick at `now` schedules from (docs/decisions.md#resume-after-pause). When this tick is the
 * first to find the schedule active again (the condition is still False from the pause or suspension), the
 * resume happened between that False transition and now: the configuration's `resumed-at` annotation (written
 * by `kss resume`) when it is later than the transition and not after now, else the later of the transition and
 * `now` − 60 s (the previous tick). Not `now` itself: a 02:00 run was lost when `kss resume` ran at 01:59:40 and
 * the tick came at 02:00:04. Else {@link resumedAt}. Without it the resuming tick itself made up the newest time
 * missed while paused (found by test/integration/pause.test.ts). Only meaningful for an active schedule: a
 * paused or suspended one creates nothing whatever this says.
 */
export function resumedAtOnTick(
  configuration: Pick<BackupConfiguration, "metadata">,
  conditions: ReadonlyArray<Condition> | undefined,
  now: Date,
): Date | undefined {
  const active = findCondition(conditions, A.type);
  if (active?.status !== "False") return resumedAt(conditions);
  const since = new Date(active.lastTransitionTime).getTime();
  const text = configuration.metadata.annotations?.[Annotation.ResumedAt];
  const annotated = text === undefined ? Number.NaN : new Date(text).getTime();
  if (annotated > since && annotated <= now.getTime()) return new Date(annotated);
  const fallback = now.getTime() - TICK_INTERVAL_MS;
  return new Date(Number.isNaN(since) ? fallback : Math.max(since, fallback));
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
  // Resumed: recorded at the resume this tick scheduled from, so later ticks and retries count from it too.
  const at = resumed ? (resumedAtOnTick(config, previous, now) ?? now) : now;
  return setCondition(
    previous,
    {
      type: A.type,
      status: "True",
      reason: resumed ? A.Resumed : A.Scheduled,
      message: resumed ? "Scheduling resumed; times missed while paused are not caught up." : "Scheduling.",
    },
    at,
  );
}
