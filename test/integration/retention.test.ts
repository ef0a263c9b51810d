import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { definition as applyRetentionFunction } from "../../functions/apply-retention/function.ts";
import { ManualClock } from "../../shared/clock.ts";
import { loadRegistryFile } from "../../shared/clusters/registry.ts";
import { handleEvent } from "../../shared/handler/handle-event.ts";
import { observability } from "../../shared/handler/observability.ts";
import type { KubeClient } from "../../shared/kube/client.ts";
import { ClusterClients } from "../../shared/kube/cluster-clients.ts";
import { toKubeTime } from "../../shared/model/index.ts";
import { applySessionRetention } from "../../shared/usecases/apply-retention.ts";
import { pruneRepository, type RepositoryRetention } from "../../shared/usecases/prune-snapshots.ts";
import { sweepRetention } from "../../shared/usecases/retention-sweep.ts";
import { configurationFor, loadRetentionWorld } from "../../shared/usecases/retention-world.ts";
import { runKssInProcess } from "../support/kss.ts";
import { adminAndFunctions, ensureNamespace, uniqueNamespace } from "../support/kube.ts";
import { installBackend, installConfiguration, RecordingPublisher } from "../support/lifecycle.ts";
import {
  createConfiguration,
  createPolicy,
  createSnapshots,
  createSucceededSession,
  phaseChangedEvent,
  snapshotNames,
  writeRegistry,
} from "../support/retention-cluster.ts";
import { sharedCluster } from "../support/shared-cluster.ts";

/**
 * Retention on the real API server: a Succeeded session's repositories pruned per policy (here the backend's
 * policy `keep`: last 3 successful, the default 1 failed), recorded in status.retentionPolicy, with Events;
 * a re-run deletes nothing more; a denied usagePolicy deletes nothing and records FailedToApply; a Snapshot
 * recreated under the same name is never deleted; the function, the sweep and `kss retention plan` live.
 */

const cluster = sharedCluster();

let admin: KubeClient;
let functions: KubeClient;
let ns: string;
let other: string;
let tmp: string;
const now = new Date(Math.floor(Date.now() / 1000) * 1000);
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
const applied: RepositoryRetention[] = [];
const deps = () => ({
  client: functions,
  publisher: new RecordingPublisher(),
  onApplied: (r: RepositoryRetention) => applied.push(r),
});

