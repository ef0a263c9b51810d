import { describe, expect, it } from "vitest";
import {
  type ConfigurationFacts,
  decideConfigurationStatus,
} from "../../../shared/decide/configuration/configuration-status.ts";
import { newBackupSession, skippedStatus } from "../../../shared/decide/schedule/new-session.ts";
import { resumedAt } from "../../../shared/decide/schedule/schedule-state.ts";
import { backupSessionPhase } from "../../../shared/decide/session/phase.ts";
import {
  BackupConfiguration,
  type BackupConfigurationStatus,
  BackupStorage,
  parseWith,
  RetentionPolicy,
} from "../../../shared/model/index.ts";
import { backupConfiguration, backupStorage, retentionPolicy } from "../../support/model-samples.ts";

const now = new Date("2026-11-26T12:00:00Z");
const config = parseWith(BackupConfiguration, { ...backupConfiguration, status: undefined }, "c");
const storage = parseWith(BackupStorage, backupStorage, "s");
const policy = parseWith(RetentionPolicy, retentionPolicy, "p");

function facts(over: Partial<ConfigurationFacts> = {}): ConfigurationFacts {
  return {
    storages: [storage],
    policies: [policy],
    namespaceLabels: { backup: "yes", tier: "a" },
    validationIssues: [],
    sessions: [{ name: "daily", nextSchedule: new Date("2026-11-27T01:00:00Z") }],
    ...over,
  };
}

const sessionCondition = (status: BackupConfigurationStatus, type: string) =>
  status.sessions?.[0]?.conditions?.find((c) => c.type === type);

describe("decideConfigurationStatus", () => {
  it("is Ready when storage, policy and scheduler are fine, with nextSchedule in RFC 3339", () => {
    const status = decideConfigurationStatus(config, facts(), now);
    expect(status.phase).toBe("Ready");
    expect(status.backends?.[0]).toMatchObject({
      name: "s3-backend",
      ready: true,
      retentionPolicy: { found: true },
    });
    expect(status.sessions?.[0]).toMatchObject({ name: "daily", nextSchedule: "2026-11-27T01:00:00Z" });
    expect(sessionCondition(status, "SchedulerEnsured")).toMatchObject({ status: "True" });
    expect(sessionCondition(status, "ScheduleActive")).toMatchObject({ status: "True", reason: "Scheduled" });
    expect(status.conditions?.[0]).toMatchObject({
      type: "ValidationPassed",
      status: "True",
      reason: "ResourceValidationPassed",
    });
  });

  it.each<[string, Partial<ConfigurationFacts>, string, RegExp]>([
    ["storage missing", { storages: [] }, "NotReady", /BackupStorage demo\/s3 not found/],
    ["policy missing", { policies: [] }, "NotReady", /RetentionPolicy demo\/keep-5 not found/],
    [
      "policy's selector does not match the namespace",
      { namespaceLabels: { backup: "no" } },
      "NotReady",
      /does not allow namespace demo/,
    ],
  ])("%s → %s", (_case, over, phase, reason) => {
    const status = decideConfigurationStatus(config, facts(over), now);
    expect(status.phase).toBe(phase);
    expect(status.backends?.[0]?.ready).toBe(false);
    expect(JSON.stringify(status.backends)).toMatch(reason);
  });

  it("is Invalid with the problems in the ValidationPassed message; a bad cron also fails its scheduler", () => {
    const status = decideConfigurationStatus(
      config,
      facts({
        validationIssues: [{ path: "spec.sessions[0].scheduler.schedule", message: "expected 5 fields" }],
        sessions: [{ name: "daily", schedulerError: "expected 5 fields" }],
      }),
      now,
    );
    expect(status.phase).toBe("Invalid");
    expect(status.conditions?.[0]).toMatchObject({
      status: "False",
      reason: "ResourceValidationFailed",
      message: "spec.sessions[0].scheduler.schedule: expected 5 fields",
    });
    expect(sessionCondition(status, "SchedulerEnsured")).toMatchObject({
      status: "False",
      reason: "SchedulerNotEnsured",
    });
    expect(status.sessions?.[0]).not.toHaveProperty("nextSchedule");
  });

  it("changes nothing when decided again on its own output (no needless writes)", () => {
    const first = decideConfigurationStatus(config, facts(), now);
    const again = decideConfigurationStatus(
      { ...config, status: first },
      facts(),
      new Date("2026-11-26T12:05:00Z"),
    );
    expect(again).toEqual(first);
  });
});

