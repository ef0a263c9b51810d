import { describe, expect, it } from "vitest";
import { type SessionFleetFacts, sessionFleetFacts } from "../../../shared/decide/fleet/fleet.ts";
import { scheduleFacts } from "../../../shared/decide/fleet/fleet-schedule.ts";
import { parseCronSchedule } from "../../../shared/decide/schedule/cron.ts";
import type { BackupConfiguration } from "../../../shared/model/backup-configuration.ts";
import type { BackupSession } from "../../../shared/model/backup-session.ts";
import type { Snapshot } from "../../../shared/model/snapshot.ts";
import {
  ago,
  type ConfigOptions,
  configuration,
  DAY,
  HOUR,
  MINUTE,
  NOW,
  session,
  snapshot,
  utc,
} from "../../support/fleet-samples.ts";

/**
 * Overdue and RPO of one session on a fixed clock (Thursday 2026-11-26 12:30 UTC): "overdue" is a schedule
 * time due more than one interval ago with no session after it; the interval is the gap between the schedule's
 * two latest times.
 */

function factsOf(
  options: ConfigOptions,
  sessions: BackupSession[] = [],
  snapshots: Snapshot[] = [],
  now = NOW,
): SessionFleetFacts {
  const config: BackupConfiguration = configuration("app", options);
  const first = config.spec.sessions?.[0];
  if (!first) throw new Error("the sample has a session");
  return sessionFleetFacts({ configuration: config, session: first, sessions, snapshots }, now);
}

interface OverdueRow {
  scenario: string;
  config: ConfigOptions;
  sessions: BackupSession[];
  now?: Date;
  expected: { state: SessionFleetFacts["state"]; overdue?: SessionFleetFacts["overdue"] };
}

const overdueRows: OverdueRow[] = [
  {
    scenario: "hourly, the 12:00 session exists: ok",
    config: {},
    sessions: [session("app", ago(30 * MINUTE), { phase: "Succeeded" })],
    expected: { state: "ok" },
  },
  {
    scenario: "hourly, last session 11:00 and 12:00 missed: one late run is not overdue yet",
    config: {},
    sessions: [session("app", ago(90 * MINUTE), { phase: "Succeeded" })],
    expected: { state: "ok" },
  },
  {
    scenario: "hourly, last session 10:00: overdue since 11:00, 2 runs missed",
    config: {},
    sessions: [session("app", ago(150 * MINUTE), { phase: "Succeeded" })],
    expected: {
      state: "overdue",
      overdue: { dueSince: "2026-11-26T11:00:00Z", missedRuns: 2, overdueSeconds: 5400 },
    },
  },
  {
    scenario: "hourly, never ran, created 11:10: not due long enough",
    config: { createdAt: ago(80 * MINUTE) },
    sessions: [],
    expected: { state: "ok" },
  },
  {
    scenario: "hourly, never ran, created 10:10: overdue since 11:00",
    config: { createdAt: ago(140 * MINUTE) },
    sessions: [],
    expected: {
      state: "overdue",
      overdue: { dueSince: "2026-11-26T11:00:00Z", missedRuns: 2, overdueSeconds: 5400 },
    },
  },
  {
    scenario: "paused for a day: paused, never overdue",
    config: { paused: true },
    sessions: [session("app", ago(DAY + 30 * MINUTE), { phase: "Succeeded" })],
    expected: { state: "paused" },
  },
  {
    scenario: "scheduler suspended for a day: suspended, never overdue",
    config: { suspend: true },
    sessions: [session("app", ago(DAY + 30 * MINUTE), { phase: "Succeeded" })],
    expected: { state: "suspended" },
  },
  {
    scenario: "resumed at 12:05 after a pause: the runs missed while paused are not owed",
    config: { resumedAt: ago(25 * MINUTE) },
    sessions: [session("app", ago(4 * HOUR + 30 * MINUTE), { phase: "Succeeded" })],
    expected: { state: "ok" },
  },
  {
    scenario: "a manual trigger at 11:15 after the 10:00 run: a session was made, not overdue",
    config: {},
    sessions: [
      session("app", ago(150 * MINUTE), { phase: "Succeeded" }),
      session("app", ago(75 * MINUTE), { phase: "Succeeded", origin: "trigger" }),
    ],
    expected: { state: "ok" },
  },
  {
    scenario: "daily 02:00, last session yesterday 02:00: ok",
    config: { schedule: "0 2 * * *" },
    sessions: [session("app", utc("2026-11-25T02:00:00Z"), { phase: "Succeeded" })],
    expected: { state: "ok" },
  },
  {
    scenario: "daily 02:00, last session two days ago: overdue since yesterday 02:00, 2 runs missed",
    config: { schedule: "0 2 * * *" },
    sessions: [session("app", utc("2026-11-24T02:00:00Z"), { phase: "Succeeded" })],
    expected: {
      state: "overdue",
      overdue: { dueSince: "2026-11-25T02:00:00Z", missedRuns: 2, overdueSeconds: 124_200 },
    },
  },
  {
    scenario: "weekdays 02:00 on Monday noon, last session Friday 02:00: a 3-day interval, not overdue",
    config: { schedule: "0 2 * * 1-5" },
    sessions: [session("app", utc("2026-11-27T02:00:00Z"), { phase: "Succeeded" })],
    now: utc("2026-11-30T12:30:00Z"),
    expected: { state: "ok" },
  },
  {
    scenario: "every 5 minutes, last session 12:05: overdue since 12:10, 5 runs missed",
    config: { schedule: "*/5 * * * *" },
    sessions: [session("app", ago(25 * MINUTE), { phase: "Succeeded" })],
    expected: {
      state: "overdue",
      overdue: { dueSince: "2026-11-26T12:10:00Z", missedRuns: 5, overdueSeconds: 1200 },
    },
  },
  {
    scenario: "CRON_TZ=Europe/Berlin 0 13 * * * (12:00 UTC), session at 12:00 UTC: ok",
    config: { schedule: "CRON_TZ=Europe/Berlin 0 13 * * *" },
    sessions: [session("app", ago(30 * MINUTE), { phase: "Succeeded" })],
    expected: { state: "ok" },
  },
  {
    scenario: "a schedule that does not parse: invalid-schedule, no overdue",
    config: { schedule: "every hour" },
    sessions: [],
    expected: { state: "invalid-schedule" },
  },
];