beforeAll(async () => {
  ({ admin, functions } = await adminAndFunctions(cluster));
  ns = uniqueNamespace("retain");
  other = uniqueNamespace("retain-other");
  tmp = await mkdtemp(path.join(os.tmpdir(), "kss-retention-"));
  await ensureNamespace(admin, ns);
  await ensureNamespace(admin, other);
  await installBackend(admin, ns, ["repo-a", "repo-b"]);
  await installConfiguration(admin, ns, "app", {}, ["repo-a", "repo-b"]);
  await createSnapshots(admin, ns, [
    ...[10, 9, 8, 7, 6].map((h, i) => ({
      name: `a-s${i + 1}`,
      repository: "repo-a",
      at: hoursAgo(h),
      outcome: "Succeeded" as const,
    })),
    { name: "a-f1", repository: "repo-a", at: hoursAgo(9.5), outcome: "Failed" },
    { name: "a-f2", repository: "repo-a", at: hoursAgo(7.5), outcome: "Failed" },
    { name: "a-run", repository: "repo-a", at: hoursAgo(1), outcome: "Running" },
    ...[10, 9, 8, 7].map((h, i) => ({
      name: `b-s${i + 1}`,
      repository: "repo-b",
      at: hoursAgo(h),
      outcome: "Succeeded" as const,
    })),
  ]);
  await createSucceededSession(admin, ns, "app-hourly-1", "app", ["repo-a", "repo-b"], hoursAgo(6));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("apply-retention after a session Succeeded", () => {
  it("prunes each repository per its policy, records Applied and Events", async () => {
    // Act
    const outcome = await applySessionRetention(deps(), ns, "app-hourly-1", now);
    // Assess
    expect(outcome).toMatchObject({ outcome: "applied", statusWritten: true });
    expect(await snapshotNames(admin, ns, "repo-a")).toEqual(["a-f2", "a-run", "a-s3", "a-s4", "a-s5"]);
    expect(await snapshotNames(admin, ns, "repo-b")).toEqual(["b-s2", "b-s3", "b-s4"]);
    const [a, b] = outcome.repositories;
    expect(a?.deleted).toEqual([
      { name: "a-s2", reason: "pruned: not kept by last 3" },
      { name: "a-f1", reason: "pruned: beyond failedSnapshots.last 1" },
      { name: "a-s1", reason: "pruned: not kept by last 3" },
    ]);
    expect(b?.deleted.map((d) => d.name)).toEqual(["b-s1"]);
    const session = await admin.get("BackupSession", ns, "app-hourly-1");
    expect(session.status?.phase).toBe("Succeeded");
    expect(session.status?.retentionPolicy).toEqual([
      { ref: { name: "keep", namespace: ns }, repository: "repo-a", phase: "Applied" },
      { ref: { name: "keep", namespace: ns }, repository: "repo-b", phase: "Applied" },
    ]);
    const events = (await admin.list("Event", { namespace: ns })).items.filter(
      (e) => e.involvedObject.name === "app-hourly-1" && e.reason === "RetentionPolicyApplied",
    );
    expect(events.map((e) => e.message).sort()).toEqual([
      `Pruned 1 Snapshot(s) of repository repo-b per RetentionPolicy ${ns}/keep, kept 3: b-s1 (not kept by last 3)`,
      `Pruned 3 Snapshot(s) of repository repo-a per RetentionPolicy ${ns}/keep, kept 5: a-s2 (not kept by last 3), a-f1 (beyond failedSnapshots.last 1), a-s1 (not kept by last 3)`,
    ]);
    expect(applied.map((r) => [r.repository, r.deleted.length])).toEqual([
      ["repo-a", 3],
      ["repo-b", 1],
    ]);
  });

  it("deletes nothing more and writes nothing when run again", async () => {
    const outcome = await applySessionRetention(deps(), ns, "app-hourly-1", now);
    expect(outcome).toMatchObject({ outcome: "applied", statusWritten: false });
    expect(outcome.repositories.flatMap((r) => [...r.deleted, ...r.alreadyGone, ...r.replaced])).toEqual([]);
    expect(await snapshotNames(admin, ns, "repo-a")).toEqual(["a-f2", "a-run", "a-s3", "a-s4", "a-s5"]);
  });

  it("never deletes a newer Snapshot that took the name of a pruned one (uid precondition)", async () => {
    // Prepare: an old snapshot the plan prunes, then replaced by a new object of the same name
    await createSnapshots(admin, ns, [
      { name: "a-old", repository: "repo-a", at: hoursAgo(30), outcome: "Succeeded" },
    ]);
    const stale = await loadRetentionWorld(functions, ns);
    const oldUid = stale.snapshots.find((s) => s.metadata.name === "a-old")?.metadata.uid;
    await admin.delete("Snapshot", ns, "a-old");
    await createSnapshots(admin, ns, [
      { name: "a-old", repository: "repo-a", at: hoursAgo(0.5), outcome: "Running" },
    ]);
    // Act: apply from the stale read
    const target = {
      namespace: ns,
      repository: "repo-a",
      sessionName: "hourly",
      configuration: configurationFor(stale, ns, "repo-a", "hourly"),
    };
    const result = await pruneRepository({ client: functions }, stale, target, "manual", now);
    // Assess
    expect(result).toMatchObject({ phase: "Applied", replaced: ["a-old"], deleted: [] });
    const survivor = await admin.get("Snapshot", ns, "a-old");
    expect(survivor.metadata.uid).not.toBe(oldUid);
  });

  it("deletes nothing and records FailedToApply when the policy's usagePolicy denies the namespace", async () => {
    // Prepare: the configuration in `other` names a policy of `ns` that allows only its own namespace
    await createPolicy(admin, ns, "same-only", {
      successfulSnapshots: { last: 1 },
      usagePolicy: { allowedNamespaces: { from: "Same" } },
    });
    await createConfiguration(admin, other, "denied", { name: "same-only", namespace: ns }, ["repo-c"]);
    await createSnapshots(
      admin,
      other,
      [1, 2, 3].map((h) => ({
        name: `c-s${h}`,
        repository: "repo-c",
        at: hoursAgo(h),
        outcome: "Succeeded" as const,
      })),
    );
    await createSucceededSession(admin, other, "denied-hourly-1", "denied", ["repo-c"], hoursAgo(1));
    const publisher = new RecordingPublisher();
    // Act
    const outcome = await applySessionRetention(
      { client: functions, publisher },
      other,
      "denied-hourly-1",
      now,
    );
    // Assess
    const error = `RetentionPolicy ${ns}/same-only does not allow namespace ${other} (usagePolicy allowedNamespaces from Same)`;
    expect(outcome.repositories).toMatchObject([{ phase: "FailedToApply", error, deleted: [] }]);
    expect(await snapshotNames(admin, other)).toEqual(["c-s1", "c-s2", "c-s3"]);
    const session = await admin.get("BackupSession", other, "denied-hourly-1");
    expect(session.status?.retentionPolicy).toEqual([
      { ref: { name: "same-only", namespace: ns }, repository: "repo-c", phase: "FailedToApply", error },
    ]);
    // KubeStash's phase rule: MetricsPushed True and a FailedToApply entry make the session Failed.
    expect(session.status?.phase).toBe("Failed");
    expect(publisher.ofType("BackupSession Phase Changed").map((e) => e.detail)).toMatchObject([
      { oldPhase: "Succeeded", newPhase: "Failed", reasons: ["FailedToApply"] },
    ]);
    const warnings = (await admin.list("Event", { namespace: other })).items.filter(
      (e) => e.type === "Warning",
    );
    expect(warnings.map((e) => e.reason).sort()).toEqual([
      "BackupSessionFailed",
      "RetentionPolicyFailedToApply",
    ]);
  });
});

describe("the apply-retention function, the sweep and kss retention plan", () => {
  it("applies retention for a Phase Changed to Succeeded, and ignores other phases", async () => {
    // Prepare: one more success in repo-b, and a session that names it
    await createSnapshots(admin, ns, [
      { name: "b-s5", repository: "repo-b", at: hoursAgo(0.2), outcome: "Succeeded" },
    ]);
    await createSucceededSession(admin, ns, "app-hourly-2", "app", ["repo-b"], hoursAgo(0.2));
    const registry = await loadRegistryFile(await writeRegistry(tmp, cluster));
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
    const event = (name: string, newPhase: string) =>
      phaseChangedEvent({
        clusterId: cluster.id,
        namespace: ns,
        name,
        configuration: "app",
        newPhase,
        at: now,
      });
    try {
      // Act
      const failed = await handleEvent(applyRetentionFunction, event("app-hourly-2", "Failed"), fnDeps);
      const succeeded = await handleEvent(applyRetentionFunction, event("app-hourly-2", "Succeeded"), fnDeps);
      // Assess
      expect(failed).toEqual({ status: "done", result: { skipped: "phase Failed" } });
      expect(succeeded).toMatchObject({ status: "done", result: { outcome: "applied" } });
      expect(await snapshotNames(admin, ns, "repo-b")).toEqual(["b-s3", "b-s4", "b-s5"]);
      expect(JSON.stringify(fnDeps.metrics.serializeMetrics())).toContain("SnapshotsPruned");
      // The notification event a platform team routes: one per repository that lost Snapshots.
      expect(fnDeps.publisher.ofType("Retention Applied").map((e) => e.detail)).toEqual([
        expect.objectContaining({
          namespace: ns,
          repository: "repo-b",
          backupSession: "app-hourly-2",
          trigger: "session-succeeded",
          kept: 3,
        }),
      ]);
      // A "Retention Requested" without a session sweeps the namespace: nothing more to prune now.
      const requested = {
        id: "e-requested",
        "detail-type": "Retention Requested",
        source: "kubestash-serverless",
        detail: { version: "1", clusterId: cluster.id, namespace: ns, reason: "manual" },
      };
      const swept = await handleEvent(applyRetentionFunction, requested, fnDeps);
      expect(swept).toMatchObject({ status: "done", result: { errors: [], skipped: [] } });
    } finally {
      await clusterClients.close();
    }
  });

  it("sweeps a namespace: Snapshots written without a session are pruned too, with an Event on the Repository", async () => {
    await createSnapshots(admin, ns, [
      { name: "b-s6", repository: "repo-b", at: hoursAgo(0.1), outcome: "Succeeded" },
    ]);
    const outcome = await sweepRetention(deps(), now, ns);
    expect(outcome.errors).toEqual([]);
    expect(outcome.repositories.map((r) => [r.repository, r.trigger, r.deleted.map((d) => d.name)])).toEqual([
      ["repo-a", "sweep", []],
      ["repo-b", "sweep", ["b-s3"]],
    ]);
    const events = (await admin.list("Event", { namespace: ns })).items.filter(
      (e) => e.involvedObject.kind === "Repository",
    );
    expect(events.map((e) => e.reason)).toEqual(["RetentionPolicyApplied"]);
  });

  it("kss retention plan --cluster shows the live plan as the function resolves it", async () => {
    const registry = await writeRegistry(tmp, cluster);
    const args = [
      "retention",
      "plan",
      "--cluster",
      cluster.id,
      "-n",
      ns,
      "--repository",
      "repo-a",
      "--registry",
      registry,
    ];
    const json = await runKssInProcess([...args, "--now", toKubeTime(now), "-o", "json"]);
    expect(json.exitCode).toBe(0);
    const plan = JSON.parse(json.stdout) as {
      keep: Array<{ name: string; reason: string }>;
      prune: unknown[];
    };
    expect(plan.prune).toEqual([]);
    expect(plan.keep.map((k) => k.name)).toEqual(["a-old", "a-run", "a-s5", "a-s4", "a-f2", "a-s3"]);
    const table = await runKssInProcess(args);
    expect(table.stdout).toContain(
      `repository ${ns}/repo-a, session hourly: RetentionPolicy ${ns}/keep (backend local of BackupConfiguration ${ns}/app), periods in UTC`,
    );
  });
});
