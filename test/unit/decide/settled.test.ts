import { describe, expect, it } from "vitest";
import {
  cleansHistory,
  FULL_SWEEP_MINUTE,
  isSettled,
  settleTargets,
  sweepScope,
} from "../../../shared/decide/session/settled.ts";
import {
  type BackupSession,
  COMPLETED_LABEL,
  type Job,
  type Snapshot,
  toKubeTime,
} from "../../../shared/model/index.ts";
import { atSeconds, backupSession, NS } from "../../support/session-world.ts";

const T = toKubeTime(atSeconds(0));
const pushed = [{ type: "MetricsPushed", status: "True" as const, lastTransitionTime: T }];
const withStatus = (status: BackupSession["status"], over: Partial<BackupSession> = {}): BackupSession => {
  const session = backupSession(atSeconds(0), { retryLeft: 1 });
  return { ...session, ...over, metadata: { ...session.metadata, ...over.metadata }, status };
};
const succeeded = withStatus({ phase: "Succeeded", conditions: pushed });
const labelled = (o: BackupSession) => ({
  ...o,
  metadata: { ...o.metadata, labels: { ...o.metadata.labels, [COMPLETED_LABEL]: "true" } },
});
const snapshotOf = (session: BackupSession, repository: string, labels = {}): Snapshot => ({
  apiVersion: "storage.kubestash.com/v1alpha1",
  kind: "Snapshot",
  metadata: { name: `${repository}-${session.metadata.name}`, namespace: NS, labels },
  spec: { backupSession: session.metadata.name, repository, deletionPolicy: "Delete" },
});
const jobOf = (session: BackupSession, purpose: string, labels = {}): Job => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: {
    name: `${purpose}-${session.metadata.name}`,
    namespace: NS,
    labels: { "kubestash.com/invoker-name": session.metadata.name, ...labels },
  },
  spec: { template: {} },
});

describe("isSettled", () => {
  it.each([
    ["Succeeded", succeeded, true],
    ["Skipped", withStatus({ phase: "Skipped" }), true],
    [
      "Succeeded, retention still Pending",
      withStatus({ phase: "Succeeded", retentionPolicy: [{ repository: "repo-a", phase: "Pending" }] }),
      false,
    ],
    [
      "Succeeded, retention Applied",
      withStatus({ phase: "Succeeded", retentionPolicy: [{ repository: "repo-a", phase: "Applied" }] }),
      true,
    ],
    ["Running", withStatus({ phase: "Running" }), false],
    ["no phase yet", withStatus(undefined), false],
    ["Failed, a retry still owed", withStatus({ phase: "Failed", conditions: pushed }), false],
    ["Failed, retried", withStatus({ phase: "Failed", retried: true, conditions: pushed }), true],
    [
      "Succeeded, being deleted",
      withStatus({ phase: "Succeeded" }, { metadata: { name: "x", deletionTimestamp: T } }),
      false,
    ],
  ])("%s → %s", (_, session, expected) => {
    expect(isSettled(session)).toBe(expected);
  });
});

describe("settleTargets", () => {
  it("labels the session's Snapshots and Jobs first, the session last with its resourceVersion", () => {
    const session = { ...succeeded, metadata: { ...succeeded.metadata, resourceVersion: "42" } };
    const other = withStatus({ phase: "Running" }, { metadata: { name: "other" } });
    const targets = settleTargets(
      session,
      [snapshotOf(session, "repo-a"), snapshotOf(session, "repo-b", { [COMPLETED_LABEL]: "true" })],
      [jobOf(session, "backup"), jobOf(other, "backup")],
    );
    expect(targets).toEqual([
      { kind: "Snapshot", namespace: NS, name: `repo-a-${session.metadata.name}` },
      { kind: "Job", namespace: NS, name: `backup-${session.metadata.name}` },
      { kind: "BackupSession", namespace: NS, name: session.metadata.name, resourceVersion: "42" },
    ]);
  });

  it.each([
    ["a session still running", withStatus({ phase: "Running" })],
    ["a session labelled already", labelled(succeeded)],
  ])("nothing for %s", (_, session) => {
    expect(settleTargets(session, [snapshotOf(session, "repo-a")], [jobOf(session, "backup")])).toEqual([]);
  });
});

describe("cleansHistory", () => {
  it("holds once the decision set SessionHistoryCleaned", () => {
    expect(
      cleansHistory({
        conditions: [{ type: "SessionHistoryCleaned", status: "True", lastTransitionTime: T }],
      }),
    ).toBe(true);
    expect(cleansHistory({ conditions: pushed })).toBe(false);
    expect(cleansHistory(undefined)).toBe(false);
  });
});

describe("sweepScope", () => {
  it.each([
    ["the full sweep's minute", new Date(`2026-12-01T07:${FULL_SWEEP_MINUTE}:00Z`), "all"],
    ["any other minute", new Date("2026-12-01T07:31:00Z"), "unfinished"],
    ["the top of the hour", new Date("2026-12-01T08:00:00Z"), "unfinished"],
  ])("%s → %s", (_, now, scope) => {
    expect(sweepScope(now)).toBe(scope);
  });
});
