import { applyManifests, readManifests } from "../../local/demo.ts";
import type { EventPublisher, OutgoingEvent } from "../../shared/bus/publisher.ts";
import type { KubeClient } from "../../shared/kube/client.ts";
import {
  BackupConfiguration,
  BackupStorage,
  parseWith,
  Repository,
  RetentionPolicy,
  type SessionConfig,
} from "../../shared/model/index.ts";
import { createDueSessions } from "../../shared/usecases/create-sessions.ts";
import { SchedulingIncompleteError } from "../../shared/usecases/errors.ts";
import type { ClusterInfo } from "../controlplane/index.ts";
import { adminAndFunctions, ensureNamespace, uniqueNamespace } from "./kube.ts";

/** Objects for session lifecycle tests on the real control plane: storage, policy, repositories, a configuration. */

export class RecordingPublisher implements EventPublisher {
  readonly events: OutgoingEvent[] = [];
  async publish(events: OutgoingEvent[]) {
    this.events.push(...events);
    return { eventIds: events.map((_, i) => `e${this.events.length + i}`), retriedEntries: 0 };
  }
  ofType(detailType: string) {
    return this.events.filter((e) => e.detailType === detailType);
  }
}

/** The pvc Addon and Function (cluster-scoped) from the demo catalog. */
export async function installCatalog(admin: KubeClient): Promise<void> {
  const manifests = await readManifests();
  await applyManifests(
    admin,
    manifests.filter((m) => m.kind === "Addon" || m.kind === "Function"),
  );
}

export async function installBackend(
  admin: KubeClient,
  namespace: string,
  repositories: string[],
): Promise<void> {
  const storage = parseWith(
    BackupStorage,
    {
      apiVersion: "storage.kubestash.com/v1alpha1",
      kind: "BackupStorage",
      metadata: { name: "storage", namespace },
      spec: { storage: { provider: "local", local: { mountPath: "/data" } }, default: true },
    },
    "storage",
  );
  const policy = parseWith(
    RetentionPolicy,
    {
      apiVersion: "storage.kubestash.com/v1alpha1",
      kind: "RetentionPolicy",
      metadata: { name: "keep", namespace },
      spec: { default: true, successfulSnapshots: { last: 3 } },
    },
    "policy",
  );
  await admin.create("BackupStorage", storage, () => true);
  await admin.create("RetentionPolicy", policy, () => true);
  for (const name of repositories) {
    const repo = parseWith(
      Repository,
      {
        apiVersion: "storage.kubestash.com/v1alpha1",
        kind: "Repository",
        metadata: { name, namespace },
        spec: {
          storageRef: { name: "storage", namespace },
          path: `/${name}`,
          appRef: { kind: "PersistentVolumeClaim", name: "data", namespace },
        },
      },
      name,
    );
    await admin.create("Repository", repo, () => true);
  }
}

export async function installConfiguration(
  admin: KubeClient,
  namespace: string,
  name: string,
  session: Partial<SessionConfig> = {},
  repositories = ["repo-a"],
): Promise<void> {
  const config = parseWith(
    BackupConfiguration,
    {
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "BackupConfiguration",
      metadata: { name, namespace },
      spec: {
        target: { kind: "PersistentVolumeClaim", name: "data", namespace },
        backends: [
          {
            name: "local",
            storageRef: { name: "storage", namespace },
            retentionPolicy: { name: "keep", namespace },
          },
        ],
        sessions: [
          {
            name: "hourly",
            scheduler: {
              schedule: "0 * * * *",
              jobTemplate: { backoffLimit: 1 },
              concurrencyPolicy: "Allow",
            },
            repositories: repositories.map((r) => ({ name: r, backend: "local", directory: `/${r}` })),
            addon: { name: "pvc-addon", tasks: [{ name: "logical-backup", params: { paths: "/data" } }] },
            ...session,
          },
        ],
      },
    },
    name,
  );
  await admin.create("BackupConfiguration", config);
}

/**
 * The setup the lifecycle tests share: clients for a cluster as admin and as the functions, infra/rbac and the
 * pvc catalog installed, and a fresh namespace with a backend (storage, policy, repositories).
 */
export async function lifecycleNamespace(cluster: ClusterInfo, prefix: string, repositories = ["repo-a"]) {
  const { admin, functions } = await adminAndFunctions(cluster);
  await installCatalog(admin);
  const ns = uniqueNamespace(prefix);
  await ensureNamespace(admin, ns);
  await installBackend(admin, ns, repositories);
  return { admin, functions, ns };
}

/** The first hour boundary after now: configurations created now are due then. */
export function nextHour(): Date {
  return new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000);
}

/** Runs the scheduler at `at` and returns the name of the session it created for `configuration`. */
export async function scheduleSession(client: KubeClient, configuration: string, at: Date): Promise<string> {
  // The tick is cluster-wide: a transient failure on another test file's configuration fails the tick as a
  // whole (so the platform retries it), but what it did for ours is in the error's report.
  const report = await createDueSessions({ client, publisher: new RecordingPublisher() }, at).catch(
    (error: unknown) => {
      if (error instanceof SchedulingIncompleteError) return error.report;
      throw error;
    },
  );
  const outcome = report.outcomes.find((o) => o.configuration === configuration && o.created);
  if (!outcome?.name)
    throw new Error(`no session created for ${configuration}: ${JSON.stringify(report.outcomes)}`);
  return outcome.name;
}
