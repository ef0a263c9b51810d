import type { BackupConfiguration, SessionConfig } from "../../model/backup-configuration.ts";
import type { BackupSession, SnapshotStatusRef } from "../../model/backup-session.ts";
import { STORAGE_API_VERSION, type TypedObjectReference } from "../../model/common.ts";
import { SnapshotCondition, SnapshotReason } from "../../model/conditions.ts";
import { CLEANUP_FINALIZER, Label } from "../../model/labels.ts";
import { snapshotName } from "../../model/names.ts";
import type { Repository } from "../../model/repository.ts";
import type { Snapshot } from "../../model/snapshot.ts";
import { snapshotPhase } from "./phase.ts";
import { sessionTime } from "./session-history.ts";
import { sessionNamespace } from "./session-job-meta.ts";
import { snapshotId } from "./snapshot-id.ts";
import type { SnapshotStatusUpdate } from "./snapshot-progress.ts";

/**
 * The Snapshots of a session (docs/model.md#snapshot-fields; docs/decisions.md#snapshot-labels-and-owner):
 * one per repository of the configuration's session, named after the Repository and the BackupSession,
 * labelled with the app, repository and session, owned by its Repository.
 */

export interface SnapshotsInput {
  session: BackupSession;
  configuration: BackupConfiguration;
  sessionConfig: SessionConfig;
  repositories: ReadonlyArray<Repository>;
  snapshots: ReadonlyArray<Snapshot>;
}

export type EnsuredSnapshots =
  | { ok: true; create: Snapshot[]; refs: SnapshotStatusRef[] }
  | { ok: false; message: string };

/** The configuration's target, namespaced; KubeStash's stand-in `{apiGroup: na, name: na}` when it has none. */
export function appRefOf(configuration: BackupConfiguration): TypedObjectReference {
  const namespace = configuration.metadata.namespace ?? "default";
  const target = configuration.spec.target ?? { apiGroup: "na", kind: "", name: "na" };
  return { ...target, namespace: target.namespace ?? namespace };
}

export function snapshotLabels(appRef: TypedObjectReference, repository: string, session: string) {
  return {
    [Label.AppRefKind]: appRef.kind ?? "",
    [Label.AppRefName]: appRef.name,
    [Label.AppRefNamespace]: appRef.namespace ?? "",
    [Label.RepoName]: repository,
    [Label.SessionName]: session,
  };
}

function newSnapshot(
  input: SnapshotsInput,
  repository: Repository & { metadata: { uid: string } },
): Snapshot {
  const { session } = input;
  const namespace = sessionNamespace(session);
  const repoName = repository.metadata.name;
  const appRef = appRefOf(input.configuration);
  return {
    apiVersion: STORAGE_API_VERSION,
    kind: "Snapshot",
    metadata: {
      name: snapshotName(repoName, session.metadata.name),
      namespace,
      labels: snapshotLabels(appRef, repoName, input.sessionConfig.name),
      // Its backup data is removed before the object goes, per deletionPolicy (docs/retention-cleanup.md).
      finalizers: [CLEANUP_FINALIZER],
      ownerReferences: [
        {
          apiVersion: STORAGE_API_VERSION,
          kind: "Repository",
          name: repoName,
          uid: repository.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      snapshotID: snapshotId({ namespace, name: session.metadata.name }, repoName, sessionTime(session)),
      type: "FullBackup",
      repository: repoName,
      session: input.sessionConfig.name,
      backupSession: session.metadata.name,
      version: "v1",
      appRef,
      deletionPolicy: repository.spec.deletionPolicy,
    },
  };
}

function hasUid(repository: Repository): repository is Repository & { metadata: { uid: string } } {
  return typeof repository.metadata.uid === "string" && repository.metadata.uid !== "";
}

/**
 * What to create and the `status.snapshots` entries, or why the Snapshots cannot be ensured (no repository in
 * the session, or a Repository that does not exist yet). Nothing is created unless every Repository exists.
 */
export function ensureSnapshots(input: SnapshotsInput): EnsuredSnapshots {
  const namespace = sessionNamespace(input.session);
  const infos = input.sessionConfig.repositories ?? [];
  if (infos.length === 0)
    return { ok: false, message: `session ${input.sessionConfig.name} has no repository` };
  const found = infos.map((info) =>
    input.repositories.find(
      (r) => r.metadata.name === info.name && (r.metadata.namespace ?? namespace) === namespace && hasUid(r),
    ),
  );
  const missing = infos.filter((_, i) => found[i] === undefined).map((info) => `${namespace}/${info.name}`);
  if (missing.length > 0) return { ok: false, message: `Repository ${missing.join(", ")} not found` };

  const create: Snapshot[] = [];
  const refs: SnapshotStatusRef[] = [];
  for (const repository of found) {
    if (!repository || !hasUid(repository)) continue;
    const wanted = newSnapshot(input, repository);
    const existing = input.snapshots.find((s) => s.metadata.name === wanted.metadata.name);
    if (!existing) create.push(wanted);
    refs.push({
      name: wanted.metadata.name,
      phase: existing ? snapshotPhase(existing) : "Pending",
      appRef: existing?.spec.appRef ?? wanted.spec.appRef,
      repository: repository.metadata.name,
    });
  }
  return { ok: true, create, refs };
}

/**
 * What fails a Snapshot whose backup cannot finish (deadline, executor gone, session replaced):
 * `BackupIncomplete=True` (reason BackupExecutorTerminatedBeforeCompletion), so {@link snapshotPhase} is Failed.
 */
export function incompleteSnapshotUpdate(message: string): SnapshotStatusUpdate {
  return {
    set: {},
    conditions: [
      {
        type: SnapshotCondition.BackupIncomplete,
        status: "True",
        reason: SnapshotReason.BackupExecutorTerminatedBeforeCompletion,
        message,
      },
    ],
  };
}
