import { chmod, chown, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { definition as applyRetentionFunction } from "../../functions/apply-retention/function.ts";
import { definition as reconcileSessionFunction } from "../../functions/reconcile-session/function.ts";
import { ManualClock } from "../../shared/clock.ts";
import { loadRegistryFile } from "../../shared/clusters/registry.ts";
import { handleEvent } from "../../shared/handler/handle-event.ts";
import { observability } from "../../shared/handler/observability.ts";
import type { KubeClient } from "../../shared/kube/client.ts";
import { ClusterClients } from "../../shared/kube/cluster-clients.ts";
import {
  BackupStorage,
  parseWith,
  Repository,
  Snapshot,
  type SnapshotStatus,
  toKubeTime,
} from "../../shared/model/index.ts";
import { cleanUpSnapshots, markForDataRemoval } from "../../shared/usecases/snapshot-cleanup.ts";
import { backoffLimitExceededStatus } from "../support/job-expectations.ts";
import { runJob } from "../support/job-runner.ts";
import { adminAndFunctions, createRaw, ensureNamespace, uniqueNamespace } from "../support/kube.ts";
import { RecordingPublisher } from "../support/lifecycle.ts";
import {
  backUpFreshData,
  initRepository,
  type LocalRepository,
  rawDataSize,
  sizeOnDisk,
  snapshotIds,
} from "../support/restic.ts";
import {
  createConfiguration,
  createPolicy,
  createSucceededSession,
  phaseChangedEvent,
  snapshotNames,
  writeRegistry,
} from "../support/retention-cluster.ts";
import { sharedCluster } from "../support/shared-cluster.ts";

/**
 * Retention frees storage, for real: restic repositories made with Debian's restic on this machine (two
 * components, four backups of fresh data each), Snapshot objects naming those restic snapshots, a local
 * BackupStorage on a hostPath. apply-retention prunes two Snapshots and starts their cleaner Jobs at once; the
 * Jobs, read back from the API server, run through the kubelet-playing runner (restic as uid 65534, the
 * password from the Secret); the next tick releases the finalizers. restic then lists exactly the kept
 * snapshots and stores less. A Snapshot deleted with deletionPolicy Delete keeps its data; a cleaner that fails
 * (wrong password) is recorded, retried after its back-off and succeeds once the Secret is fixed.
 */

const cluster = sharedCluster();

const PASSWORD = "kss-cleanup-test";
const COMPONENTS = ["dump", "manifest"] as const;
const now = new Date(Math.floor(Date.now() / 1000) * 1000);
const later = (minutes: number) => new Date(now.getTime() + minutes * 60_000);

let admin: KubeClient;
let functions: KubeClient;
let ns: string;
let root: string;
let storageDir: string;
/** restic ids per component of snap-1 … snap-4, oldest first. */
const ids: Record<string, string[]> = {};
const repoOf = (repository: string, component: string): LocalRepository => ({
  dir: path.join(storageDir, repository, "repository/v1/hourly", component),
  password: PASSWORD,
});
const figures: Record<string, { before: number; after?: number; diskBefore: number; diskAfter?: number }> =
  {};

async function createSecret(name: string, password: string, replace = false) {
  const body = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace: ns },
    stringData: { RESTIC_PASSWORD: password },
  };
  if (!replace) return createRaw(admin, `/api/v1/namespaces/${ns}/secrets`, body);
  await admin.transport.request({ method: "PUT", path: `/api/v1/namespaces/${ns}/secrets/${name}`, body });
}

async function createRepository(name: string, encryptionSecret: string) {
  const repo = parseWith(
    Repository,
    {
      apiVersion: "storage.kubestash.com/v1alpha1",
      kind: "Repository",
      metadata: { name, namespace: ns },
      spec: {
        storageRef: { name: "storage", namespace: ns },
        path: `/${name}`,
        encryptionSecret: { name: encryptionSecret, namespace: ns },
      },
    },
    name,
  );
  await admin.create("Repository", repo);
}

