import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeLocalRegistry } from "../../local/demo.ts";
import { finishJob } from "../../local/job-controller.ts";
import { releaseUnusedClaims } from "../../local/pvc-protection.ts";
import { runRestoreJobs } from "../../local/restore-executor.ts";
import { loadRegistryFile } from "../../shared/clusters/registry.ts";
import type { KubeClient } from "../../shared/kube/client.ts";
import { ClusterClients } from "../../shared/kube/cluster-clients.ts";
import { BackupConfiguration } from "../../shared/model/backup-configuration.ts";
import { BackupVerifier } from "../../shared/model/backup-verifier.ts";
import { parseWith } from "../../shared/model/parse.ts";
import { createDueSessions } from "../../shared/usecases/create-sessions.ts";
import { fleetStatus, type ReachableCluster } from "../../shared/usecases/fleet-status.ts";
import { reconcileVerification, sweepVerifications } from "../../shared/usecases/reconcile-verification.ts";
import { ensureNamespace } from "../support/kube.ts";
import { RecordingPublisher } from "../support/lifecycle.ts";
import { type PrivatePlane, startPrivatePlane } from "../support/private-plane.ts";
import { writeCompletedSnapshot } from "../support/snapshot-states.ts";

/**
 * A verification from its schedule to its end on the real API server (docs/verification.md): the tick creates
 * the BackupVerificationSession, the functions drive it (RestoreSession, restore Job, scratch claim), the
 * stand-ins play only the restore executor, the Job controller and the pvc-protection controller.
 */

// Ticks and sweeps are cluster-wide: on the shared clusters other files' ticks would schedule and drive these
// verifications at their own clocks (and these ticks theirs).
let plane: PrivatePlane;
let admin: KubeClient;
let functions: KubeClient;
let ns: string;
let scratchNs: string;

/**
 * The verifier's one daily time, two or three minutes from now (cron `M H * * *`, UTC): due exactly there, with
 * no earlier time between the configurations' creation and it, whatever the minute the test starts.
 */
const due = (() => {
  const t = new Date(Math.ceil((Date.now() + 120_000) / 60_000) * 60_000);
  return {
    at: (seconds: number) => new Date(t.getTime() + seconds * 1000),
    unix: t.getTime() / 1000,
    schedule: `${t.getUTCMinutes()} ${t.getUTCHours()} * * *`,
  };
})();

beforeAll(async () => {
  plane = await startPrivatePlane("verify");
  ({ admin, functions, ns } = plane);
  scratchNs = `${ns}-v`;
  await ensureNamespace(admin, scratchNs);
  await admin.create("PersistentVolumeClaim", {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: "data", namespace: ns },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "2Gi" } } },
  });
}, 180_000);

afterAll(async () => {
  await plane?.stop();
});

async function installVerified(
  name: string,
  verifier: Record<string, unknown> = {},
  repository = "repo-a",
): Promise<void> {
  await admin.create(
    "BackupVerifier",
    parseWith(
      BackupVerifier,
      {
        apiVersion: "core.kubestash.com/v1alpha1",
        kind: "BackupVerifier",
        metadata: {
          name: `${name}-verifier`,
          namespace: ns,
          annotations: { "serverless.kubestash.com/scratch-target": "Delete" },
        },
        spec: {
          restoreOption: {
            addonInfo: { name: "pvc-addon", tasks: [{ name: "logical-backup-restore" }] },
            target: { kind: "PersistentVolumeClaim", name: `${name}-scratch`, namespace: scratchNs },
          },
          scheduler: { schedule: due.schedule, jobTemplate: { backoffLimit: 1 } },
          type: "RestoreOnly",
          retryConfig: { maxRetry: 1 },
          sessionHistoryLimit: 2,
          ...verifier,
        },
      },
      name,
    ),
  );
  await admin.create(
    "BackupConfiguration",
    parseWith(
      BackupConfiguration,
      {
        apiVersion: "core.kubestash.com/v1alpha1",
        kind: "BackupConfiguration",
        metadata: { name, namespace: ns },
        spec: {
          target: { kind: "PersistentVolumeClaim", name: "data", namespace: ns },
          backends: [
            {
              name: "local",
              storageRef: { name: "storage", namespace: ns },
              retentionPolicy: { name: "keep", namespace: ns },
            },
          ],
          sessions: [
            {
              name: "hourly",
              scheduler: { schedule: "0 0 1 1 *", jobTemplate: { backoffLimit: 1 } },
              repositories: [
                {
                  name: repository,
                  backend: "local",
                  directory: `/${name}`,
                  backupVerifier: { name: `${name}-verifier`, namespace: ns },
                },
              ],
              addon: { name: "pvc-addon", tasks: [{ name: "logical-backup", params: { paths: "/data" } }] },
            },
          ],
        },
      },
      name,
    ),
  );
}

