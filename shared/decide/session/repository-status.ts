import type { BackupConfiguration, RepositoryInfo } from "../../model/backup-configuration.ts";
import type { BackupStorage } from "../../model/backup-storage.ts";
import { STORAGE_API_VERSION } from "../../model/common.ts";
import {
  findCondition,
  RepositoryCondition,
  RepositoryReason,
  setCondition,
} from "../../model/conditions.ts";
import { CLEANUP_FINALIZER } from "../../model/labels.ts";
import type { Repository } from "../../model/repository.ts";
import type { Snapshot } from "../../model/snapshot.ts";
import { resolveDefault } from "../configuration/usage-policy.ts";
import { snapshotPhase } from "./phase.ts";
import { appRefOf } from "./session-snapshots.ts";

/**
 * The Repositories of a configuration, as KubeStash's operator keeps them (docs/snapshot-completion.md#repositories):
 * one per `sessions[].repositories[]` entry, created when missing — no labels, no owner, the cleanup finalizer,
 * spec from the entry and its backend — and a status derived from its Snapshots.
 */

/** The BackupStorage a repository entry's backend uses: its storageRef, else the namespace's default. */
export function storageOf(
  configuration: BackupConfiguration,
  info: RepositoryInfo,
  storages: ReadonlyArray<BackupStorage>,
): BackupStorage | undefined {
  const namespace = configuration.metadata.namespace ?? "default";
  const backends = configuration.spec.backends ?? [];
  const backend = backends.find((b) => b.name === info.backend) ?? (info.backend ? undefined : backends[0]);
  const ref = backend?.storageRef;
  if (ref) {
    return storages.find(
      (s) => s.metadata.name === ref.name && (s.metadata.namespace ?? "") === (ref.namespace ?? namespace),
    );
  }
  return resolveDefault(storages, { namespace })?.chosen;
}

/** The Repository the operator creates for a repository entry (undefined when its storage is unknown). */
export function desiredRepository(
  configuration: BackupConfiguration,
  info: RepositoryInfo,
  storage: BackupStorage | undefined,
): Repository | undefined {
  if (!storage) return undefined;
  const namespace = configuration.metadata.namespace ?? "default";
  return {
    apiVersion: STORAGE_API_VERSION,
    kind: "Repository",
    metadata: { name: info.name, namespace, finalizers: [CLEANUP_FINALIZER] },
    spec: {
      appRef: appRefOf(configuration),
      storageRef: { name: storage.metadata.name, namespace: storage.metadata.namespace ?? namespace },
      path: info.directory ?? `/${info.name}`,
      // The entry's Retain only keeps the Repository when its configuration goes; the Repository's own
      // policy for its data is then Delete (keep the data).
      deletionPolicy: info.deletionPolicy === "WipeOut" ? "WipeOut" : "Delete",
      ...(info.encryptionSecret
        ? {
            encryptionSecret: {
              name: info.encryptionSecret.name,
              namespace: info.encryptionSecret.namespace ?? namespace,
            },
          }
        : {}),
    },
  };
}

/** How many recent Snapshots a Repository lists, newest last (KubeStash shows a short history). */
export const RECENT_SNAPSHOTS = 5;

/**
 * A Repository's status from its Snapshots: the recent ones (oldest first), the last successful backup's time,
 * size and integrity, the count, the component paths; `initialized` sets `RepositoryInitialized` (its
 * repository.yaml was written), and the phase follows that condition.
 */
export function repositoryStatus(
  repository: Repository,
  snapshots: ReadonlyArray<Snapshot>,
  initialized: boolean,
  now: Date,
): NonNullable<Repository["status"]> {
  const own = snapshots
    .filter((s) => s.spec.repository === repository.metadata.name && !s.metadata.deletionTimestamp)
    .sort(
      (a, b) =>
        (a.status?.snapshotTime ?? "").localeCompare(b.status?.snapshotTime ?? "") ||
        a.metadata.name.localeCompare(b.metadata.name),
    );
  const completed = own.filter((s) => ["Succeeded", "Failed"].includes(snapshotPhase(s)));
  const lastGood = [...completed].reverse().find((s) => snapshotPhase(s) === "Succeeded");
  let conditions = repository.status?.conditions;
  if (
    initialized &&
    findCondition(conditions, RepositoryCondition.RepositoryInitialized)?.status !== "True"
  ) {
    conditions = setCondition(
      conditions,
      {
        type: RepositoryCondition.RepositoryInitialized,
        status: "True",
        reason: RepositoryReason.RepositoryInitializationSucceeded,
        message: "Successfully initialized repository",
      },
      now,
    );
  }
  const paths = new Set(repository.status?.componentPaths ?? []);
  for (const s of completed)
    for (const c of Object.values(s.status?.components ?? {})) if (c.path) paths.add(c.path);
  const ready = findCondition(conditions, RepositoryCondition.RepositoryInitialized)?.status === "True";
  return {
    ...repository.status,
    phase: ready ? "Ready" : "NotReady",
    snapshotCount: own.length,
    recentSnapshots: completed.slice(-RECENT_SNAPSHOTS).map((s) => ({
      name: s.metadata.name,
      phase: snapshotPhase(s),
      ...(s.spec.session ? { session: s.spec.session } : {}),
      ...(s.status?.size ? { size: s.status.size } : {}),
      ...(s.status?.snapshotTime ? { snapshotTime: s.status.snapshotTime } : {}),
    })),
    ...(lastGood?.status?.snapshotTime ? { lastBackupTime: lastGood.status.snapshotTime } : {}),
    ...(lastGood?.status?.size ? { size: lastGood.status.size } : {}),
    ...(lastGood?.status?.integrity !== undefined ? { integrity: lastGood.status.integrity } : {}),
    ...(paths.size > 0 ? { componentPaths: [...paths].sort() } : {}),
    ...(conditions ? { conditions } : {}),
  };
}
