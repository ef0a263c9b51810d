import { beforeAll, describe, expect, it } from "vitest";
import { addonComponent, reportRunning, runBackupJobs, runMetadataJobs } from "../../local/demo-executor.ts";
import { finishJob } from "../../local/job-controller.ts";
import type { KubeClient } from "../../shared/kube/client.ts";
import { formatGoDuration, type Snapshot, toKubeTime } from "../../shared/model/index.ts";
import { reconcileSession, sweepSessions } from "../../shared/usecases/reconcile-session.ts";
import { clockFrom } from "../support/clock.ts";
import { clientFor } from "../support/kube.ts";
import {
  installConfiguration,
  lifecycleNamespace,
  nextHour,
  RecordingPublisher,
  scheduleSession,
} from "../support/lifecycle.ts";
import { sharedCluster } from "../support/shared-cluster.ts";

const cluster = sharedCluster();

let admin: KubeClient;
let functions: KubeClient;
let ns: string;
const { atSeconds } = clockFrom(nextHour());

beforeAll(async () => {
  ({ admin, functions, ns } = await lifecycleNamespace(cluster, "life", ["repo-a", "repo-b"]));
});

const snapshotsOf = async (session: string) =>
  (await admin.list("Snapshot", { namespace: ns })).items.filter((s) => s.spec.backupSession === session);

/**
 * The rest of a backup as a cluster plays it: the executor pod ends (the Job controller marks its Job), our
 * reconcile at `now` starts the metadata upload, and that Job ends too (the Job controller again).
 */
async function endBackupJobs(deps: Parameters<typeof reconcileSession>[0], name: string, now: Date) {
  const executors = (
    await admin.list("Job", { namespace: ns, labelSelector: `kubestash.com/invoker-name=${name}` })
  ).items;
  for (const job of executors) await finishJob(admin, job, "Succeeded", now);
  await reconcileSession(deps, ns, name, () => now);
  await runMetadataJobs(admin, "Succeeded", now, name);
}

