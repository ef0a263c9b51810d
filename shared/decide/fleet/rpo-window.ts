import type { BackupConfiguration } from "../../model/backup-configuration.ts";
import type { BackupSession } from "../../model/backup-session.ts";
import { nextRunStart } from "../schedule/schedule-next.ts";
import { resumedAt } from "../schedule/schedule-state.ts";
import type { WindowContext } from "../schedule/schedule-windows.ts";
import { sessionScheduleInput, windowInputOf } from "../schedule/session-schedule-input.ts";

/**
 * When a session's exclusion windows (docs/windows.md) hold its next run past its next schedule time, for its
 * RPO rating (docs/rpo.md#windows): the engine's own answer (nextRunStart: Wait windows move the start to
 * their end, Skip windows and start windows pass runs by), compared with the schedule's next time. Undefined
 * when the session has no window or its next run starts on time. Only worked out for sessions with an RPO
 * target (the caller's check), as it steps the engine through the windows.
 */
export function rpoWindowDelay(
  configuration: BackupConfiguration,
  session: string,
  sessions: readonly BackupSession[],
  windows: WindowContext | undefined,
  nextSchedule: string | undefined,
  now: Date,
): { until: Date; name?: string; atLeast?: boolean } | undefined {
  if (windowInputOf(configuration, session, windows).windows === undefined) return undefined;
  const conditions = configuration.status?.sessions?.find((s) => s.name === session)?.conditions;
  const resumed = resumedAt(conditions);
  const input = sessionScheduleInput(configuration, session, {
    sessions,
    now,
    ...(resumed ? { resumedAt: resumed } : {}),
    ...(windows ? { windows } : {}),
  });
  const start = input ? nextRunStart(input, now) : undefined;
  if (start === undefined || nextSchedule === undefined) return undefined;
  if (start.startAt.getTime() <= Date.parse(nextSchedule)) return undefined;
  // Later only by its stagger: no window is in the way.
  if (start.heldBy === undefined && start.skipped.length === 0) return undefined;
  const names = start.heldBy?.windows ?? start.skipped.flatMap((s) => (s.window ? [s.window] : []));
  const name = [...new Set(names)].join(", ");
  // The search ran out with windows in the way: at least until then, never "no delay".
  return {
    until: start.startAt,
    ...(name ? { name } : {}),
    ...(start.beyondSearch ? { atLeast: true } : {}),
  };
}
