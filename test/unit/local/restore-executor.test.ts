import { describe, expect, it } from "vitest";
import {
  componentNameEnv,
  restoreComponentName,
  restoreComponentStatus,
  withBackupVerified,
  withRestoredComponent,
} from "../../../local/restore-executor.ts";
import { Job, RestoreSession, Snapshot } from "../../../shared/model/index.ts";
import { parseWith } from "../../../shared/model/parse.ts";
import { clockFrom, utc } from "../../support/clock.ts";

/**
 * What the restore executor and the verifier stand-ins write (docs/verification.md#demo): only the component
 * of a RestoreSession (phase, duration, error on failure: kubestash/apimachinery ComponentRestoreStatus), and
 * only the condition BackupVerified of a BackupVerificationSession, set as kmodules' SetCondition sets it.
 */

const { atSeconds } = clockFrom(utc("2026-12-01T10:00:00Z"));

const session = (status?: unknown, components?: string[]) =>
  parseWith(
    RestoreSession,
    {
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "RestoreSession",
      metadata: { name: "demo-repo-every-minute-1764583200", namespace: "demo-verify" },
      spec: {
        dataSource: { repository: "demo-repo", snapshot: "snap", namespace: "demo", components },
        addon: { name: "pvc-addon", tasks: [{ name: "logical-backup-restore" }] },
      },
      status,
    },
    "RestoreSession",
  );

const job = (env: Array<{ name: string; value: string }> = []) =>
  parseWith(
    Job,
    {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "restore-job", namespace: "demo-verify" },
      spec: { template: { spec: { containers: [{ name: "logical-backup-restore-0", env }] } } },
    },
    "Job",
  );

const snapshot = (components: string[]) =>
  parseWith(
    Snapshot,
    {
      apiVersion: "storage.kubestash.com/v1alpha1",
      kind: "Snapshot",
      metadata: { name: "snap", namespace: "demo" },
      spec: { repository: "demo-repo" },
      status: { components: Object.fromEntries(components.map((c) => [c, { phase: "Succeeded" }])) },
    },
    "Snapshot",
  );

describe("the restore executor's component", () => {
  it("is phase and duration on success, and the error too on failure: nothing else", () => {
    expect(Object.keys(restoreComponentStatus("Succeeded")).sort()).toEqual(["duration", "phase"]);
    expect(restoreComponentStatus("Succeeded").phase).toBe("Succeeded");
    const failed = restoreComponentStatus("Failed");
    expect(Object.keys(failed).sort()).toEqual(["duration", "error", "phase"]);
    expect(failed.phase).toBe("Failed");
    expect(failed.error).not.toBe("");
  });

  it("is added to the operator's status, every other field left as it was", () => {
    const operatorStatus = {
      phase: "Running",
      totalComponents: 1,
      conditions: [
        {
          type: "RestoreExecutorEnsured",
          status: "True",
          reason: "SuccessfullyEnsuredRestoreExecutor",
          lastTransitionTime: "2026-12-01T10:00:00Z",
        },
      ],
    };
    const next = withRestoredComponent(session(operatorStatus), "dump", "Succeeded");
    expect(next).toEqual({ ...operatorStatus, components: { dump: restoreComponentStatus("Succeeded") } });
  });

  it("keeps the other components and writes nothing for one already reported", () => {
    const status = { totalComponents: 2, components: { "dump-pod-0": { phase: "Failed", error: "x" } } };
    expect(withRestoredComponent(session(status), "dump-pod-0", "Succeeded")).toBeUndefined();
    expect(withRestoredComponent(session(status), "dump-pod-1", "Succeeded")?.components).toEqual({
      "dump-pod-0": { phase: "Failed", error: "x" },
      "dump-pod-1": restoreComponentStatus("Succeeded"),
    });
  });

  it.each<[string, ReturnType<typeof job>, ReturnType<typeof session>, string[] | undefined, string]>([
    [
      "COMPONENT_NAME of a per-pod Job",
      job([{ name: "COMPONENT_NAME", value: "dump-pod-1" }]),
      session(),
      ["dump"],
      "dump-pod-1",
    ],
    ["the Snapshot's only component", job(), session(), ["dump"], "dump"],
    ["the component the RestoreSession asks for", job(), session(undefined, ["b"]), ["a", "b"], "b"],
    ["dump when the Snapshot is unknown", job(), session(), undefined, "dump"],
  ])("is named by %s", (_, j, s, components, expected) => {
    expect(restoreComponentName(j, s, components ? snapshot(components) : undefined)).toBe(expected);
  });

  it("reads COMPONENT_NAME from the first container only", () => {
    expect(componentNameEnv(job([{ name: "OTHER", value: "x" }]))).toBeUndefined();
    expect(componentNameEnv(job([{ name: "COMPONENT_NAME", value: "dump-pod-0" }]))).toBe("dump-pod-0");
  });
});

describe("the verifier's BackupVerified condition", () => {
  const restored = {
    type: "RestoreSucceeded",
    status: "True" as const,
    reason: "SuccessfullyRestoredBackup",
    lastTransitionTime: "2026-12-01T10:00:00Z",
  };

  it("is True with reason SuccessfullyVerifiedBackup and no message, appended to the operator's", () => {
    expect(withBackupVerified([restored], "Succeeded", atSeconds(5))).toEqual([
      restored,
      {
        type: "BackupVerified",
        status: "True",
        reason: "SuccessfullyVerifiedBackup",
        lastTransitionTime: "2026-12-01T10:00:05Z",
      },
    ]);
  });

  it("is False with reason FailedToVerifyBackup and the error quoted as Go's %q quotes it", () => {
    expect(withBackupVerified(undefined, "Failed", atSeconds(5), 'no "rows"')).toEqual([
      {
        type: "BackupVerified",
        status: "False",
        reason: "FailedToVerifyBackup",
        message: 'Failed to verify backup. Reason: "no \\"rows\\""',
        lastTransitionTime: "2026-12-01T10:00:05Z",
      },
    ]);
  });

  it("is left as it is when identical (nothing to write), replaced with a new time when it changed", () => {
    const once = withBackupVerified([restored], "Succeeded", atSeconds(5));
    expect(withBackupVerified(once, "Succeeded", atSeconds(9))).toBeUndefined();
    const changed = withBackupVerified(once, "Failed", atSeconds(9));
    expect(changed).toHaveLength(2);
    expect(changed?.[1]).toMatchObject({ status: "False", lastTransitionTime: "2026-12-01T10:00:09Z" });
  });
});
