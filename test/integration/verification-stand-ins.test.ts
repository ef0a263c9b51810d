import { beforeAll, describe, expect, it } from "vitest";
import { finishedJobStatus } from "../../local/job-controller.ts";
import { PVC_PROTECTION_FINALIZER, releaseUnusedClaims } from "../../local/pvc-protection.ts";
import { restoreComponentStatus, runRestoreJobs, runVerifierJobs } from "../../local/restore-executor.ts";
import type { KubeClient } from "../../shared/kube/client.ts";
import { objectPath } from "../../shared/kube/paths.ts";
import {
  BackupVerificationSession,
  Job,
  jobOutcome,
  parseWith,
  RestoreSession,
  ServiceAccount,
  Snapshot,
} from "../../shared/model/index.ts";
import { PersistentVolumeClaim } from "../../shared/model/persistent-volume-claim.ts";
import { toKubeTime } from "../../shared/model/time.ts";
import { clockFrom } from "../support/clock.ts";
import { clientFor, createRaw, ensureNamespace, uniqueNamespace } from "../support/kube.ts";
import { nextHour } from "../support/lifecycle.ts";
import { sharedCluster } from "../support/shared-cluster.ts";

/**
 * The stand-ins for a verification's external parts against the real API server (docs/verification.md#demo):
 * the restore executor writes only its component of the RestoreSession's status (and nothing at the top level:
 * phase, conditions and totalComponents are the operator's), the verifier only the BackupVerified condition of
 * its BackupVerificationSession, the Job controller ends the Jobs, and the pvc-protection controller lets a
 * deleted claim go once no Pod uses it — the test API server adds the `kubernetes.io/pvc-protection` finalizer
 * to every claim (StorageObjectInUseProtection admission) and runs no controller to remove it.
 */

const cluster = sharedCluster();
const { atSeconds } = clockFrom(nextHour());
let admin: KubeClient;
let ns: string;

const restoreLabels = (restoreSession: string, namespace = ns) => ({
  "app.kubernetes.io/component": "kubestash-restore",
  "app.kubernetes.io/managed-by": "kubestash.com",
  "kubestash.com/invoker-name": restoreSession,
  "kubestash.com/invoker-namespace": namespace,
});

async function createJob(name: string, labels: Record<string, string>, componentName?: string) {
  const env = componentName ? [{ name: "COMPONENT_NAME", value: componentName }] : [];
  const job = parseWith(
    Job,
    {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name, namespace: ns, labels },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: "Never",
            containers: [{ name: "logical-backup-restore-0", image: "ghcr.io/kubestash/pvc:v0.13.0", env }],
          },
        },
      },
    },
    "Job",
  );
  await admin.create("Job", job);
}

async function createRestoreSession(name: string) {
  const session = parseWith(
    RestoreSession,
    {
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "RestoreSession",
      metadata: { name, namespace: ns },
      spec: {
        target: { kind: "PersistentVolumeClaim", name: "demo-data-verify", namespace: ns },
        dataSource: { repository: "demo-repo", snapshot: "demo-snapshot", namespace: ns },
        addon: { name: "pvc-addon", tasks: [{ name: "logical-backup-restore" }] },
      },
    },
    "RestoreSession",
  );
  return (await admin.create("RestoreSession", session)).object;
}

const job = (name: string) => admin.get("Job", ns, name);

beforeAll(async () => {
  admin = await clientFor(cluster, "admin");
  ns = uniqueNamespace("verify-standins");
  await ensureNamespace(admin, ns);
  const snapshot = parseWith(
    Snapshot,
    {
      apiVersion: "storage.kubestash.com/v1alpha1",
      kind: "Snapshot",
      metadata: { name: "demo-snapshot", namespace: ns },
      spec: { repository: "demo-repo", session: "every-minute" },
    },
    "Snapshot",
  );
  const created = (await admin.create("Snapshot", snapshot)).object;
  await admin.replaceStatus("Snapshot", {
    ...created,
    status: { phase: "Succeeded", totalComponents: 1, components: { dump: { phase: "Succeeded" } } },
  });
});

