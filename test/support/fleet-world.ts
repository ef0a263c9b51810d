import type { KubeClient } from "../../shared/kube/client.ts";
import { parseWith, Snapshot } from "../../shared/model/index.ts";
import { toKubeTime } from "../../shared/model/time.ts";
import type { ClusterInfo } from "../controlplane/index.ts";
import { clientFor, ensureNamespace, installRbac } from "./kube.ts";
import { installBackend, installConfiguration, scheduleSession } from "./lifecycle.ts";

/**
 * A small fleet on the test control plane for `kss fleet` and the dashboard: per cluster a namespace with a
 * storage, a repository and an hourly configuration "app", then sessions in the phases a scenario needs.
 */

export interface SeededCluster {
  cluster: ClusterInfo;
  admin: KubeClient;
}

/** RBAC for the functions' identity, the namespace, the backend and the hourly configuration "app". */
export async function seedCluster(cluster: ClusterInfo, namespace: string): Promise<SeededCluster> {
  const admin = await clientFor(cluster, "admin");
  await installRbac(admin);
  await ensureNamespace(admin, namespace);
  await installBackend(admin, namespace, ["repo-a"]);
  await installConfiguration(admin, namespace, "app");
  return { cluster, admin };
}

/** The scheduler's session of "app" for `at`, then moved to `phase` as the session function would. */
export async function sessionInPhase(
  admin: KubeClient,
  namespace: string,
  at: Date,
  phase: "Succeeded" | "Failed" | "Running",
): Promise<string> {
  const name = await scheduleSession(admin, "app", at);
  await admin.patch("BackupSession", namespace, name, { status: { phase } }, { subresource: "status" });
  return name;
}

/** A Succeeded Snapshot of "app" in repo-a for `session`, taken at `takenAt` (the executor's report). */
export async function succeededSnapshot(
  admin: KubeClient,
  namespace: string,
  session: string,
  takenAt: Date,
): Promise<void> {
  const snapshot = parseWith(
    Snapshot,
    {
      apiVersion: "storage.kubestash.com/v1alpha1",
      kind: "Snapshot",
      metadata: { name: `repo-a-${session}`, namespace },
      spec: {
        repository: "repo-a",
        session: "hourly",
        backupSession: session,
        appRef: { kind: "PersistentVolumeClaim", name: "data", namespace },
      },
    },
    "snapshot",
  );
  await admin.create("Snapshot", snapshot);
  await admin.patch(
    "Snapshot",
    namespace,
    snapshot.metadata.name,
    { status: { phase: "Succeeded", snapshotTime: toKubeTime(takenAt) } },
    { subresource: "status" },
  );
}
