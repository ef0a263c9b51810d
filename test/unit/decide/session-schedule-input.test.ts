import { describe, expect, it } from "vitest";
import { decideSessionSchedule } from "../../../shared/decide/schedule/due-sessions.ts";
import {
  isActiveSession,
  lastScheduledTime,
  sessionScheduleInput,
  staggerWindowMs,
} from "../../../shared/decide/schedule/session-schedule-input.ts";
import { BackupConfiguration } from "../../../shared/model/backup-configuration.ts";
import { BackupSession, type BackupSessionPhase } from "../../../shared/model/backup-session.ts";
import { Annotation } from "../../../shared/model/labels.ts";

const config = BackupConfiguration.parse({
  apiVersion: "core.kubestash.com/v1alpha1",
  kind: "BackupConfiguration",
  metadata: {
    name: "app",
    namespace: "demo",
    creationTimestamp: "2026-11-20T00:00:00Z",
    annotations: { [Annotation.StaggerWindow]: "5m" },
  },
  spec: {
    sessions: [
      { name: "hourly", scheduler: { schedule: "@hourly", jobTemplate: {} } },
      { name: "daily", scheduler: { schedule: "@daily", jobTemplate: {} } },
    ],
  },
});

function session(
  name: string,
  phase: BackupSessionPhase | undefined,
  scheduledTime?: string,
  owner = { config: "app", session: "hourly", namespace: "demo" },
): BackupSession {
  return BackupSession.parse({
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "BackupSession",
    metadata: {
      name,
      namespace: owner.namespace,
      annotations: scheduledTime === undefined ? undefined : { [Annotation.ScheduledTime]: scheduledTime },
    },
    spec: {
      invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: owner.config },
      session: owner.session,
    },
    status: phase === undefined ? undefined : { phase },
  });
}

describe("reading the scheduler's facts from BackupConfiguration and BackupSessions", () => {
  it.each([
    [undefined, true],
    ["Pending", true],
    ["Running", true],
    ["Succeeded", false],
    ["Failed", false],
    ["Skipped", false],
  ] as const)("a session in phase %s is active: %s", (phase, active) => {
    expect(isActiveSession(session("s", phase))).toBe(active);
  });

  it("the last scheduled time is the newest annotation; manual sessions have none", () => {
    const sessions = [
      session("a", "Succeeded", "2026-11-26T08:00:00Z"),
      session("b", "Failed", "2026-11-26T09:00:00Z"),
      session("manual", "Running"),
      session("garbled", "Running", "yesterday"),
    ];

    expect(lastScheduledTime(sessions)).toEqual(new Date("2026-11-26T09:00:00Z"));
  });

  it("the stagger window comes from the annotation as a duration", () => {
    expect(staggerWindowMs(config)).toBe(300_000);
  });

  it("builds the input from this configuration's sessions of that name only", () => {
    // Prepare
    const sessions = [
      session("app-hourly-1", "Running", "2026-11-26T09:00:00Z"),
      session("app-hourly-0", "Succeeded", "2026-11-26T08:00:00Z"),
      session("app-daily-1", "Running", "2026-11-26T00:00:00Z", {
        config: "app",
        session: "daily",
        namespace: "demo",
      }),
      session("other-hourly-1", "Running", "2026-11-26T09:30:00Z", {
        config: "other",
        session: "hourly",
        namespace: "demo",
      }),
      session("app-hourly-x", "Running", "2026-11-26T09:45:00Z", {
        config: "app",
        session: "hourly",
        namespace: "prod",
      }),
    ];
    const now = new Date("2026-11-26T10:00:00Z");

    // Act
    const input = sessionScheduleInput(config, "hourly", { sessions, now });

    // Assess
    expect(input).toMatchObject({
      namespace: "demo",
      configurationName: "app",
      session: { name: "hourly" },
      paused: false,
      createdAt: new Date("2026-11-20T00:00:00Z"),
      lastScheduledTime: new Date("2026-11-26T09:00:00Z"),
      activeSessions: [{ name: "app-hourly-1" }],
      staggerWindowMs: 300_000,
    });
    expect(input && decideSessionSchedule(input, new Date("2026-11-26T10:05:00Z"))).toMatchObject({
      action: "skip-create",
      scheduledTime: now,
    });
  });

  it("has no input for a session the configuration does not have", () => {
    expect(sessionScheduleInput(config, "weekly", { sessions: [], now: new Date() })).toBeUndefined();
  });
});