describe("the restore executor stand-in", () => {
  it("writes only status.components.dump of its RestoreSession, then its Job ends Complete", async () => {
    await createRestoreSession("rs-single");
    await createJob("rs-single-restore", restoreLabels("rs-single"));

    expect(await runRestoreJobs(admin, ns, "rs-single", "Succeeded", atSeconds(10))).toBe(1);

    const session = await admin.get("RestoreSession", ns, "rs-single");
    expect(session.status).toEqual({ components: { dump: { phase: "Succeeded", duration: "3.2s" } } });
    const finished = await job("rs-single-restore");
    expect(jobOutcome(finished)).toBe("Succeeded");
    expect(finished.status).toMatchObject(finishedJobStatus(finished, "Succeeded", atSeconds(10)));
    // A second run has nothing left to do and writes nothing.
    expect(await runRestoreJobs(admin, ns, "rs-single", "Succeeded", atSeconds(20))).toBe(0);
    expect((await admin.get("RestoreSession", ns, "rs-single")).metadata.resourceVersion).toBe(
      session.metadata.resourceVersion,
    );
  });

  it("reports each per-pod Job's COMPONENT_NAME, Failed with an error, and leaves the operator's fields", async () => {
    const created = await createRestoreSession("rs-pods");
    const operatorStatus = {
      totalComponents: 2,
      conditions: [
        {
          type: "RestoreExecutorEnsured",
          status: "True" as const,
          reason: "SuccessfullyEnsuredRestoreExecutor",
          message: "Restore Executor has been ensured successfully.",
          lastTransitionTime: "2026-12-01T10:00:00Z",
        },
      ],
    };
    await admin.replaceStatus("RestoreSession", { ...created, status: operatorStatus });
    await createJob("rs-pods-0", restoreLabels("rs-pods"), "dump-pod-0");
    await createJob("rs-pods-1", restoreLabels("rs-pods"), "dump-pod-1");
    // Not this RestoreSession's executors: another invoker namespace, another component.
    await createJob("rs-pods-other-ns", restoreLabels("rs-pods", "elsewhere"), "dump-pod-2");
    await createJob("rs-pods-backup", {
      ...restoreLabels("rs-pods"),
      "app.kubernetes.io/component": "kubestash-backup",
    });

    expect(await runRestoreJobs(admin, ns, "rs-pods", "Failed", atSeconds(10))).toBe(2);

    const failed = restoreComponentStatus("Failed");
    expect((await admin.get("RestoreSession", ns, "rs-pods")).status).toEqual({
      ...operatorStatus,
      components: { "dump-pod-0": failed, "dump-pod-1": failed },
    });
    expect(failed.error).toBeTruthy();
    for (const name of ["rs-pods-0", "rs-pods-1"]) expect(jobOutcome(await job(name))).toBe("Failed");
    for (const name of ["rs-pods-other-ns", "rs-pods-backup"])
      expect((await job(name)).status ?? {}).not.toHaveProperty("conditions");
  });
});

