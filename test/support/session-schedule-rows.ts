import { expect } from "vitest";
import {
  decideSessionSchedule,
  type SessionScheduleDecision,
  type SessionScheduleInput,
} from "../../shared/decide/schedule/due-sessions.ts";
import type { SchedulerSpec } from "../../shared/model/backup-configuration.ts";
import { backupSessionName } from "../../shared/model/names.ts";
import { toKubeTime } from "../../shared/model/time.ts";
import { clockFrom } from "./clock.ts";

/**
 * Scenario rows for decideSessionSchedule, anchored like the CronJob controller's tests on a fixed top of the
 * hour (Thursday 2026-11-26 10:00 UTC): session "hourly" of BackupConfiguration demo/app.
 */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export function topOfTheHour(): Date {
  return new Date("2026-11-26T10:00:00Z");
}
export const T = topOfTheHour().getTime();
export const { atMs } = clockFrom(topOfTheHour());
export const utc = (iso: string) => new Date(iso);
export const nameAt = (time: Date) => backupSessionName("app", "hourly", time);

export interface Setup extends Partial<Omit<SessionScheduleInput, "session">> {
  scheduler?: Partial<SchedulerSpec>;
}

/** Session "hourly" of demo/app, created a day before its last time (or the anchor), nothing running. */
export function input(schedule: string | undefined, setup: Setup = {}): SessionScheduleInput {
  const { scheduler, ...rest } = setup;
  return {
    namespace: "demo",
    configurationName: "app",
    session: {
      name: "hourly",
      scheduler: schedule === undefined ? undefined : { schedule, jobTemplate: {}, ...scheduler },
    },
    createdAt: new Date((rest.lastScheduledTime ?? atMs(0)).getTime() - DAY),
    activeSessions: [],
    ...rest,
  };
}

/** The decision with times written as Kubernetes writes them, so rows read as text. */
export function shown(decision: SessionScheduleDecision): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(decision).map(([key, value]) => [key, value instanceof Date ? toKubeTime(value) : value]),
  );
}

export const create = (time: Date, extra: Record<string, unknown> = {}) => ({
  action: "create",
  scheduledTime: toKubeTime(time),
  name: nameAt(time),
  missed: "none",
  missedCount: 0,
  ...extra,
});
export const wait = (next: Date, extra: Record<string, unknown> = {}) => ({
  action: "wait",
  next: toKubeTime(next),
  ...extra,
});

export interface Row {
  scenario: string;
  given: SessionScheduleInput;
  now: Date;
  expected: Record<string, unknown>;
}

export const running = (...names: string[]) => names.map((name) => ({ name }));

/** The hour before the anchor as the last scheduled time. */
export const last = { lastScheduledTime: atMs(-HOUR) };

/** Runs one row: the decision, times shown as Kubernetes writes them, matches the expected fields. */
export function expectRow({ given, now, expected }: Row): void {
  expect(shown(decideSessionSchedule(given, now))).toMatchObject(expected);
}