describe("a BackupSession driven to its end on the real API server", () => {
  it("goes Pending → Running → Succeeded as the executor reports, with snapshots, executor Job, duration, one event per change", async () => {
    // Prepare
    await installConfiguration(admin, ns, "ok", {}, ["repo-a", "repo-b"]);
    const name = await scheduleSession(functions, "ok", atSeconds(5));
    const publisher = new RecordingPublisher();
    const deps = { client: functions, publisher };
    // Act + Assess: first reconcile ensures snapshots and the executor
    await reconcileSession(deps, ns, name, () => atSeconds(6));
    const snaps = await snapshotsOf(name);
    expect(snaps.map((s) => s.metadata.name).sort()).toEqual([`repo-a-${name}`, `repo-b-${name}`]);
    expect(snaps[0]?.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Repository" });
    const jobs = await admin.list("Job", {
      namespace: ns,
      labelSelector: `kubestash.com/invoker-name=${name}`,
    });
    expect(jobs.items).toHaveLength(1);
    let session = await admin.get("BackupSession", ns, name);
    expect(session.status?.conditions?.find((c) => c.type === "SnapshotsEnsured")).toMatchObject({
      status: "True",
      reason: "SuccessfullyEnsuredSnapshots",
    });
    expect(session.status?.conditions?.find((c) => c.type === "BackupExecutorEnsured")).toMatchObject({
      status: "True",
    });
    expect(session.status?.backupDeadline).toBeUndefined();

    // The operator's part at creation is done: the recent list, the time, the count.
    expect(snaps[0]?.status).toMatchObject({
      totalComponents: 1,
      verificationStatus: "NotVerified",
      conditions: [
        {
          type: "RecentSnapshotListUpdated",
          status: "True",
          reason: "SuccessfullyUpdatedRecentSnapshotList",
        },
      ],
    });
    for (const s of snaps) await reportRunning(admin, s);
    await reconcileSession(deps, ns, name, () => atSeconds(11));
    expect((await admin.get("BackupSession", ns, name)).status?.phase).toBe("Running");

    for (const s of await snapshotsOf(name)) {
      await completeSnapshotForce(s, "Succeeded", atSeconds(40));
    }
    await endBackupJobs(deps, name, atSeconds(41));
    await reconcileSession(deps, ns, name, () => atSeconds(42));
    // The operator's part at completion: metadata uploaded, size and integrity from the components.
    for (const s of await snapshotsOf(name)) {
      expect(s.status).toMatchObject({ phase: "Succeeded", size: "1.200 MiB", integrity: true });
      expect(s.status?.conditions?.find((c) => c.type === "SnapshotMetadataUploaded")).toMatchObject({
        status: "True",
        reason: "SuccessfullyUploadedSnapshotMetadata",
      });
    }
    // The Repository's status follows its Snapshots, and its repository.yaml was written with the first upload.
    expect((await admin.get("Repository", ns, "repo-a")).status).toMatchObject({
      phase: "Ready",
      snapshotCount: expect.any(Number),
      recentSnapshots: expect.arrayContaining([
        expect.objectContaining({ name: `repo-a-${name}`, phase: "Succeeded" }),
      ]),
      conditions: [{ type: "RepositoryInitialized", status: "True" }],
    });
    session = await admin.get("BackupSession", ns, name);
    expect(session.status?.phase).toBe("Succeeded");
    // Duration counts from the session's creation (the API server's clock) to completion (the fixed clock).
    const createdAt = new Date(session.metadata.creationTimestamp ?? 0).getTime();
    expect(session.status?.duration).toBe(formatGoDuration(atSeconds(42).getTime() - createdAt));
    expect(session.status?.totalSnapshots).toBe(2);
    expect(session.status?.conditions?.find((c) => c.type === "MetricsPushed")).toMatchObject({
      status: "True",
      reason: "SuccessfullyPushedMetrics",
    });
    const changes = publisher
      .ofType("BackupSession Phase Changed")
      .map((e) => (e.detail as { newPhase: string }).newPhase);
    expect(changes).toEqual(["Running", "Succeeded"]);
    // Re-running on the same state changes nothing and publishes nothing.
    const again = await reconcileSession(deps, ns, name, () => atSeconds(43));
    expect(again).toMatchObject({ actions: 0, statusWritten: false });
    expect(publisher.ofType("BackupSession Phase Changed")).toHaveLength(2);
  });

  it("backs up a StatefulSet pod by pod: one executor Job each, a component each, then Succeeded", async () => {
    // Prepare: a real StatefulSet object (no controller runs, so no pod exists: KubeStash reads the spec).
    const statefulSet = {
      apiVersion: "apps/v1" as const,
      kind: "StatefulSet" as const,
      metadata: { name: "db", namespace: ns },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "db" } },
        template: {
          metadata: { labels: { app: "db" } },
          spec: { containers: [{ name: "db", image: "postgres:17" }] },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: "data" },
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
          },
        ],
      },
    };
    await admin.create("StatefulSet", statefulSet, () => true);
    await installConfiguration(admin, ns, "sts", {
      addon: {
        name: "pvc-addon",
        tasks: [
          {
            name: "logical-backup",
            targetVolumes: { volumeMounts: [{ name: "data", mountPath: "/source/data" }] },
          },
        ],
      },
    });
    await admin.patch("BackupConfiguration", ns, "sts", {
      spec: { target: { apiGroup: "apps", kind: "StatefulSet", name: "db", namespace: ns } },
    });
    const name = await scheduleSession(functions, "sts", atSeconds(5));
    const deps = { client: functions, publisher: new RecordingPublisher() };

    // Act 1: the executor Jobs, one per pod, each mounting that pod's claim
    await reconcileSession(deps, ns, name, () => atSeconds(6));
    const jobs = (
      await admin.list("Job", { namespace: ns, labelSelector: `kubestash.com/invoker-name=${name}` })
    ).items;
    expect(jobs.map((j) => j.metadata.name).sort()).toEqual([
      `upload-${name}-dump-pod-0`,
      `upload-${name}-dump-pod-1`,
    ]);
    const pods = jobs.map(
      (j) => j.spec.template.spec as { containers: Array<{ env: unknown }>; volumes: unknown[] },
    );
    expect(pods.map((p) => p.containers[0]?.env).sort()).toEqual(
      [0, 1].map((i) => [{ name: "COMPONENT_NAME", value: `dump-pod-${i}` }]),
    );
    expect(pods.flatMap((p) => p.volumes)).toEqual(
      expect.arrayContaining(
        [0, 1].map((i) => ({ name: "data", persistentVolumeClaim: { claimName: `data-db-${i}` } })),
      ),
    );
    const [snapshot] = await snapshotsOf(name);
    expect(snapshot?.status?.totalComponents).toBe(2);

    // Act 2: each pod's addon reports its component, the Jobs end, the metadata is uploaded
    await runBackupJobs(admin, ns, name, "Succeeded", atSeconds(20));
    await reconcileSession(deps, ns, name, () => atSeconds(21));
    await runMetadataJobs(admin, "Succeeded", atSeconds(21), name);
    await reconcileSession(deps, ns, name, () => atSeconds(22));

    // Assess
    const [done] = await snapshotsOf(name);
    expect(Object.keys(done?.status?.components ?? {}).sort()).toEqual(["dump-pod-0", "dump-pod-1"]);
    expect(done?.status).toMatchObject({ phase: "Succeeded", size: "2.400 MiB" });
    expect((await admin.get("BackupSession", ns, name)).status?.phase).toBe("Succeeded");
  });

  it("ends Failed when one snapshot fails", async () => {
    await installConfiguration(admin, ns, "one-fails", {}, ["repo-a", "repo-b"]);
    const name = await scheduleSession(functions, "one-fails", atSeconds(5));
    const deps = { client: functions, publisher: new RecordingPublisher() };
    await reconcileSession(deps, ns, name, () => atSeconds(6));
    const [first, second] = await snapshotsOf(name);
    if (!first || !second) throw new Error("two snapshots");
    await completeSnapshotForce(first, "Succeeded", atSeconds(20));
    await completeSnapshotForce(second, "Failed", atSeconds(21));
    await endBackupJobs(deps, name, atSeconds(21));
    await reconcileSession(deps, ns, name, () => atSeconds(22));
    const session = await admin.get("BackupSession", ns, name);
    expect(session.status?.phase).toBe("Failed");
    // Running while the metadata upload ran, then Failed.
    expect(deps.publisher.ofType("BackupSession Phase Changed").at(-1)?.detail).toMatchObject({
      newPhase: "Failed",
      oldPhase: "Running",
    });
  });

  it("ends Failed with DeadlineExceeded when backupTimeout passes (fixed clock)", async () => {
    await installConfiguration(admin, ns, "slow", { backupTimeout: "2m" });
    const name = await scheduleSession(functions, "slow", atSeconds(5));
    const deps = { client: functions, publisher: new RecordingPublisher() };
    await reconcileSession(deps, ns, name, () => atSeconds(6));
    const [snap] = await snapshotsOf(name);
    if (!snap) throw new Error("a snapshot");
    await reportRunning(admin, snap);
    await reconcileSession(deps, ns, name, () => atSeconds(11));
    const running = await admin.get("BackupSession", ns, name);
    expect(running.status?.phase).toBe("Running");
    expect(running.status?.backupDeadline).toBe(
      atSeconds(6 + 120)
        .toISOString()
        .replace(".000Z", "Z"),
    );
    await reconcileSession(deps, ns, name, () => atSeconds(6 + 121));
    const late = await admin.get("BackupSession", ns, name);
    expect(late.status?.conditions?.find((c) => c.type === "DeadlineExceeded")).toMatchObject({
      status: "True",
      reason: "FailedToCompleteWithinDeadline",
    });
    expect(late.status?.phase).toBe("Failed");
    expect((await admin.get("Snapshot", ns, snap.metadata.name)).status?.phase).toBe("Failed");
  });

  it("a failed pre-backup hook stops the executor: no Snapshot, no executor Job, session Failed", async () => {
    // Prepare: a Function-type HookTemplate, and a session with a pre-backup hook that uses it
    await admin.create(
      "HookTemplate",
      {
        apiVersion: "core.kubestash.com/v1alpha1",
        kind: "HookTemplate",
        metadata: { name: "freeze", namespace: ns },
        spec: {
          executor: { type: "Function", function: { name: "pvc-backup" } },
          action: { exec: { command: ["sync"] } },
        },
      },
      () => true,
    );
    await installConfiguration(admin, ns, "hooked", {
      hooks: {
        preBackup: [
          { name: "freeze", hookTemplate: { name: "freeze" }, maxRetry: 0, executionPolicy: "Always" },
        ],
      },
    });
    const name = await scheduleSession(functions, "hooked", atSeconds(5));
    const deps = { client: functions, publisher: new RecordingPublisher() };
    await reconcileSession(deps, ns, name, () => atSeconds(6));
    const hookJobs = (
      await admin.list("Job", { namespace: ns, labelSelector: `kubestash.com/invoker-name=${name}` })
    ).items;
    expect(hookJobs.map((j) => j.metadata.name)).toEqual([expect.stringMatching(/^prehook-/)]);
    const hookJob = hookJobs[0];
    if (!hookJob) throw new Error("a hook Job");
    // Act: play the Job controller — the hook's Pod failed
    await admin.updateStatus("Job", ns, hookJob.metadata.name, (job) => ({
      ...job.status,
      startTime: toKubeTime(atSeconds(7)),
      failed: 1,
      conditions: [
        {
          type: "FailureTarget",
          status: "True" as const,
          reason: "BackoffLimitExceeded",
          message: "Job has reached the specified backoff limit",
          lastTransitionTime: toKubeTime(atSeconds(9)),
        },
        {
          type: "Failed",
          status: "True" as const,
          reason: "BackoffLimitExceeded",
          message: "Job has reached the specified backoff limit",
          lastTransitionTime: toKubeTime(atSeconds(9)),
        },
      ],
    }));
    await reconcileSession(deps, ns, name, () => atSeconds(10));
    // Assess
    const session = await admin.get("BackupSession", ns, name);
    expect(session.status?.hooks?.preHooks).toEqual([{ name: "freeze", phase: "Failed" }]);
    expect(
      session.status?.conditions?.find((c) => c.type === "PreBackupHooksExecutionSucceeded"),
    ).toMatchObject({
      status: "False",
      reason: "FailedToExecutePreBackupHooks",
    });
    expect(session.status?.phase).toBe("Failed");
    expect(await snapshotsOf(name)).toEqual([]);
    const jobs = (
      await admin.list("Job", { namespace: ns, labelSelector: `kubestash.com/invoker-name=${name}` })
    ).items;
    expect(jobs.map((j) => j.metadata.name)).toEqual([hookJob.metadata.name]);
  });

  it("two reconcilers racing on one session leave one consistent status and one Phase Changed event", async () => {
    await installConfiguration(admin, ns, "race");
    const name = await scheduleSession(functions, "race", atSeconds(5));
    const publisher = new RecordingPublisher();
    const deps = { client: functions, publisher };
    await reconcileSession(deps, ns, name, () => atSeconds(6));
    const [snap] = await snapshotsOf(name);
    if (!snap) throw new Error("a snapshot");
    await completeSnapshotForce(snap, "Succeeded", atSeconds(20));
    await endBackupJobs(deps, name, atSeconds(20));
    const other = { client: await clientFor(cluster, "functions"), publisher };
    await Promise.all([
      reconcileSession(deps, ns, name, () => atSeconds(21)),
      reconcileSession(other, ns, name, () => atSeconds(21)),
    ]);
    expect((await admin.get("BackupSession", ns, name)).status?.phase).toBe("Succeeded");
    // One event per change, however many reconcilers raced: Running (upload started), then one Succeeded.
    expect(
      publisher
        .ofType("BackupSession Phase Changed")
        .filter((e) => (e.detail as { name: string }).name === name)
        .map((e) => (e.detail as { newPhase: string }).newPhase),
    ).toEqual(["Running", "Succeeded"]);
  });

  it("the sweep catches a session whose Created event was lost", async () => {
    await installConfiguration(admin, ns, "lost");
    const name = await scheduleSession(functions, "lost", atSeconds(5));
    const outcomes = await sweepSessions({ client: functions, publisher: new RecordingPublisher() }, () =>
      atSeconds(6),
    );
    expect(outcomes.find((o) => o.name === name)?.actions).toBeGreaterThan(0);
    expect(await snapshotsOf(name)).toHaveLength(1);
  });

  it("history cleanup leaves exactly sessionHistoryLimit completed sessions", async () => {
    await installConfiguration(admin, ns, "history", { sessionHistoryLimit: 2 });
    const deps = { client: functions, publisher: new RecordingPublisher() };
    const names: string[] = [];
    for (let h = 0; h < 4; h++) {
      const t = (s: number) => atSeconds(h * 3600 + s);
      const name = await scheduleSession(functions, "history", t(5));
      names.push(name);
      await reconcileSession(deps, ns, name, () => t(6));
      for (const s of await snapshotsOf(name)) await completeSnapshotForce(s, "Succeeded", t(20));
      await endBackupJobs(deps, name, t(20));
      await reconcileSession(deps, ns, name, () => t(21));
    }
    const left = (await admin.list("BackupSession", { namespace: ns })).items
      .filter((s) => s.spec.invoker?.name === "history" && !s.metadata.deletionTimestamp)
      .map((s) => s.metadata.name);
    expect(left.sort()).toEqual(names.slice(-2).sort());
    // Snapshots are never deleted by history cleanup (only by retention).
    expect(
      (await admin.list("Snapshot", { namespace: ns })).items.filter((s) =>
        names.includes(s.spec.backupSession ?? ""),
      ),
    ).toHaveLength(4);
  });

  it("deleting a session cleans its Jobs and releases the kubestash.com/cleanup finalizer", async () => {
    await installConfiguration(admin, ns, "gone");
    const name = await scheduleSession(functions, "gone", atSeconds(5));
    const deps = { client: functions, publisher: new RecordingPublisher() };
    await reconcileSession(deps, ns, name, () => atSeconds(6));
    expect(
      (await admin.list("Job", { namespace: ns, labelSelector: `kubestash.com/invoker-name=${name}` })).items,
    ).toHaveLength(1);
    await admin.delete("BackupSession", ns, name);
    expect((await admin.get("BackupSession", ns, name)).metadata.deletionTimestamp).toBeDefined();
    for (let i = 0; i < 3; i++) await reconcileSession(deps, ns, name, () => atSeconds(30 + i));
    expect(await admin.find("BackupSession", ns, name)).toBeUndefined();
  });
});

/** The addon's final report on a snapshot (replacing a Running report): its component only. */
async function completeSnapshotForce(snapshot: Snapshot, outcome: "Succeeded" | "Failed", now: Date) {
  await admin.updateStatus("Snapshot", ns, snapshot.metadata.name, (current) => ({
    ...current.status,
    components: addonComponent(current, outcome, now),
  }));
}