describe("overdue schedules", () => {
  it.each(overdueRows)("$scenario", ({ config, sessions, now, expected }) => {
    const facts = factsOf(config, sessions, [], now);
    expect(facts.state).toBe(expected.state);
    expect(facts.overdue).toEqual(expected.overdue);
  });
});

interface RpoRow {
  scenario: string;
  config?: ConfigOptions;
  sessions: BackupSession[];
  snapshots?: Snapshot[];
  expected: SessionFleetFacts["rpo"];
}

const rpoRows: RpoRow[] = [
  {
    scenario: "hourly, success at 12:00: half an interval old, met",
    sessions: [session("app", ago(30 * MINUTE), { phase: "Succeeded" })],
    expected: { intervalSeconds: 3600, sinceLastSuccessSeconds: 1800, ratio: 0.5, breached: false },
  },
  {
    scenario: "hourly, success at 11:00 and 12:00 still running: the last full cycle succeeded, met",
    sessions: [
      session("app", ago(90 * MINUTE), { phase: "Succeeded" }),
      session("app", ago(30 * MINUTE), { phase: "Running" }),
    ],
    expected: { intervalSeconds: 3600, sinceLastSuccessSeconds: 5400, ratio: 1.5, breached: false },
  },
  {
    scenario: "hourly, success at 10:00, 11:00 and 12:00 failed: breached",
    sessions: [
      session("app", ago(150 * MINUTE), { phase: "Succeeded" }),
      session("app", ago(90 * MINUTE), { phase: "Failed" }),
      session("app", ago(30 * MINUTE), { phase: "Failed" }),
    ],
    expected: { intervalSeconds: 3600, sinceLastSuccessSeconds: 9000, ratio: 2.5, breached: true },
  },
  {
    scenario: "hourly, never succeeded, created a week ago: breached",
    sessions: [session("app", ago(30 * MINUTE), { phase: "Failed" })],
    expected: { intervalSeconds: 3600, breached: true },
  },
  {
    scenario: "hourly, never succeeded, created 11:50: too young to breach",
    config: { createdAt: ago(40 * MINUTE) },
    sessions: [],
    expected: { intervalSeconds: 3600, breached: false },
  },
  {
    scenario: "hourly, the 12:00 session is gone but its Snapshot succeeded at 12:00:40: met",
    sessions: [session("app", ago(90 * MINUTE), { phase: "Failed" })],
    snapshots: [snapshot("app", "repo", ago(29 * MINUTE + 20_000))],
    expected: { intervalSeconds: 3600, sinceLastSuccessSeconds: 1760, ratio: 0.49, breached: false },
  },
  {
    scenario: "daily 02:00, success yesterday 02:00: 34.5 h old against 24 h, met",
    config: { schedule: "0 2 * * *" },
    sessions: [session("app", utc("2026-11-25T02:00:00Z"), { phase: "Succeeded" })],
    expected: { intervalSeconds: 86_400, sinceLastSuccessSeconds: 124_200, ratio: 1.44, breached: false },
  },
];

describe("RPO: time since the last success against the schedule interval", () => {
  it.each(rpoRows)("$scenario", ({ config, sessions, snapshots, expected }) => {
    expect(factsOf(config ?? {}, sessions, snapshots).rpo).toEqual(expected);
  });
});

describe("schedule interval", () => {
  it.each([
    { schedule: "0 * * * *", now: NOW, seconds: 3600 },
    { schedule: "*/5 * * * *", now: NOW, seconds: 300 },
    { schedule: "0 2 * * 1-5", now: utc("2026-11-30T12:30:00Z"), seconds: 3 * 86_400 },
    { schedule: "0 2 * * 1-5", now: utc("2026-12-01T12:30:00Z"), seconds: 86_400 },
    { schedule: "CRON_TZ=Europe/Berlin 0 3 * * *", now: utc("2026-10-25T12:00:00Z"), seconds: 90_000 },
    { schedule: "@yearly", now: NOW, seconds: 365 * 86_400 },
  ])("$schedule at $now: $seconds s", ({ schedule, now, seconds }) => {
    const parsed = parseCronSchedule(schedule);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(scheduleFacts(parsed.schedule, now).intervalMs).toBe(seconds * 1000);
  });
});