/** A Snapshot as the executor leaves it: finalizer, components with their restic ids, Succeeded. */
async function createSnapshot(
  name: string,
  repository: string,
  at: Date,
  resticIds: Record<string, string>,
  deletionPolicy: "Delete" | "WipeOut" = "Delete",
) {
  const snapshot = parseWith(
    Snapshot,
    {
      apiVersion: "storage.kubestash.com/v1alpha1",
      kind: "Snapshot",
      metadata: { name, namespace: ns, finalizers: ["kubestash.com/cleanup"] },
      spec: { repository, session: "hourly", version: "v1", deletionPolicy },
    },
    name,
  );
  await admin.create("Snapshot", snapshot);
  const time = toKubeTime(at);
  const condition = (type: string, reason: string) => ({
    type,
    status: "True" as const,
    reason,
    lastTransitionTime: time,
  });
  await admin.updateStatus(
    "Snapshot",
    ns,
    name,
    (): SnapshotStatus => ({
      phase: "Succeeded",
      snapshotTime: time,
      totalComponents: Object.keys(resticIds).length,
      components: Object.fromEntries(
        Object.entries(resticIds).map(([component, id]) => [
          component,
          {
            path: `repository/v1/hourly/${component}`,
            phase: "Succeeded",
            driver: "Restic",
            resticStats: [{ summary: { id, hostPath: `/data/${component}` } }],
          },
        ]),
      ),
      conditions: [
        condition("SnapshotMetadataUploaded", "SuccessfullyUploadedSnapshotMetadata"),
        condition("RecentSnapshotListUpdated", "SuccessfullyUpdatedRecentSnapshotList"),
      ],
    }),
  );
}

const cleanerJobs = async () =>
  (await admin.list("Job", { namespace: ns, labelSelector: "kubestash.com/invoker-kind=Snapshot" })).items
    .map((j) => j.metadata.name)
    .sort();

