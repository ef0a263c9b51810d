import { describe, expect, it } from "vitest";
import {
  backupConfigurationPhase,
  backupSessionPhase,
  componentsPhase,
  phaseFromSnapshots,
  snapshotPhase,
} from "../../../shared/decide/session/phase.ts";
import type {
  BackupConfiguration,
  BackupSession,
  Snapshot,
  SnapshotPhase,
} from "../../../shared/model/index.ts";

const T = "2026-11-24T10:00:00Z";
type C = [type: string, status: "True" | "False"];
const conditions = (cs: C[]) => cs.map(([type, status]) => ({ type, status, lastTransitionTime: T }));

function session(
  snapshots: SnapshotPhase[],
  cs: C[] = [],
  retention: Array<"Applied" | "FailedToApply"> = [],
) {
  return {
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "BackupSession",
    metadata: { name: "s" },
    spec: {},
    status: {
      snapshots: snapshots.map((phase, i) => ({ name: `snap-${i}`, phase })),
      conditions: conditions(cs),
      retentionPolicy: retention.map((phase) => ({ phase })),
    },
  } satisfies BackupSession;
}

describe("backupSessionPhase (KubeStash CalculatePhase)", () => {
  it.each<[string, BackupSession, string]>([
    ["no snapshots yet", session([]), "Pending"],
    ["all snapshots Pending", session(["Pending", "Pending", "Pending"]), "Pending"],
    ["one Running among others", session(["Pending", "Running", "Failed", "Succeeded"]), "Running"],
    ["Pending mixed with terminal", session(["Pending", "Succeeded", "Failed", "Succeeded"]), "Running"],
    [
      "one Failed but metrics not pushed yet",
      session(["Succeeded", "Succeeded", "Failed", "Succeeded"]),
      "Running",
    ],
    ["all Succeeded but metrics not pushed yet", session(["Succeeded"]), "Running"],
    [
      "one Failed and metrics pushed",
      session(["Succeeded", "Succeeded", "Failed"], [["MetricsPushed", "True"]]),
      "Failed",
    ],
    [
      "all Succeeded and metrics pushed",
      session(["Succeeded", "Succeeded"], [["MetricsPushed", "True"]]),
      "Succeeded",
    ],
    ["all Succeeded, metrics push failed", session(["Succeeded"], [["MetricsPushed", "False"]]), "Failed"],
    ["skipped", session([], [["BackupSkipped", "True"]]), "Skipped"],
    [
      "metrics failed wins over skipped",
      session(
        [],
        [
          ["MetricsPushed", "False"],
          ["BackupSkipped", "True"],
        ],
      ),
      "Failed",
    ],
    [
      "SnapshotsEnsured False + metrics",
      session(
        [],
        [
          ["SnapshotsEnsured", "False"],
          ["MetricsPushed", "True"],
        ],
      ),
      "Failed",
    ],
    [
      "SessionHistoryCleaned False + metrics",
      session(
        ["Succeeded"],
        [
          ["SessionHistoryCleaned", "False"],
          ["MetricsPushed", "True"],
        ],
      ),
      "Failed",
    ],
    [
      "BackupExecutorEnsured False + metrics",
      session(
        ["Succeeded"],
        [
          ["BackupExecutorEnsured", "False"],
          ["MetricsPushed", "True"],
        ],
      ),
      "Failed",
    ],
    [
      "pre-hook failed + metrics",
      session(
        [],
        [
          ["PreBackupHooksExecutionSucceeded", "False"],
          ["MetricsPushed", "True"],
        ],
      ),
      "Failed",
    ],
    [
      "post-hook failed + metrics",
      session(
        ["Succeeded"],
        [
          ["PostBackupHooksExecutionSucceeded", "False"],
          ["MetricsPushed", "True"],
        ],
      ),
      "Failed",
    ],
    [
      "snapshot cleanup incomplete + metrics",
      session(
        ["Succeeded"],
        [
          ["SnapshotCleanupIncomplete", "True"],
          ["MetricsPushed", "True"],
        ],
      ),
      "Failed",
    ],
    [
      "one retention FailedToApply + metrics",
      session(["Succeeded"], [["MetricsPushed", "True"]], ["Applied", "FailedToApply"]),
      "Failed",
    ],
    [
      "executor failed but metrics not pushed: follows snapshots",
      session(["Running"], [["BackupExecutorEnsured", "False"]]),
      "Running",
    ],
    [
      "retention failed without metrics: still running",
      session(["Succeeded"], [], ["FailedToApply"]),
      "Running",
    ],
    ["all applied + metrics", session(["Succeeded"], [["MetricsPushed", "True"]], ["Applied"]), "Succeeded"],
  ])("%s → %s", (_case, input, expected) => {
    expect(backupSessionPhase(input)).toBe(expected);
  });
});