/** A Snapshot of repo-a as a finished backup leaves it. */
async function backedUp(
  name: string,
  outcome: "Succeeded" | "Failed",
  at: Date,
  repository = "repo-a",
): Promise<void> {
  const { object } = await admin.create("Snapshot", {
    apiVersion: "storage.kubestash.com/v1alpha1",
    kind: "Snapshot",
    metadata: { name, namespace: ns, labels: { "kubestash.com/repo-name": repository } },
    spec: { repository, session: "hourly", backupSession: name, snapshotID: name, deletionPolicy: "Delete" },
  });
  await writeCompletedSnapshot(admin, object, outcome, at);
}

const verificationsOf = async (configuration: string) =>
  (await admin.list("BackupVerificationSession", { namespace: ns })).items.filter(
    (s) => s.spec.invoker?.name === configuration,
  );

describe("a scheduled verification on the real API server", () => {
  it("restores the newest Succeeded Snapshot into a scratch claim, fails, is retried once, succeeds, cleans up", async () => {
    // Prepare: two good Snapshots, then a newer failed one; the configuration's first tick is before the slot.
    await installVerified("app");
    await backedUp("repo-a-app-hourly-0", "Succeeded", due.at(-7200));
    await backedUp("repo-a-app-hourly-1", "Succeeded", due.at(-3600));
    await backedUp("repo-a-app-hourly-2", "Failed", due.at(-1800));
    const publisher = new RecordingPublisher();
    const deps = { client: functions, publisher };
    await createDueSessions({ client: functions, publisher }, due.at(-5));
    expect(await verificationsOf("app")).toEqual([]);

    // Act: the slot's tick, twice (a duplicate delivery), creates one session.
    await createDueSessions({ client: functions, publisher }, due.at(2));
    await createDueSessions({ client: functions, publisher }, due.at(3));
    const created = await verificationsOf("app");
    const name = `repo-a-hourly-${due.unix}`;
    expect(created.map((s) => s.metadata.name)).toEqual([name]);
    expect(
      publisher.ofType("BackupVerificationSession Created").map((e) => (e.detail as { name: string }).name),
    ).toEqual([name]);

    // The functions drive it: the newest Succeeded Snapshot is chosen, a scratch claim of the source's shape made,
    // the RestoreSession and its restore Job created in the scratch namespace.
    await reconcileVerification(deps, ns, name, () => due.at(5));
    let session = await admin.get("BackupVerificationSession", ns, name);
    expect(session.spec.snapshot).toBe("repo-a-app-hourly-1");
    expect(session.status?.phase).toBe("Running");
    const claim = await admin.get("PersistentVolumeClaim", scratchNs, "app-scratch");
    expect(claim.spec?.resources).toEqual({ requests: { storage: "2Gi" } });
    expect(claim.metadata.annotations?.["serverless.kubestash.com/scratch-for"]).toBe(`${ns}/${name}`);
    const rs = await admin.get("RestoreSession", scratchNs, name);
    expect(rs.spec.dataSource).toMatchObject({
      repository: "repo-a",
      snapshot: "repo-a-app-hourly-1",
      namespace: ns,
    });
    expect(rs.status?.conditions?.find((c) => c.type === "RestoreExecutorEnsured")?.status).toBe("True");
    const jobs = (
      await admin.list("Job", { namespace: scratchNs, labelSelector: `kubestash.com/invoker-name=${name}` })
    ).items;
    expect(jobs.map((j) => j.metadata.labels?.["app.kubernetes.io/component"])).toEqual([
      "kubestash-restore",
    ]);

    // The restore fails (the executor reports its component Failed, the Job ends).
    expect(await runRestoreJobs(admin, scratchNs, name, "Failed", due.at(20))).toBe(1);
    await reconcileVerification(deps, ns, name, () => due.at(25));
    session = await admin.get("BackupVerificationSession", ns, name);
    expect(session.status?.phase).toBe("Failed");
    expect(session.status?.retried).toBe(true);
    expect(session.status?.conditions?.find((c) => c.type === "RestoreSucceeded")).toMatchObject({
      status: "False",
      reason: "FailedToRestoreBackup",
    });
    expect((await admin.get("RestoreSession", scratchNs, name)).status?.phase).toBe("Failed");
    const snapshot = await admin.get("Snapshot", ns, "repo-a-app-hourly-1");
    expect(snapshot.status).toMatchObject({
      verificationStatus: "VerificationFailed",
      verificationSession: name,
    });
    // Its scratch claim is deleted (the pvc-protection controller lets it go: no Pod uses it).
    await releaseUnusedClaims(admin, scratchNs);
    expect(await admin.find("PersistentVolumeClaim", scratchNs, "app-scratch")).toBeUndefined();
    // Exactly one retry, announced once; deciding again (and the sweep) makes no second one.
    const retry = `${name}-retry-1`;
    await reconcileVerification(deps, ns, name, () => due.at(26));
    await sweepVerifications(deps, () => due.at(27));
    expect((await verificationsOf("app")).map((s) => s.metadata.name).sort()).toEqual([name, retry]);
    const retried = await admin.get("BackupVerificationSession", ns, retry);
    expect(retried.spec).toMatchObject({ snapshot: "repo-a-app-hourly-1", retryLeft: 0 });
    expect(publisher.ofType("Verification Failed")).toEqual([]);

    // The retry: a fresh scratch claim, its own RestoreSession; this time the restore succeeds.
    await sweepVerifications(deps, () => due.at(30));
    expect(await admin.find("PersistentVolumeClaim", scratchNs, "app-scratch")).toBeDefined();
    expect(await runRestoreJobs(admin, scratchNs, retry, "Succeeded", due.at(40))).toBe(1);
    await reconcileVerification(deps, ns, retry, () => due.at(45));
    const done = await admin.get("BackupVerificationSession", ns, retry);
    expect(done.status?.phase).toBe("Succeeded");
    expect(done.status?.conditions?.map((c) => [c.type, c.status])).toEqual(
      expect.arrayContaining([
        ["RestoreSucceeded", "True"],
        ["BackupVerified", "True"],
        ["VerificationSessionHistoryCleaned", "True"],
      ]),
    );
    expect((await admin.get("Snapshot", ns, "repo-a-app-hourly-1")).status).toMatchObject({
      verificationStatus: "Verified",
      verificationSession: retry,
    });
    // What it restored is cleaned up; the source claim is untouched.
    await releaseUnusedClaims(admin, scratchNs);
    expect(await admin.find("PersistentVolumeClaim", scratchNs, "app-scratch")).toBeUndefined();
    const source = await admin.get("PersistentVolumeClaim", ns, "data");
    expect(source.metadata.deletionTimestamp).toBeUndefined();
    // The sweep has nothing more to do.
    const outcomes = await sweepVerifications(deps, () => due.at(60));
    expect(outcomes.filter((o) => o.actions > 0 || o.statusWritten)).toEqual([]);

    // The fleet view shows the last verified restore of repo-a: the retry's, and its age.
    const dir = await mkdtemp(path.join(os.tmpdir(), "kss-verify-it-"));
    try {
      const file = path.join(dir, "clusters.yaml");
      await writeLocalRegistry([plane.one], file);
      const clients = new ClusterClients(await loadRegistryFile(file));
      const fleet = await fleetStatus({ clusters: clients }, {}, due.at(3645));
      await clients.close({ force: true });
      const own = fleet.clusters.find((c) => c.id === plane.one.id) as ReachableCluster;
      const app = own.configurations.find((c) => c.namespace === ns && c.name === "app");
      expect(app?.sessions[0]?.verifications?.[0]).toMatchObject({
        repository: "repo-a",
        lastVerification: { name: retry, phase: "Succeeded", snapshot: "repo-a-app-hourly-1" },
        lastVerified: { name: retry, ageSeconds: 3600, snapshot: "repo-a-app-hourly-1" },
        kept: 2,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("is Skipped, with the reason, when the repository has no good Snapshot", async () => {
    await installVerified("empty", {}, "repo-empty");
    await backedUp("repo-empty-empty-hourly-1", "Failed", due.at(-600), "repo-empty");
    const publisher = new RecordingPublisher();
    const deps = { client: functions, publisher };
    await createDueSessions({ client: functions, publisher }, due.at(-5));
    await createDueSessions({ client: functions, publisher }, due.at(2));
    const name = `repo-empty-hourly-${due.unix}`;
    expect((await verificationsOf("empty")).map((s) => s.metadata.name)).toEqual([name]);
    await reconcileVerification(deps, ns, name, () => due.at(5));
    const skipped = await admin.get("BackupVerificationSession", ns, name);
    expect(skipped.status?.phase).toBe("Skipped");
    expect(skipped.status?.conditions?.find((c) => c.type === "BackupVerificationSkipped")).toMatchObject({
      status: "True",
      reason: "NoSucceededSnapshot",
      message: "repository repo-empty has no Succeeded Snapshot to verify",
    });
    expect(skipped.spec.snapshot).toBeUndefined();
    expect(await admin.find("RestoreSession", scratchNs, name)).toBeUndefined();
    expect(await admin.find("PersistentVolumeClaim", scratchNs, "empty-scratch")).toBeUndefined();
    expect(publisher.ofType("Verification Failed")).toEqual([]);

    // Deleting it: the finalizer goes once nothing of it is left.
    await admin.delete("BackupVerificationSession", ns, name);
    await reconcileVerification(deps, ns, name, () => due.at(6));
    expect(await admin.find("BackupVerificationSession", ns, name)).toBeUndefined();
  });
});

describe("duplicate and racing deliveries", () => {
  it("two reconciles of one new verification at once make one scratch claim, one RestoreSession, one Job", async () => {
    await installVerified("race", {}, "repo-race");
    await backedUp("repo-race-race-hourly-1", "Succeeded", due.at(-600), "repo-race");
    const publisher = new RecordingPublisher();
    const deps = { client: functions, publisher };
    const name = "repo-race-hourly-1";
    await admin.create("BackupVerificationSession", {
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "BackupVerificationSession",
      metadata: {
        name,
        namespace: ns,
        labels: { "kubestash.com/invoker-name": "race" },
        annotations: { "serverless.kubestash.com/origin": "trigger" },
        finalizers: ["kubestash.com/cleanup"],
      },
      spec: {
        invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: "race" },
        session: "hourly",
        repository: "repo-race",
      },
    });
    const outcomes = await Promise.all([
      reconcileVerification(deps, ns, name, () => due.at(5)),
      reconcileVerification(deps, ns, name, () => due.at(5)),
      reconcileVerification(deps, ns, name, () => due.at(5)),
    ]);
    expect(outcomes.map((o) => o.error)).toEqual([undefined, undefined, undefined]);
    const jobs = (
      await admin.list("Job", { namespace: scratchNs, labelSelector: `kubestash.com/invoker-name=${name}` })
    ).items;
    expect(jobs).toHaveLength(1);
    expect(
      (await admin.list("RestoreSession", { namespace: scratchNs })).items.filter(
        (r) => r.metadata.name === name,
      ),
    ).toHaveLength(1);
    expect((await admin.get("BackupVerificationSession", ns, name)).spec.snapshot).toBe(
      "repo-race-race-hourly-1",
    );
    // The restore ends; a duplicate of the last delivery changes nothing and announces nothing twice.
    await runRestoreJobs(admin, scratchNs, name, "Succeeded", due.at(10));
    await Promise.all([
      reconcileVerification(deps, ns, name, () => due.at(12)),
      reconcileVerification(deps, ns, name, () => due.at(12)),
    ]);
    await reconcileVerification(deps, ns, name, () => due.at(13));
    expect((await admin.get("BackupVerificationSession", ns, name)).status?.phase).toBe("Succeeded");
    expect(publisher.events).toEqual([]);
  });
});

describe("a failure with no retry left", () => {
  it("publishes Verification Failed once, with its reasons", async () => {
    await installVerified("last", { retryConfig: undefined }, "repo-last");
    await backedUp("repo-last-last-hourly-1", "Succeeded", due.at(-600), "repo-last");
    const publisher = new RecordingPublisher();
    const deps = { client: functions, publisher };
    await admin.create("BackupVerificationSession", {
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "BackupVerificationSession",
      metadata: {
        name: "repo-a-last-1",
        namespace: ns,
        labels: { "kubestash.com/invoker-name": "last" },
        annotations: { "serverless.kubestash.com/origin": "trigger" },
        finalizers: ["kubestash.com/cleanup"],
      },
      spec: {
        invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: "last" },
        session: "hourly",
        repository: "repo-last",
      },
    });
    await reconcileVerification(deps, ns, "repo-a-last-1", () => due.at(5));
    // The Job's pod never reports: the Job controller ends it Failed with nothing written.
    for (const job of (
      await admin.list("Job", {
        namespace: scratchNs,
        labelSelector: "kubestash.com/invoker-name=repo-a-last-1",
      })
    ).items) {
      await finishJob(admin, job, "Failed", due.at(10));
    }
    await reconcileVerification(deps, ns, "repo-a-last-1", () => due.at(12));
    await reconcileVerification(deps, ns, "repo-a-last-1", () => due.at(13));
    const failed = await admin.get("BackupVerificationSession", ns, "repo-a-last-1");
    expect(failed.status?.phase).toBe("Failed");
    const rs = await admin.get("RestoreSession", scratchNs, "repo-a-last-1");
    expect(rs.status?.conditions?.find((c) => c.type === "RestoreIncomplete")?.status).toBe("True");
    const events = publisher.ofType("Verification Failed");
    expect(events).toHaveLength(1);
    expect(events[0]?.detail).toMatchObject({
      namespace: ns,
      configuration: "last",
      repository: "repo-last",
      name: "repo-a-last-1",
      verifier: `${ns}/last-verifier`,
      snapshot: "repo-last-last-hourly-1",
      attempts: 1,
      reasons: ["FailedToRestoreBackup"],
    });
  });
});