beforeAll(async () => {
  ({ admin, functions } = await adminAndFunctions(cluster));
  ns = uniqueNamespace("cleanup");
  await ensureNamespace(admin, ns);
  root = await mkdtemp(path.join(os.tmpdir(), "kss-cleanup-"));
  await chmod(root, 0o755); // the cleaner runs as nobody and must reach the storage
  storageDir = path.join(root, "storage");

  // Real restic repositories: per component, four backups of fresh data (plus one unchanging file).
  for (const component of COMPONENTS) {
    const repo = repoOf("repo-a", component);
    await initRepository(repo);
    ids[component] = [];
    for (let i = 0; i < 4; i++)
      ids[component].push(await backUpFreshData(repo, path.join(root, "data", component), 256 * 1024));
    figures[component] = { before: await rawDataSize(repo), diskBefore: await sizeOnDisk(repo.dir) };
  }
  const repoB = repoOf("repo-b", "dump");
  await initRepository(repoB);
  ids.b = [await backUpFreshData(repoB, path.join(root, "data", "b"), 128 * 1024)];
  await chownTree(storageDir, 65534);

  const storage = parseWith(
    BackupStorage,
    {
      apiVersion: "storage.kubestash.com/v1alpha1",
      kind: "BackupStorage",
      metadata: { name: "storage", namespace: ns },
      spec: {
        storage: { provider: "local", local: { mountPath: "/safe/data", hostPath: { path: storageDir } } },
        default: true,
      },
    },
    "storage",
  );
  await admin.create("BackupStorage", storage);
  await createSecret("encrypt-secret", PASSWORD);
  await createSecret("wrong-secret", "not-the-password");
  await createRepository("repo-a", "encrypt-secret");
  await createRepository("repo-b", "wrong-secret");
  for (let i = 0; i < 4; i++) {
    const resticIds = Object.fromEntries(COMPONENTS.map((c) => [c, ids[c]?.[i] ?? ""]));
    await createSnapshot(`snap-${i + 1}`, "repo-a", new Date(now.getTime() - (4 - i) * 3_600_000), resticIds);
  }
  await createPolicy(admin, ns, "keep-2", { successfulSnapshots: { last: 2 } });
  await createConfiguration(admin, ns, "app", { name: "keep-2", namespace: ns }, ["repo-a"]);
  await createSucceededSession(admin, ns, "app-hourly-1", "app", ["repo-a"], now);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function chownTree(dir: string, uid: number) {
  await chown(dir, uid, uid);
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    await chown(path.join(entry.parentPath, entry.name), uid, uid);
  }
}

describe("retention frees storage: a cleaner Job per pruned Snapshot, run with Debian's restic", () => {
  it("apply-retention prunes snap-1 and snap-2, marks them WipeOut and starts their cleaners at once", async () => {
    // Prepare: the function as Lambda runs it, on a Phase Changed to Succeeded
    const registry = await loadRegistryFile(await writeRegistry(root, cluster));
    const clusterClients = new ClusterClients(registry);
    const sink = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
    const fnDeps = {
      ...observability("apply-retention", { logLevel: "SILENT", metricsSink: sink }),
      clock: new ManualClock(now),
      deadLetters: { send: async () => {} },
      publisher: new RecordingPublisher(),
      clusters: clusterClients,
      loadRegistry: async () => registry,
    };
    const event = phaseChangedEvent({
      clusterId: cluster.id,
      namespace: ns,
      name: "app-hourly-1",
      configuration: "app",
      newPhase: "Succeeded",
      at: now,
    });
    try {
      // Act
      const result = await handleEvent(applyRetentionFunction, event, fnDeps);
      // Assess
      expect(result).toMatchObject({ status: "done", result: { outcome: "applied" } });
      expect(JSON.stringify(fnDeps.metrics.serializeMetrics())).toContain("SnapshotCleanupStarted");
    } finally {
      await clusterClients.close();
    }
    for (const name of ["snap-1", "snap-2"]) {
      const pruned = await admin.get("Snapshot", ns, name);
      expect(pruned.metadata.deletionTimestamp).toBeDefined();
      expect(pruned.metadata.finalizers).toEqual(["kubestash.com/cleanup"]);
      expect(pruned.spec.deletionPolicy).toBe("WipeOut");
    }
    expect(await cleanerJobs()).toEqual(["cleanup-snap-1-1", "cleanup-snap-2-1"]);
    // Nothing is removed before the cleaners ran.
    expect(await snapshotIds(repoOf("repo-a", "dump"))).toEqual(ids.dump);
  });

  it("the cleaner Jobs, run as the kubelet would, forget exactly those restic snapshots and prune", async () => {
    for (const name of ["cleanup-snap-1-1", "cleanup-snap-2-1"]) {
      // Act
      const run = await runJob({ client: admin, now: () => later(1) }, ns, name);
      // Assess
      expect(run.containers.map((c) => [c.name, c.init, c.exitCode])).toEqual([
        ["forget-dump", true, 0],
        ["prune-dump", true, 0],
        ["forget-manifest", true, 0],
        ["prune-manifest", false, 0],
      ]);
      expect(run.job.status).toMatchObject({
        succeeded: 1,
        ready: 0,
        terminating: 0,
        uncountedTerminatedPods: {},
        startTime: toKubeTime(later(1)),
        completionTime: toKubeTime(later(1)),
        conditions: [
          {
            type: "SuccessCriteriaMet",
            status: "True",
            reason: "CompletionsReached",
            message: "Reached expected number of succeeded pods",
          },
          {
            type: "Complete",
            status: "True",
            reason: "CompletionsReached",
            message: "Reached expected number of succeeded pods",
          },
        ],
      });
    }
    // The finalizers stay until the functions see the Jobs succeeded.
    expect(await snapshotNames(admin, ns, "repo-a")).toEqual(["snap-1", "snap-2", "snap-3", "snap-4"]);
    for (const component of COMPONENTS) {
      const repo = repoOf("repo-a", component);
      expect(await snapshotIds(repo)).toEqual(ids[component]?.slice(2));
      const figure = figures[component];
      if (!figure) throw new Error("no figures");
      figure.after = await rawDataSize(repo);
      figure.diskAfter = await sizeOnDisk(repo.dir);
      expect(figure.after).toBeLessThan(figure.before);
      expect(figure.diskAfter).toBeLessThan(figure.diskBefore);
      // prune wrote the new index as the Pod's user, nobody (runAsUser 65534), not as the test's root.
      const index = await readdir(path.join(repo.dir, "index"));
      const owners = await Promise.all(
        index.map(async (f) => (await stat(path.join(repo.dir, "index", f))).uid),
      );
      expect(new Set(owners)).toEqual(new Set([65534]));
    }
    process.stderr.write(
      `[snapshot-cleanup] restic figures: ${JSON.stringify({ ids: { dump: ids.dump?.map((i) => i.slice(0, 8)) }, figures })}\n`,
    );
  });

  it("the next tick releases the finalizers once the cleaners succeeded; the Snapshots and Jobs go", async () => {
    const report = await cleanUpSnapshots({ client: functions }, later(2), ns);
    expect(report.snapshots.map((s) => [s.name, s.state, s.release])).toEqual(
      expect.arrayContaining([
        ["snap-1", "released", "data-removed"],
        ["snap-2", "released", "data-removed"],
      ]),
    );
    expect(await snapshotNames(admin, ns, "repo-a")).toEqual(["snap-3", "snap-4"]);
    expect(await cleanerJobs()).toEqual([]);
    const events = (await admin.list("Event", { namespace: ns })).items.filter(
      (e) => e.reason === "SnapshotDataRemoved",
    );
    expect(events.map((e) => e.involvedObject.name).sort()).toEqual(["snap-1", "snap-2"]);
  });

  it("a Snapshot deleted with deletionPolicy Delete goes without a Job; its restic snapshots stay", async () => {
    await admin.delete("Snapshot", ns, "snap-3");
    const report = await cleanUpSnapshots({ client: functions }, later(3), ns);
    expect(report.snapshots).toMatchObject([{ name: "snap-3", state: "released", release: "data-kept" }]);
    expect(await snapshotNames(admin, ns, "repo-a")).toEqual(["snap-4"]);
    expect(await cleanerJobs()).toEqual([]);
    for (const component of COMPONENTS) {
      expect(await snapshotIds(repoOf("repo-a", component))).toEqual(ids[component]?.slice(2));
    }
  });
});

describe("the kubelet-playing runner", () => {
  it("refuses an image whose program is not on this machine, and a restic image of another release", async () => {
    const job = (name: string, image: string) => ({
      apiVersion: "batch/v1" as const,
      kind: "Job" as const,
      metadata: { name, namespace: ns },
      spec: {
        backoffLimit: 0,
        template: {
          spec: { restartPolicy: "Never", containers: [{ name: "main", image, args: ["version"] }] },
        },
      },
    });
    await admin.create("Job", job("foreign-image", "busybox:1.36"));
    await admin.create("Job", job("other-restic", "restic/restic:0.18.0"));
    await expect(runJob({ client: admin }, ns, "foreign-image")).rejects.toThrow(
      /image busybox:1.36 has no local program/,
    );
    await expect(runJob({ client: admin }, ns, "other-restic")).rejects.toThrow(
      /is not the restic on this machine \(0\.14\.0\)/,
    );
    for (const name of ["foreign-image", "other-restic"]) await admin.delete("Job", ns, name);
  });
});

describe("a failed cleaner is recorded, visible and retried, never dropped", () => {
  it("a wrong password fails the Job: condition, Warning Event, metric; the finalizer stays", async () => {
    // Prepare: repo-b's Snapshot, WipeOut, deleted by a person; its Repository names a Secret with the wrong password
    await createSnapshot("b-snap-1", "repo-b", later(-30), { dump: ids.b?.[0] ?? "" }, "WipeOut");
    await admin.delete("Snapshot", ns, "b-snap-1");
    const started = await cleanUpSnapshots({ client: functions }, later(5), ns);
    expect(started.snapshots).toMatchObject([
      { name: "b-snap-1", state: "started", job: "cleanup-b-snap-1-1" },
    ]);
    // Act
    const run = await runJob({ client: admin, now: () => later(5) }, ns, "cleanup-b-snap-1-1");
    const tickDeps = {
      ...observability("reconcile-session", {
        logLevel: "SILENT",
        metricsSink: { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} },
      }),
      clock: new ManualClock(later(6)),
      deadLetters: { send: async () => {} },
      publisher: new RecordingPublisher(),
    };
    const registry = await loadRegistryFile(await writeRegistry(root, cluster));
    const clusterClients = new ClusterClients(registry);
    const tick = {
      id: "tick-1",
      "detail-type": "Schedule Tick",
      source: "kubestash-serverless",
      detail: { version: "1", clusterId: cluster.id, tickTime: toKubeTime(later(6)) },
    };
    try {
      const ticked = await handleEvent(reconcileSessionFunction, tick, {
        ...tickDeps,
        clusters: clusterClients,
        loadRegistry: async () => registry,
      });
      expect(ticked).toMatchObject({ status: "done" });
      const metrics = JSON.stringify(tickDeps.metrics.serializeMetrics());
      expect(metrics).toContain("SnapshotCleanupFailed");
      expect(metrics).toContain("SnapshotCleanupIncomplete");
    } finally {
      await clusterClients.close();
    }
    // Assess
    expect(run.pod.phase).toBe("Failed");
    expect(run.containers.map((c) => [c.name, c.exitCode])).toEqual([["forget-dump", 1]]);
    expect(run.containers[0]?.stderr).toContain("wrong password");
    expect(run.job.status).toMatchObject(backoffLimitExceededStatus(1));
    expect(run.job.status?.completionTime).toBeUndefined();
    const snapshot = await admin.get("Snapshot", ns, "b-snap-1");
    expect(snapshot.metadata.finalizers).toEqual(["kubestash.com/cleanup"]);
    expect(snapshot.metadata.annotations?.["serverless.kubestash.com/cleanup-failures"]).toBe("1");
    expect(snapshot.status?.conditions?.find((c) => c.type === "SnapshotCleanupIncomplete")).toMatchObject({
      status: "True",
      reason: "SnapshotCleanupTerminatedBeforeCompletion",
      message: expect.stringContaining(`next attempt at ${toKubeTime(later(10))}`),
    });
    const warnings = (await admin.list("Event", { namespace: ns })).items.filter(
      (e) => e.reason === "SnapshotCleanupFailed",
    );
    expect(warnings.map((e) => e.involvedObject.name)).toEqual(["b-snap-1"]);
    expect(await snapshotIds(repoOf("repo-b", "dump"))).toEqual(ids.b);
  });

  it("waits out the back-off, then starts attempt 2; with the Secret fixed it succeeds and the Snapshot goes", async () => {
    const waiting = await cleanUpSnapshots({ client: functions }, later(8), ns);
    expect(waiting.snapshots).toMatchObject([{ name: "b-snap-1", state: "backing-off" }]);
    expect(await cleanerJobs()).toEqual(["cleanup-b-snap-1-1"]);

    const retried = await cleanUpSnapshots({ client: functions }, later(11), ns);
    expect(retried.snapshots).toMatchObject([{ name: "b-snap-1", state: "started", attempt: 2 }]);
    expect(await cleanerJobs()).toEqual(["cleanup-b-snap-1-2"]);

    await createSecret("wrong-secret", PASSWORD, true);
    const run = await runJob({ client: admin, now: () => later(12) }, ns, "cleanup-b-snap-1-2");
    expect(run.pod.phase).toBe("Succeeded");
    const done = await cleanUpSnapshots({ client: functions }, later(13), ns);
    expect(done.snapshots).toMatchObject([{ name: "b-snap-1", state: "released", release: "data-removed" }]);
    expect(await snapshotNames(admin, ns, "repo-b")).toEqual([]);
    expect(await snapshotIds(repoOf("repo-b", "dump"))).toEqual([]);
  });
});