describe("the verifier stand-in", () => {
  const restored = {
    type: "RestoreSucceeded",
    status: "True" as const,
    reason: "SuccessfullyRestoredBackup",
    lastTransitionTime: "2026-12-01T10:00:00Z",
  };

  async function createSession(name: string) {
    const bvs = parseWith(
      BackupVerificationSession,
      {
        apiVersion: "core.kubestash.com/v1alpha1",
        kind: "BackupVerificationSession",
        metadata: { name, namespace: ns },
        spec: {
          invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: "demo-pvc-backup" },
          repository: "demo-repo",
          session: "every-minute",
          snapshot: "demo-snapshot",
        },
      },
      "BackupVerificationSession",
    );
    const created = (await admin.create("BackupVerificationSession", bvs)).object;
    await admin.replaceStatus("BackupVerificationSession", {
      ...created,
      status: { phase: "Running", conditions: [restored] },
    });
    await createJob(`${name}-verifier`, {
      "app.kubernetes.io/component": "kubestash-backup-verifier",
      "app.kubernetes.io/managed-by": "kubestash.com",
      "kubestash.com/invoker-name": name,
      "kubestash.com/invoker-namespace": ns,
    });
  }

  it("sets BackupVerified True on its session and nothing else, then its Job ends Complete", async () => {
    await createSession("bvs-ok");
    expect(await runVerifierJobs(admin, ns, "bvs-ok", "Succeeded", atSeconds(30))).toBe(1);
    const session = await admin.get("BackupVerificationSession", ns, "bvs-ok");
    expect(session.status).toEqual({
      phase: "Running",
      conditions: [
        restored,
        {
          type: "BackupVerified",
          status: "True",
          reason: "SuccessfullyVerifiedBackup",
          lastTransitionTime: toKubeTime(atSeconds(30)),
        },
      ],
    });
    expect(jobOutcome(await job("bvs-ok-verifier"))).toBe("Succeeded");
  });

  it("sets BackupVerified False with KubeStash's reason and message when the check fails", async () => {
    await createSession("bvs-bad");
    expect(await runVerifierJobs(admin, ns, "bvs-bad", "Failed", atSeconds(30))).toBe(1);
    const conditions = (await admin.get("BackupVerificationSession", ns, "bvs-bad")).status?.conditions;
    expect(conditions?.[1]).toMatchObject({
      type: "BackupVerified",
      status: "False",
      reason: "FailedToVerifyBackup",
      message: 'Failed to verify backup. Reason: "query returned no rows"',
    });
    expect(jobOutcome(await job("bvs-bad-verifier"))).toBe("Failed");
  });
});

describe("the pvc-protection stand-in", () => {
  const claim = (name: string) =>
    parseWith(
      PersistentVolumeClaim,
      {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name, namespace: ns },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
      },
      "PersistentVolumeClaim",
    );

  it("lets a deleted claim go once no scheduled Pod mounts it, and only then", async () => {
    const used = (await admin.create("PersistentVolumeClaim", claim("scratch-used"))).object;
    await admin.create("PersistentVolumeClaim", claim("scratch-free"));
    // The API server's admission put the finalizer on; a delete leaves the claim Terminating.
    expect(used.metadata.finalizers).toEqual([PVC_PROTECTION_FINALIZER]);
    await admin.create(
      "ServiceAccount",
      parseWith(
        ServiceAccount,
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: ns } },
        "ServiceAccount",
      ),
    );
    await createRaw(admin, `/api/v1/namespaces/${ns}/pods`, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "restore-pod", namespace: ns },
      spec: {
        nodeName: "node-1",
        automountServiceAccountToken: false,
        containers: [{ name: "c", image: "busybox" }],
        volumes: [{ name: "data", persistentVolumeClaim: { claimName: "scratch-used" } }],
      },
    });
    await admin.delete("PersistentVolumeClaim", ns, "scratch-used");
    await admin.delete("PersistentVolumeClaim", ns, "scratch-free");
    const terminating = await admin.get("PersistentVolumeClaim", ns, "scratch-used");
    expect(terminating.metadata.deletionTimestamp).toBeDefined();

    expect(await releaseUnusedClaims(admin, ns)).toEqual([`${ns}/scratch-free`]);
    expect(await admin.find("PersistentVolumeClaim", ns, "scratch-free")).toBeUndefined();
    expect((await admin.get("PersistentVolumeClaim", ns, "scratch-used")).metadata.finalizers).toEqual([
      PVC_PROTECTION_FINALIZER,
    ]);

    // The Pod gone (no kubelet here: deleted with grace period 0), the next pass lets the claim go.
    await admin.transport.request({
      method: "DELETE",
      path: objectPath("Pod", ns, "restore-pod"),
      body: { apiVersion: "v1", kind: "DeleteOptions", gracePeriodSeconds: 0 },
    });
    expect(await releaseUnusedClaims(admin, ns)).toEqual([`${ns}/scratch-used`]);
    expect(await admin.find("PersistentVolumeClaim", ns, "scratch-used")).toBeUndefined();
    expect(await releaseUnusedClaims(admin, ns)).toEqual([]);
  });
});