describe("phaseFromSnapshots", () => {
  it.each<[SnapshotPhase[], string]>([
    [[], "Pending"],
    [["Pending"], "Pending"],
    [["Running"], "Running"],
    [["Failed", "Succeeded"], "Failed"],
    [["Succeeded", "Succeeded"], "Succeeded"],
  ])("%j → %s", (phases, expected) => expect(phaseFromSnapshots(phases)).toBe(expected));
});

function snapshot(components: Record<string, SnapshotPhase>, total = 2, cs: C[] = []): Snapshot {
  return {
    apiVersion: "storage.kubestash.com/v1alpha1",
    kind: "Snapshot",
    metadata: { name: "x" },
    spec: { deletionPolicy: "Delete" },
    status: {
      totalComponents: total,
      components: Object.fromEntries(Object.entries(components).map(([k, phase]) => [k, { phase }])),
      conditions: conditions(cs),
    },
  };
}

describe("componentsPhase (totalComponents = 2)", () => {
  it.each<[Record<string, SnapshotPhase>, string]>([
    [{}, "Pending"],
    [{ dump: "Running" }, "Running"],
    [{ manifest: "Failed", dump: "Running" }, "Failed"],
    [{ manifest: "Succeeded", dump: "Failed" }, "Failed"],
    [{ dump: "Failed" }, "Failed"],
    [{ manifest: "Succeeded", dump: "Succeeded" }, "Succeeded"],
    [{ manifest: "Succeeded" }, "Running"],
  ])("%j → %s", (components, expected) => expect(componentsPhase(snapshot(components))).toBe(expected));
});

describe("snapshotPhase", () => {
  const done = { manifest: "Succeeded", dump: "Succeeded" } as const;
  it.each<[string, Snapshot, string]>([
    ["no components", snapshot({}), "Pending"],
    ["components done, metadata not uploaded yet", snapshot(done), "Running"],
    [
      "components done, metadata uploaded",
      snapshot(done, 2, [["SnapshotMetadataUploaded", "True"]]),
      "Succeeded",
    ],
    ["metadata upload failed", snapshot(done, 2, [["SnapshotMetadataUploaded", "False"]]), "Failed"],
    ["recent list update failed", snapshot({}, 2, [["RecentSnapshotListUpdated", "False"]]), "Failed"],
    ["backup incomplete", snapshot({ dump: "Running" }, 2, [["BackupIncomplete", "True"]]), "Failed"],
  ])("%s → %s", (_case, input, expected) => expect(snapshotPhase(input)).toBe(expected));
});

describe("backupConfigurationPhase", () => {
  const base = (status: BackupConfiguration["status"], backends = 1, sessions = 1): BackupConfiguration => ({
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "BackupConfiguration",
    metadata: { name: "c" },
    spec: {
      backends: Array.from({ length: backends }, (_, i) => ({ name: `b${i}` })),
      sessions: Array.from({ length: sessions }, (_, i) => ({ name: `s${i}`, sessionHistoryLimit: 1 })),
    },
    status,
  });
  const ready = {
    targetFound: true,
    backends: [{ name: "b0", ready: true }],
    sessions: [{ name: "s0", conditions: conditions([["SchedulerEnsured", "True"]]) }],
  };
  it.each<[string, BackupConfiguration, string]>([
    ["everything ready", base(ready), "Ready"],
    [
      "validation failed",
      base({ ...ready, conditions: conditions([["ValidationPassed", "False"]]) }),
      "Invalid",
    ],
    ["target not found", base({ ...ready, targetFound: false }), "NotReady"],
    ["backend not ready", base({ ...ready, backends: [{ name: "b0", ready: false }] }), "NotReady"],
    ["backend status missing", base({ ...ready, backends: [] }), "NotReady"],
    ["scheduler not ensured", base({ ...ready, sessions: [{ name: "s0", conditions: [] }] }), "NotReady"],
    ["no backends in spec or status", base({ ...ready, backends: [] }, 0), "Ready"],
    ["no status at all", base(undefined), "NotReady"],
  ])("%s → %s", (_case, input, expected) => expect(backupConfigurationPhase(input)).toBe(expected));
});