describe("Snapshots labelled completed (docs/costs.md#snapshots-being-deleted)", () => {
  const COMPLETED = "serverless.kubestash.com/completed";
  const label = (name: string) =>
    admin.patch("Snapshot", ns, name, { metadata: { labels: { [COMPLETED]: "true" } } });

  it("retention's mark for data removal sets WipeOut and clears the label, so the per-minute step lists it", async () => {
    const labelled = await label("snap-4");
    expect(await markForDataRemoval(functions, labelled)).toBe(true);
    const marked = await admin.get("Snapshot", ns, "snap-4");
    expect(marked.spec.deletionPolicy).toBe("WipeOut");
    expect(marked.metadata.labels?.[COMPLETED]).toBeUndefined();
  });

  it("one a person deletes is found by the hourly full list, unlabelled, then seen every minute until its data is gone", async () => {
    // Prepare: snap-4 finished long ago (labelled), deleted with kubectl.
    await label("snap-4");
    await admin.delete("Snapshot", ns, "snap-4");
    // Act + assess: the per-minute step does not list it; the hourly one starts its cleaner and unlabels it.
    const minute = await cleanUpSnapshots({ client: functions }, later(20), ns, "unfinished");
    expect(minute.snapshots).toEqual([]);
    const hourly = await cleanUpSnapshots({ client: functions }, later(21), ns, "all");
    expect(hourly.snapshots).toMatchObject([{ name: "snap-4", state: "started", job: "cleanup-snap-4-1" }]);
    expect((await admin.get("Snapshot", ns, "snap-4")).metadata.labels?.[COMPLETED]).toBeUndefined();
    const running = await cleanUpSnapshots({ client: functions }, later(22), ns, "unfinished");
    expect(running.snapshots).toMatchObject([{ name: "snap-4", state: "running" }]);
    const run = await runJob({ client: admin, now: () => later(22) }, ns, "cleanup-snap-4-1");
    expect(run.pod.phase).toBe("Succeeded");
    const done = await cleanUpSnapshots({ client: functions }, later(23), ns, "unfinished");
    expect(done.snapshots).toMatchObject([{ name: "snap-4", state: "released", release: "data-removed" }]);
    expect(await snapshotNames(admin, ns, "repo-a")).toEqual([]);
    // snap-4's restic snapshots are gone; snap-3's stay (it was deleted with deletionPolicy Delete, above).
    for (const component of COMPONENTS) {
      expect(await snapshotIds(repoOf("repo-a", component))).toEqual(ids[component]?.slice(2, 3));
    }
  });
});
