import { expect } from "vitest";
import {
  decideSessionSchedule,
  type SessionScheduleDecision,
  type SessionScheduleInput,
} from "../../shared/decide/schedule/due-sessions.ts";
import { verificationSubject } from "../../shared/decide/schedule/schedule-subject.ts";
import type { SchedulerSpec } from "../../shared/model/backup-configuration.ts";
import { backupSessionName } from "../../shared/model/names.ts";
import { toKubeTime } from "../../shared/model/time.ts";
import { verificationSessionName } from "../../shared/model/verification.ts";
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

/**
 * The same rows through the verification kind (docs/verification.md#scheduling): a verifier's schedule is a
 * second subject on the one engine, so a row's decision must be the same with every backup name of session
 * "hourly" of demo/app (`app-hourly-<unix>`) read as the repository's verification name
 * (`<repository>-hourly-<unix>`), in what runs and in what is expected.
 */
export const VERIFIED_REPOSITORY = "s3-repo";
export const verificationNameAt = (time: Date, repository = VERIFIED_REPOSITORY) =>
  verificationSessionName(repository, "hourly", time);

const BACKUP_NAME = /^app-hourly-(\d+)$/;

/** A backup name of the rows as the verification name of the same time; any other value as it is. */
function asVerificationName(value: unknown, repository: string): unknown {
  if (typeof value !== "string") return value;
  const match = BACKUP_NAME.exec(value);
  return match ? verificationNameAt(new Date(Number(match[1]) * 1000), repository) : value;
}

function renamed(value: unknown, repository: string): unknown {
  if (Array.isArray(value)) return value.map((v) => renamed(v, repository));
  return asVerificationName(value, repository);
}

/** `row` as the verification schedule of `repository`: same times and policies, verification names. */
export function throughVerification(row: Row, repository = VERIFIED_REPOSITORY): Row {
  return {
    scenario: row.scenario,
    given: {
      ...row.given,
      subject: verificationSubject(repository),
      activeSessions: row.given.activeSessions.map((s) => ({
        name: String(asVerificationName(s.name, repository)),
      })),
    },
    now: row.now,
    expected: Object.fromEntries(
      Object.entries(row.expected).map(([key, value]) => [key, renamed(value, repository)]),
    ),
  };
}

/**
 * One row per rule of the engine, drawn from the backup tables (due-sessions*.test.ts): what is due, repeated
 * ticks, concurrency, deadline, outage, pause/suspend/resume, stagger past its window, `@every`, invalid.
 */
export const engineRows: Row[] = [
  {
    scenario: "@hourly at the top of the hour: create",
    given: input("@hourly", last),
    now: atMs(0),
    expected: create(atMs(0)),
  },
  {
    scenario: "a second tick in the same minute after the session was created: wait",
    given: input("@hourly", { lastScheduledTime: atMs(0) }),
    now: atMs(20_000),
    expected: wait(atMs(HOUR)),
  },
  {
    scenario: "status not updated yet but the session already runs: wait",
    given: input("@hourly", { ...last, activeSessions: running(nameAt(atMs(0))) }),
    now: atMs(30_000),
    expected: wait(atMs(HOUR)),
  },
  {
    scenario: "one second before the scheduled time: wait for it",
    given: input("@hourly", last),
    now: atMs(-1000),
    expected: wait(atMs(0)),
  },
  {
    scenario: "Forbid by default: another one running, the new one is created Skipped",
    given: input("@hourly", { ...last, activeSessions: running(nameAt(atMs(-HOUR))) }),
    now: atMs(0),
    expected: { action: "skip-create", name: nameAt(atMs(0)), scheduledTime: toKubeTime(atMs(0)) },
  },
  {
    scenario: "Allow: runs alongside the running one",
    given: input("@hourly", {
      ...last,
      scheduler: { concurrencyPolicy: "Allow" },
      activeSessions: running(nameAt(atMs(-HOUR))),
    }),
    now: atMs(0),
    expected: create(atMs(0)),
  },
  {
    scenario: "Replace: the running one is replaced",
    given: input("@hourly", {
      ...last,
      scheduler: { concurrencyPolicy: "Replace" },
      activeSessions: running(nameAt(atMs(-HOUR))),
    }),
    now: atMs(0),
    expected: { action: "replace", name: nameAt(atMs(0)), replaces: [nameAt(atMs(-HOUR))] },
  },
  {
    scenario: "deadline 300s, exactly at the deadline: still started",
    given: input("@hourly", { ...last, scheduler: { startingDeadlineSeconds: 300 } }),
    now: atMs(300_000),
    expected: create(atMs(0)),
  },
  {
    scenario: "deadline 300s, one second past it: missed, not started",
    given: input("@hourly", { ...last, scheduler: { startingDeadlineSeconds: 300 } }),
    now: atMs(301_000),
    expected: {
      action: "missed-deadline",
      scheduledTime: toKubeTime(atMs(0)),
      next: toKubeTime(atMs(HOUR)),
      missedCount: 1,
    },
  },
  {
    scenario: "missed 5 schedules during an outage: start only the newest",
    given: input("@hourly", { lastScheduledTime: atMs(-6 * HOUR) }),
    now: atMs(5 * MINUTE),
    expected: create(atMs(0), { missed: "few", missedCount: 5 }),
  },
  {
    scenario: "never scheduled yet: counted from the creation",
    given: input("*/20 * * * *", { createdAt: atMs(-25 * MINUTE) }),
    now: atMs(0),
    expected: create(atMs(0), { missed: "few", missedCount: 1 }),
  },
  {
    scenario: "paused configuration: nothing created, next time reported",
    given: input("@hourly", { ...last, paused: true }),
    now: atMs(0),
    expected: { action: "paused", next: toKubeTime(atMs(HOUR)) },
  },
  {
    scenario: "suspended scheduler: nothing created",
    given: input("@hourly", { ...last, scheduler: { suspend: true } }),
    now: atMs(0),
    expected: { action: "suspended", next: toKubeTime(atMs(HOUR)) },
  },
  {
    scenario: "resumed at 10:20 after a pause: 10:15 missed while paused is not caught up",
    given: input("*/15 * * * *", { lastScheduledTime: atMs(-HOUR), resumedAt: atMs(20 * MINUTE) }),
    now: atMs(20 * MINUTE),
    expected: wait(atMs(30 * MINUTE)),
  },
  {
    scenario: "stagger 10m, past the whole window: created, named after the unstaggered time",
    given: input("@hourly", { ...last, staggerWindowMs: 10 * MINUTE }),
    now: atMs(10 * MINUTE),
    expected: create(atMs(0)),
  },
  {
    scenario: "@every 1h, an hour after the last time: create last + 1h",
    given: input("@every 1h", { lastScheduledTime: atMs(-HOUR + 7 * MINUTE) }),
    now: atMs(7 * MINUTE + 20_000),
    expected: create(atMs(7 * MINUTE)),
  },
  {
    scenario: "invalid cron: six fields",
    given: input("0 0 * * * *"),
    now: atMs(0),
    expected: { action: "invalid", error: expect.stringContaining("expected 5 fields") },
  },
  {
    scenario: "no scheduler: manual only",
    given: input(undefined),
    now: atMs(0),
    expected: { action: "unscheduled" },
  },
];
