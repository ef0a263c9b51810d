import { type Overdue, overdueRun, scheduleFacts } from "../fleet/fleet-schedule.ts";
import type { CronSchedule } from "./cron.ts";

/**
 * Whether to announce "Schedule Overdue" on this tick: the schedule has a run due more than one interval ago
 * with no session, and it became so within the last tick (so each overdue run is announced once, without
 * keeping state). Only asked when the scheduler itself could not start a due run (missed deadline).
 */
export const TICK_MS = 60_000;

export function freshlyOverdue(
  input: { schedule: CronSchedule; earliest: Date; lastSessionAt?: Date },
  now: Date,
): Overdue | undefined {
  const { intervalMs } = scheduleFacts(input.schedule, now);
  if (intervalMs === undefined) return undefined;
  const overdue = overdueRun({ ...input, intervalMs }, now);
  if (!overdue) return undefined;
  return overdue.overdueMs - intervalMs < TICK_MS ? overdue : undefined;
}
