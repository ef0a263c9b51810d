import { writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import type { KubeClient } from "../../shared/kube/client.ts";
import {
  BackupConfiguration,
  BackupSession,
  type BackupSessionStatus,
  parseWith,
  RetentionPolicy,
  Snapshot,
  type SnapshotStatus,
  toKubeTime,
} from "../../shared/model/index.ts";
import type { ClusterInfo } from "../controlplane/index.ts";
import { writeCompletedSnapshot } from "./snapshot-states.ts";

/**
 * Retention's objects on the test control plane: Snapshots written as the reconciler and the executor would
 * (only what retention reads: repository, session, phase, snapshotTime), a BackupSession that Succeeded with
 * its retention entries Pending, policies, and a registry file for `kss retention plan --cluster`.
 */

export interface SnapshotSpec {
  name: string;
  repository: string;
  /** The session name (`spec.session`), "hourly" unless given. */
  session?: string;
  at: Date;
  outcome: "Succeeded" | "Failed" | "Running";
}

export async function createSnapshots(admin: KubeClient, namespace: string, specs: SnapshotSpec[]) {
  for (const spec of specs) {
    const snapshot = parseWith(
      Snapshot,
      {
        apiVersion: "storage.kubestash.com/v1alpha1",
        kind: "Snapshot",
        metadata: { name: spec.name, namespace },
        spec: { repository: spec.repository, session: spec.session ?? "hourly", version: "v1" },
      },
      spec.name,
    );
    const { object } = await admin.create("Snapshot", snapshot);
    if (spec.outcome !== "Running") {
      await writeCompletedSnapshot(admin, object, spec.outcome, spec.at);
      continue;
    }
    await admin.updateStatus(
      "Snapshot",
      namespace,
      spec.name,
      (current): SnapshotStatus => ({
        ...current.status,
        phase: "Running",
        snapshotTime: toKubeTime(spec.at),
      }),
    );
  }
}

/** A BackupSession of `configuration`/hourly that has Succeeded (MetricsPushed), retention entries Pending. */
export async function createSucceededSession(
  admin: KubeClient,
  namespace: string,
  name: string,
  configuration: string,
  repositories: string[],
  now: Date,
): Promise<void> {
  const session = parseWith(
    BackupSession,
    {
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "BackupSession",
      metadata: { name, namespace },
      spec: {
        invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: configuration },
        session: "hourly",
      },
    },
    name,
  );
  await admin.create("BackupSession", session);
  const time = toKubeTime(now);
  await admin.updateStatus(
    "BackupSession",
    namespace,
    name,
    (): BackupSessionStatus => ({
      phase: "Succeeded",
      duration: "1m0s",
      totalSnapshots: repositories.length,
      snapshots: repositories.map((r) => ({ name: `${r}-${name}`, phase: "Succeeded", repository: r })),
      retentionPolicy: repositories.map((r) => ({ repository: r, phase: "Pending" })),
      conditions: [
        {
          type: "SnapshotsEnsured",
          status: "True",
          reason: "SuccessfullyEnsuredSnapshots",
          lastTransitionTime: time,
        },
        { type: "SessionHistoryCleaned", status: "True", lastTransitionTime: time },
        {
          type: "MetricsPushed",
          status: "True",
          reason: "SuccessfullyPushedMetrics",
          lastTransitionTime: time,
        },
      ],
    }),
  );
}

export async function createPolicy(
  admin: KubeClient,
  namespace: string,
  name: string,
  spec: RetentionPolicy["spec"],
): Promise<void> {
  const policy = parseWith(
    RetentionPolicy,
    {
      apiVersion: "storage.kubestash.com/v1alpha1",
      kind: "RetentionPolicy",
      metadata: { name, namespace },
      spec,
    },
    name,
  );
  await admin.create("RetentionPolicy", policy);
}

/** Snapshot names left in a namespace, sorted. */
export async function snapshotNames(client: KubeClient, namespace: string, repository?: string) {
  const list = await client.list("Snapshot", { namespace });
  return list.items
    .filter((s) => repository === undefined || s.spec.repository === repository)
    .map((s) => s.metadata.name)
    .sort();
}

/** A registry file naming one test cluster with the functions' identity. */
export async function writeRegistry(dir: string, cluster: ClusterInfo): Promise<string> {
  const file = path.join(dir, "clusters.yaml");
  const registry = {
    clusters: [
      { id: cluster.id, credentials: { source: "kubeconfig", path: cluster.functionsKubeconfigPath } },
    ],
  };
  await writeFile(file, stringify(registry));
  return file;
}

/** A BackupConfiguration whose hourly session writes `repositories` through a backend naming `policy`. */
export async function createConfiguration(
  admin: KubeClient,
  namespace: string,
  name: string,
  policy: { name: string; namespace: string },
  repositories: string[],
): Promise<void> {
  const config = parseWith(
    BackupConfiguration,
    {
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "BackupConfiguration",
      metadata: { name, namespace },
      spec: {
        target: { kind: "PersistentVolumeClaim", name: "data", namespace },
        backends: [{ name: "local", storageRef: { name: "storage", namespace }, retentionPolicy: policy }],
        sessions: [
          {
            name: "hourly",
            scheduler: { schedule: "0 * * * *", jobTemplate: { backoffLimit: 1 } },
            repositories: repositories.map((r) => ({ name: r, backend: "local", directory: `/${r}` })),
            addon: { name: "pvc-addon", tasks: [{ name: "logical-backup" }] },
          },
        ],
      },
    },
    name,
  );
  await admin.create("BackupConfiguration", config);
}

/** The envelope of a "BackupSession Phase Changed" for session `name` (from Running), as the bus delivers it. */
export function phaseChangedEvent(o: {
  clusterId: string;
  namespace: string;
  name: string;
  configuration: string;
  newPhase: string;
  at: Date;
}) {
  const { clusterId, namespace, name, configuration, newPhase } = o;
  return {
    id: `e-${name}-${newPhase}`,
    "detail-type": "BackupSession Phase Changed",
    source: "kubestash-serverless",
    detail: {
      version: "1",
      clusterId,
      namespace,
      name,
      configuration,
      session: "hourly",
      oldPhase: "Running",
      newPhase,
      reasons: [],
      retryLeft: 0,
      resourceVersion: "1",
      changedAt: toKubeTime(o.at),
    },
  };
}