describe("ScheduleActive: when scheduling resumed after a pause", () => {
  it("goes False while paused, then True with reason Resumed at the time of the resume (docs/decisions.md#resume-after-pause)", () => {
    const t1 = new Date("2026-11-26T12:00:00Z");
    const t2 = new Date("2026-11-26T13:00:00Z");
    const t3 = new Date("2026-11-26T14:00:00Z");
    const active = decideConfigurationStatus(config, facts(), t1);
    const paused = decideConfigurationStatus(
      { ...config, spec: { ...config.spec, paused: true }, status: active },
      facts(),
      t2,
    );
    expect(sessionCondition(paused, "ScheduleActive")).toMatchObject({
      status: "False",
      reason: "ConfigurationPaused",
    });
    const resumed = decideConfigurationStatus({ ...config, status: paused }, facts(), t3);
    const condition = sessionCondition(resumed, "ScheduleActive");
    // Resumed with kubectl: at most a tick (a minute) before the tick that finds it.
    expect(condition).toMatchObject({
      status: "True",
      reason: "Resumed",
      lastTransitionTime: "2026-11-26T13:59:00Z",
    });
    expect(resumedAt(resumed.sessions?.[0]?.conditions)).toEqual(new Date("2026-11-26T13:59:00Z"));
    expect(resumedAt(active.sessions?.[0]?.conditions)).toBeUndefined();
    // By kss resume: at its resumed-at annotation, the time the tick scheduled from.
    const byKss = {
      ...config,
      metadata: {
        ...config.metadata,
        annotations: { "serverless.kubestash.com/resumed-at": "2026-11-26T13:59:40Z" },
      },
      status: paused,
    };
    expect(sessionCondition(decideConfigurationStatus(byKss, facts(), t3), "ScheduleActive")).toMatchObject({
      reason: "Resumed",
      lastTransitionTime: "2026-11-26T13:59:40Z",
    });
  });
});

describe("newBackupSession", () => {
  const session = config.spec.sessions?.[0];
  if (!session) throw new Error("sample has a session");
  const configWithUid = { ...config, metadata: { ...config.metadata, uid: "uid-1" } };

  it("is what KubeStash's trigger would create", () => {
    const created = newBackupSession({
      configuration: configWithUid,
      session,
      name: "sample-backup-daily-1764115200",
      scheduledTime: new Date("2026-11-26T00:00:00Z"),
      origin: "schedule",
    });
    expect(created).toMatchObject({
      metadata: {
        name: "sample-backup-daily-1764115200",
        namespace: "demo",
        labels: {
          "app.kubernetes.io/managed-by": "kubestash.com",
          "kubestash.com/invoker-kind": "BackupConfiguration",
          "kubestash.com/invoker-name": "sample-backup",
          "kubestash.com/session-name": "daily",
        },
        annotations: {
          "serverless.kubestash.com/scheduled-time": "2026-11-26T00:00:00Z",
          "serverless.kubestash.com/origin": "schedule",
        },
        ownerReferences: [
          {
            kind: "BackupConfiguration",
            name: "sample-backup",
            uid: "uid-1",
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
        finalizers: ["kubestash.com/cleanup"],
      },
      spec: {
        invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: "sample-backup" },
        session: "daily",
        retryLeft: 2,
        backupTimeout: "1h",
      },
    });
  });

  it("starts without retries when the session has no retryConfig", () => {
    const created = newBackupSession({
      configuration: configWithUid,
      session: { ...session, retryConfig: undefined },
      name: "x",
      scheduledTime: now,
      origin: "trigger",
    });
    expect(created.spec.retryLeft).toBe(0);
  });

  it("skipped status resolves to phase Skipped by KubeStash's algorithm", () => {
    const status = skippedStatus(undefined, "another backup is running", now);
    expect(status.conditions?.[0]).toMatchObject({
      type: "BackupSkipped",
      status: "True",
      reason: "PreRequisitesNotSatisfied",
    });
    expect(
      backupSessionPhase({
        apiVersion: "core.kubestash.com/v1alpha1",
        kind: "BackupSession",
        metadata: { name: "x" },
        spec: {},
        status,
      }),
    ).toBe("Skipped");
  });
});
