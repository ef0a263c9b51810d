import { describe, expect, it } from "vitest";
import { snapshotPhase } from "../../../shared/decide/session/phase.ts";
import { decideReconcile, type SessionAction } from "../../../shared/decide/session/reconcile-session.ts";
import { metadataJobName } from "../../../shared/decide/session/snapshot-metadata-job.ts";
import { applySnapshotStatusUpdate } from "../../../shared/decide/session/snapshot-progress.ts";
import { findCondition, toKubeTime } from "../../../shared/model/index.ts";
import {
  atSeconds,
  backupSession,
  configuration,
  decideConfirmed,
  EXECUTOR,
  finishJob,
  GCS_SNAPSHOT,
  hook,
  NS,
  reportSnapshot,
  S3_SNAPSHOT,
  SESSION,
  sessionConfig,
  step,
  world,
} from "../../support/session-world.ts";

const types = (actions: SessionAction[]) => actions.map((a) => a.type);
const jobsCreated = (actions: SessionAction[]) =>
  actions.flatMap((a) => (a.type === "create-job" ? [a.job.metadata.name] : []));
const condition = (status: { conditions?: Parameters<typeof findCondition>[0] }, type: string) =>
  findCondition(status.conditions, type);

describe("decideReconcile: a session's lifecycle", () => {
  it("a new session creates its Snapshot and executor Job and sets the deadline", () => {
    // Prepare
    const input = world({
      configuration: configuration(sessionConfig({ backupTimeout: "30m" })),
      session: backupSession(atSeconds(0), { backupTimeout: "30m" }),
    });

    // Act
    const { status, actions, phaseChange } = decideReconcile(input, atSeconds(5));

    // Assess
    expect(types(actions)).toEqual([
      "create-snapshot",
      "update-snapshot-status",
      "update-repository-status",
      "ensure-executor-rbac",
      "create-job",
      "record-event",
      "record-event",
    ]);
    // The operator's part at creation (the executor writes only components): recent list, time, count.
    expect(actions[1]).toEqual({
      type: "update-snapshot-status",
      name: S3_SNAPSHOT,
      update: {
        set: {
          snapshotTime: toKubeTime(atSeconds(5)),
          totalComponents: 1,
          verificationStatus: "NotVerified",
        },
        conditions: [
          {
            type: "RecentSnapshotListUpdated",
            status: "True",
            reason: "SuccessfullyUpdatedRecentSnapshotList",
            message: "Recent snapshot list updated successfully",
          },
        ],
      },
    });
    expect(actions[2]).toEqual({ type: "update-repository-status", name: "s3-repo", initialized: false });
    // The executor's identity before its Job: our ServiceAccount (the configuration names none), bound here.
    expect(actions[3]).toMatchObject({
      type: "ensure-executor-rbac",
      plan: {
        serviceAccount: { namespace: NS, name: "kubestash-backup-executor" },
        roleBindings: [
          { metadata: { namespace: NS }, roleRef: { name: "kubestash-serverless-backup-executor" } },
        ],
      },
    });
    // One Event per step a person reads in `kubectl describe`.
    expect(
      actions.flatMap((a) => (a.type === "record-event" ? [[a.eventType, a.reason, a.message]] : [])),
    ).toEqual([
      ["Normal", "SuccessfullyEnsuredSnapshots", "Snapshots have been ensured successfully."],
      ["Normal", "SuccessfullyEnsuredBackupExecutor", "Backup Executor has been ensured successfully."],
    ]);
    const snapshot = actions[0]?.type === "create-snapshot" ? actions[0].snapshot : undefined;
    expect(snapshot?.metadata).toMatchObject({
      name: S3_SNAPSHOT,
      namespace: NS,
      labels: {
        "kubestash.com/app-ref-kind": "PersistentVolumeClaim",
        "kubestash.com/app-ref-name": "db-data",
        "kubestash.com/app-ref-namespace": NS,
        "kubestash.com/repo-name": "s3-repo",
        "kubestash.com/session-name": "daily",
      },
      finalizers: ["kubestash.com/cleanup"],
      ownerReferences: [{ kind: "Repository", name: "s3-repo", uid: "uid-s3-repo", controller: true }],
    });
    expect(snapshot?.spec).toMatchObject({
      type: "FullBackup",
      repository: "s3-repo",
      session: "daily",
      backupSession: SESSION,
      version: "v1",
      deletionPolicy: "WipeOut",
      appRef: { kind: "PersistentVolumeClaim", name: "db-data", namespace: NS },
    });
    expect(snapshot?.spec.snapshotID).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(jobsCreated(actions)).toEqual([EXECUTOR]);
    expect(condition(status, "SnapshotsEnsured")).toMatchObject({
      status: "True",
      reason: "SuccessfullyEnsuredSnapshots",
      message: "Snapshots have been ensured successfully.",
    });
    expect(condition(status, "BackupExecutorEnsured")).toMatchObject({
      status: "True",
      message: "Backup Executor has been ensured successfully.",
    });
    expect(status).toMatchObject({
      phase: "Pending",
      totalSnapshots: 1,
      backupDeadline: toKubeTime(atSeconds(5 + 30 * 60)),
      snapshots: [{ name: S3_SNAPSHOT, phase: "Pending", repository: "s3-repo" }],
    });
    expect(phaseChange).toEqual({ to: "Pending", reasons: expect.any(Array) });
  });

  it("all snapshots Succeeded → Succeeded after metrics", () => {
    // Prepare: started, then the executor reports Running, then Succeeded
    let input = step(world(), atSeconds(5)).next;
    const running = step(reportSnapshot(input, S3_SNAPSHOT, "Running", atSeconds(30)), atSeconds(30));
    expect(running.decision.status.phase).toBe("Running");
    expect(running.decision.phaseChange).toMatchObject({ from: "Pending", to: "Running" });
    expect(condition(running.decision.status, "MetricsPushed")).toBeUndefined();
    input = reportSnapshot(running.next, S3_SNAPSHOT, "Succeeded", atSeconds(65));

    // Act
    const { status, actions, phaseChange } = decideReconcile(input, atSeconds(65));

    // Assess
    expect(status.phase).toBe("Succeeded");
    expect(status.duration).toBe("1m5s");
    expect(condition(status, "SessionHistoryCleaned")?.status).toBe("True");
    expect(condition(status, "MetricsPushed")).toMatchObject({
      status: "True",
      reason: "SuccessfullyPushedMetrics",
      message: "Metrics have been pushed successfully.",
    });
    expect(status.retentionPolicy).toEqual([
      { ref: { name: "keep-5", namespace: NS }, repository: "s3-repo", phase: "Pending" },
    ]);
    expect(actions).toContainEqual({
      type: "push-metrics",
      summary: {
        name: SESSION,
        namespace: NS,
        invoker: {
          apiGroup: "core.kubestash.com",
          kind: "BackupConfiguration",
          name: "app-backup",
          namespace: NS,
        },
        target: { kind: "PersistentVolumeClaim", name: "db-data", namespace: NS },
        status: { phase: "Succeeded", duration: "1m5s", error: "" },
      },
    });
    expect(actions).toContainEqual(
      expect.objectContaining({
        type: "record-event",
        eventType: "Normal",
        reason: "BackupSessionSucceeded",
      }),
    );
    expect(phaseChange).toEqual({ from: "Running", to: "Succeeded", reasons: expect.any(Array) });
    expect(phaseChange?.reasons).toContain("SuccessfullyPushedMetrics");
  });

  it("one snapshot Failed → Failed, no retention, a Warning event", () => {
    // Prepare: two repositories
    const two = sessionConfig({
      repositories: [
        { name: "s3-repo", backend: "s3" },
        { name: "gcs-repo", backend: "s3" },
      ],
    });
    let input = step(world({ configuration: configuration(two) }), atSeconds(5)).next;
    expect(input.snapshots.map((s) => s.metadata.name)).toEqual([S3_SNAPSHOT, GCS_SNAPSHOT]);
    input = reportSnapshot(input, S3_SNAPSHOT, "Succeeded", atSeconds(40));
    input = reportSnapshot(input, GCS_SNAPSHOT, "Failed", atSeconds(40));

    // Act
    const { status, actions, phaseChange } = decideReconcile(input, atSeconds(40));

    // Assess
    expect(status.phase).toBe("Failed");
    expect(status.totalSnapshots).toBe(2);
    expect(status.retentionPolicy).toBeUndefined();
    expect(phaseChange?.reasons).toContain("SnapshotFailed");
    const metrics = actions.find((a) => a.type === "push-metrics");
    expect(metrics?.type === "push-metrics" && metrics.summary.status).toEqual({
      phase: "Failed",
      duration: "40s",
      error: "one or more snapshots are failed",
    });
    expect(actions).toContainEqual(
      expect.objectContaining({ type: "record-event", eventType: "Warning", reason: "BackupSessionFailed" }),
    );
  });

  it("deadline passes while Running → DeadlineExceeded and Failed", () => {
    // Prepare
    const input0 = world({
      configuration: configuration(sessionConfig({ backupTimeout: "10m" })),
      session: backupSession(atSeconds(0), { backupTimeout: "10m" }),
    });
    const started = step(input0, atSeconds(5)).next;
    const input = step(reportSnapshot(started, S3_SNAPSHOT, "Running", atSeconds(60)), atSeconds(60)).next;
    expect(decideReconcile(input, atSeconds(605)).actions).toEqual([]);

    // Act
    const { status, actions, phaseChange } = decideReconcile(input, atSeconds(606));

    // Assess
    const failed = actions.find((a) => a.type === "update-snapshot-status");
    const snapshot = input.snapshots[0];
    if (failed?.type !== "update-snapshot-status" || !snapshot) throw new Error("expected a snapshot update");
    expect(failed.name).toBe(S3_SNAPSHOT);
    expect(failed.update.conditions).toEqual([
      expect.objectContaining({
        type: "BackupIncomplete",
        status: "True",
        message: expect.stringMatching(/deadline/),
      }),
    ]);
    const after = applySnapshotStatusUpdate(snapshot, failed.update, atSeconds(606));
    expect(snapshotPhase({ ...snapshot, status: after })).toBe("Failed");
    expect(condition(status, "DeadlineExceeded")).toMatchObject({
      status: "True",
      reason: "FailedToCompleteWithinDeadline",
    });
    expect(status.snapshots?.[0]?.phase).toBe("Failed");
    expect(status.phase).toBe("Failed");
    expect(phaseChange?.reasons).toContain("FailedToCompleteWithinDeadline");
  });

  it("pre-hook failed → no executor, Failed", () => {
    // Prepare
    const config = configuration(sessionConfig({ hooks: { preBackup: [hook("freeze", { maxRetry: 2 })] } }));
    const first = step(world({ configuration: config }), atSeconds(5));
    expect(jobsCreated(first.decision.actions)).toEqual([`prehook-${SESSION}-freeze`]);
    expect(first.decision.status.hooks?.preHooks).toEqual([{ name: "freeze", phase: "Pending" }]);
    expect(first.next.snapshots).toEqual([]);
    const input = finishJob(first.next, `prehook-${SESSION}-freeze`, "Failed");

    // Act
    const { status, actions } = decideReconcile(input, atSeconds(30));

    // Assess
    expect(types(actions)).not.toContain("create-snapshot");
    expect(jobsCreated(actions)).toEqual([]);
    expect(status.hooks?.preHooks).toEqual([{ name: "freeze", phase: "Failed" }]);
    expect(condition(status, "PreBackupHooksExecutionSucceeded")).toMatchObject({
      status: "False",
      reason: "FailedToExecutePreBackupHooks",
    });
    expect(status.phase).toBe("Failed");
  });

  it("post-hook OnSuccess not run after a failure; OnFailure and Always run, one at a time", () => {
    // Prepare
    const postBackup = [
      hook("on-success", { executionPolicy: "OnSuccess" }),
      hook("on-failure", { executionPolicy: "OnFailure" }),
      hook("always"),
    ];
    let input = step(
      world({ configuration: configuration(sessionConfig({ hooks: { postBackup } })) }),
      atSeconds(5),
    ).next;
    input = reportSnapshot(input, S3_SNAPSHOT, "Failed", atSeconds(20));

    // Act: each post hook's Job finishes in turn
    const r1 = step(input, atSeconds(20));
    const r2 = step(finishJob(r1.next, `posthook-${SESSION}-on-failure`, "Complete"), atSeconds(30));
    const r3 = step(finishJob(r2.next, `posthook-${SESSION}-always`, "Complete"), atSeconds(40));

    // Assess
    expect(jobsCreated(r1.decision.actions)).toEqual([`posthook-${SESSION}-on-failure`]);
    expect(r1.decision.status.phase).toBe("Running");
    expect(jobsCreated(r2.decision.actions)).toEqual([`posthook-${SESSION}-always`]);
    expect(jobsCreated(r3.decision.actions)).toEqual([]);
    expect(r3.next.jobs.map((j) => j.metadata.name)).not.toContain(`posthook-${SESSION}-on-success`);
    expect(r3.decision.status.hooks?.postHooks).toEqual([
      { name: "on-failure", phase: "Succeeded" },
      { name: "always", phase: "Succeeded" },
    ]);
    expect(condition(r3.decision.status, "PostBackupHooksExecutionSucceeded")?.status).toBe("True");
    expect(r3.decision.status.phase).toBe("Failed");
  });

  it("a hook Job unfinished past maxRetry+1 timeouts counts as failed", () => {
    const config = configuration(
      sessionConfig({ hooks: { preBackup: [hook("slow", { timeout: "30s", maxRetry: 1 })] } }),
    );
    const started = step(world({ configuration: config }), atSeconds(0)).next;
    expect(decideReconcile(started, atSeconds(59)).status.hooks?.preHooks).toEqual([
      { name: "slow", phase: "Pending" },
    ]);
    const { status } = decideReconcile(started, atSeconds(60));
    expect(status.hooks?.preHooks).toEqual([{ name: "slow", phase: "Failed" }]);
    expect(condition(status, "PreBackupHooksExecutionSucceeded")?.message).toMatch(/within 60s/);
  });

  it("a missing Repository is created as the operator does (no labels, no owner, finalizer), then decided again", () => {
    const { status, actions, again } = decideReconcile(world({ repositories: [] }), atSeconds(5));
    expect(types(actions).filter((t) => t !== "record-event")).toEqual(["create-repository"]);
    expect(actions[0]).toEqual({
      type: "create-repository",
      repository: {
        apiVersion: "storage.kubestash.com/v1alpha1",
        kind: "Repository",
        metadata: { name: "s3-repo", namespace: NS, finalizers: ["kubestash.com/cleanup"] },
        spec: {
          appRef: { kind: "PersistentVolumeClaim", name: "db-data", namespace: NS },
          storageRef: { name: "s3-storage", namespace: NS },
          path: "/s3-repo",
          deletionPolicy: "Delete",
        },
      },
    });
    expect(again).toBe(true);
    expect(condition(status, "SnapshotsEnsured")).toBeUndefined();
  });

  it("a missing Repository whose storage is unknown → SnapshotsEnsured False, Failed, nothing created", () => {
    const { status, actions } = decideReconcile(world({ repositories: [], storages: [] }), atSeconds(5));
    expect(types(actions)).not.toContain("create-snapshot");
    expect(types(actions)).not.toContain("create-repository");
    expect(jobsCreated(actions)).toEqual([]);
    expect(condition(status, "SnapshotsEnsured")).toMatchObject({
      status: "False",
      reason: "FailedToEnsureSnapshots",
      message: "Repository demo/s3-repo not found",
    });
    expect(status.phase).toBe("Failed");
  });

  it("a missing Function → BackupExecutorEnsured False and the new Snapshot failed", () => {
    const { status, actions } = decideReconcile(world({ functions: [] }), atSeconds(5));
    expect(types(actions).slice(0, 4)).toEqual([
      "create-snapshot",
      "update-snapshot-status",
      "update-repository-status",
      "update-snapshot-status",
    ]);
    expect(actions[3]).toMatchObject({
      name: S3_SNAPSHOT,
      update: { conditions: [{ type: "BackupIncomplete", status: "True" }] },
    });
    expect(condition(status, "BackupExecutorEnsured")).toMatchObject({
      status: "False",
      reason: "FailedToEnsureBackupExecutor",
      message: "Function pvc-backup of backup task logical-backup not found",
    });
    expect(status.phase).toBe("Failed");
  });

  it("the executor Job failed before the Snapshot completed → the Snapshot fails", () => {
    const started = step(world(), atSeconds(5)).next;
    // The Snapshot, read again after the Job ended (docs/consistency.md), still lacks the component.
    const { status, actions } = decideConfirmed(finishJob(started, EXECUTOR, "Failed"), atSeconds(50));
    expect(actions[0]).toMatchObject({
      type: "update-snapshot-status",
      name: S3_SNAPSHOT,
      update: {
        conditions: [
          {
            type: "BackupIncomplete",
            reason: "BackupExecutorTerminatedBeforeCompletion",
            message: `backup executor Job ${EXECUTOR} (Failed: BackoffLimitExceeded) ended with 1 of 1 component(s) never reported`,
          },
        ],
      },
    });
    expect(status.phase).toBe("Failed");
  });

  it("components all in → the metadata Job; its success → SnapshotMetadataUploaded, size, phase, Repository initialized", () => {
    // Prepare: started; the addon reports its component (only that)
    const started = step(world(), atSeconds(5)).next;
    const reported = reportSnapshot(started, S3_SNAPSHOT, "Succeeded", atSeconds(20), { upload: false });

    // Act 1: the operator uploads the metadata
    const upload = step(reported, atSeconds(21));
    expect(jobsCreated(upload.decision.actions)).toEqual([metadataJobName(S3_SNAPSHOT)]);
    expect(upload.decision.status.phase).toBe("Running");

    // Act 2: the Job controller reports the upload Job Complete
    const done = decideReconcile(
      finishJob(upload.next, metadataJobName(S3_SNAPSHOT), "Complete"),
      atSeconds(30),
    );

    // Assess
    const update = done.actions.find((a) => a.type === "update-snapshot-status");
    expect(update).toMatchObject({
      update: {
        conditions: [
          {
            type: "SnapshotMetadataUploaded",
            status: "True",
            reason: "SuccessfullyUploadedSnapshotMetadata",
            message: "Metadata uploaded to backend successfully",
          },
        ],
      },
    });
    expect(done.actions).toContainEqual({
      type: "update-repository-status",
      name: "s3-repo",
      initialized: true,
    });
    expect(done.status.snapshots?.[0]?.phase).toBe("Succeeded");
  });

  it("a failed metadata upload → SnapshotMetadataUploaded False naming the Job, the Snapshot Failed", () => {
    const started = step(world(), atSeconds(5)).next;
    const reported = reportSnapshot(started, S3_SNAPSHOT, "Succeeded", atSeconds(20), { upload: false });
    const upload = step(reported, atSeconds(21)).next;
    const job = metadataJobName(S3_SNAPSHOT);
    const { actions, status } = decideReconcile(finishJob(upload, job, "Failed"), atSeconds(30));
    expect(actions.find((a) => a.type === "update-snapshot-status")).toMatchObject({
      update: {
        conditions: [
          {
            type: "SnapshotMetadataUploaded",
            status: "False",
            reason: "FailedToUploadSnapshotMetadata",
            message: `metadata upload Job ${job} failed: BackoffLimitExceeded`,
          },
        ],
      },
    });
    expect(status.snapshots?.[0]?.phase).toBe("Failed");
  });
});
