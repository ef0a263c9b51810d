import type { BackupSession } from "../../model/backup-session.ts";
import type { BackupStorage } from "../../model/backup-storage.ts";
import type { Job } from "../../model/job.ts";
import { JobComponent } from "../../model/labels.ts";
import { nameKeepingTimeSuffix } from "../../model/names.ts";
import type { Repository } from "../../model/repository.ts";
import type { Snapshot } from "../../model/snapshot.ts";
import { componentsPhase } from "./phase.ts";
import { asRecord, type BuildResult, sessionJob } from "./session-job-meta.ts";
import { snapshotIntegrity, totalSize } from "./snapshot-progress.ts";

/**
 * The Job that writes a completed Snapshot's metadata to its backend, where KubeStash keeps it
 * (docs/snapshot-completion.md#the-metadata-job): `<prefix>/<repository path>/snapshots/<snapshot>.yaml`, and
 * `<prefix>/<repository path>/repository.yaml` while the Repository is not initialized yet. It runs rclone's
 * public image in the BackupStorage's namespace, with the storage Secret's keys as rclone's configuration and
 * the `local` provider's volume mounted, so credentials never leave the cluster and the functions never read
 * them. The files are JSON, which is YAML too.
 */

export const METADATA_IMAGE = "rclone/rclone:1.60.1";
const REMOTE = "BACKEND";
const LOCAL_MOUNT = "kubestash-storage";

export interface MetadataJobInput {
  session: BackupSession;
  snapshot: Snapshot;
  repository: Repository;
  storage: BackupStorage;
  /** Also write repository.yaml (the Repository is not initialized yet). */
  writeRepository: boolean;
}

/** `snapshot-metadata-<snapshot>` within 63 characters, its time suffix kept last. */
export function metadataJobName(snapshotName: string): string {
  return nameKeepingTimeSuffix("snapshot-metadata", snapshotName);
}

type Env = Record<string, unknown>;
const value = (name: string, v: string): Env => ({ name, value: v });
const fromSecret = (name: string, secret: string, key: string): Env => ({
  name,
  valueFrom: { secretKeyRef: { name: secret, key } },
});
const config = (option: string) => `RCLONE_CONFIG_${REMOTE}_${option}`;

interface Backend {
  /** Where the repository's directory is, as rclone names it (`BACKEND:bucket/prefix/path` or a local path). */
  base: string;
  env: Env[];
  volumes: Env[];
  mounts: Env[];
}

function join(...parts: ReadonlyArray<string | undefined>): string {
  return parts
    .filter((p): p is string => typeof p === "string" && p !== "")
    .map((p) => p.replace(/^\/+|\/+$/g, ""))
    .filter((p) => p !== "")
    .join("/");
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** A remote (not local) backend: no volumes, rclone configured by `env` only. */
const remote = (path: string, env: Env[]): BuildResult<Backend> => ({
  ok: true,
  value: { base: `${REMOTE}:${path}`, env, volumes: [], mounts: [] },
});

/** The rclone remote for each provider KubeStash's BackupStorage has; its Secret's keys as KubeStash names them. */
function backendOf(storage: BackupStorage, repoPath: string | undefined): BuildResult<Backend> {
  const provider = storage.spec.storage?.provider;
  const block = asRecord(storage.spec.storage?.[provider ?? "local"]) ?? {};
  const secret = str(block.secretName);
  const needSecret = (): BuildResult<never> => ({
    ok: false,
    message: `BackupStorage ${storage.metadata.name} (${provider}) names no secretName`,
  });
  switch (provider) {
    case "local": {
      const mountPath = str(block.mountPath);
      if (!mountPath)
        return { ok: false, message: `BackupStorage ${storage.metadata.name} (local) has no mountPath` };
      const { mountPath: _m, subPath, ...source } = block;
      return {
        ok: true,
        value: {
          base: `/${join(mountPath, str(subPath), repoPath)}`,
          env: [],
          volumes: [{ name: LOCAL_MOUNT, ...source }],
          mounts: [{ name: LOCAL_MOUNT, mountPath }],
        },
      };
    }
    case "s3": {
      if (!secret) return needSecret();
      return remote(join(str(block.bucket), str(block.prefix), repoPath), [
        value(config("TYPE"), "s3"),
        value(config("PROVIDER"), "Other"),
        value(config("ENV_AUTH"), "false"),
        ...(str(block.endpoint) ? [value(config("ENDPOINT"), String(block.endpoint))] : []),
        ...(str(block.region) ? [value(config("REGION"), String(block.region))] : []),
        fromSecret(config("ACCESS_KEY_ID"), secret, "AWS_ACCESS_KEY_ID"),
        fromSecret(config("SECRET_ACCESS_KEY"), secret, "AWS_SECRET_ACCESS_KEY"),
      ]);
    }
    case "gcs": {
      if (!secret) return needSecret();
      return remote(join(str(block.bucket), str(block.prefix), repoPath), [
        value(config("TYPE"), "google cloud storage"),
        fromSecret(config("SERVICE_ACCOUNT_CREDENTIALS"), secret, "GOOGLE_SERVICE_ACCOUNT_JSON_KEY"),
        fromSecret(config("PROJECT_NUMBER"), secret, "GOOGLE_PROJECT_ID"),
      ]);
    }
    case "azure": {
      if (!secret) return needSecret();
      return remote(join(str(block.container), str(block.prefix), repoPath), [
        value(config("TYPE"), "azureblob"),
        ...(str(block.storageAccount)
          ? [value(config("ACCOUNT"), String(block.storageAccount))]
          : [fromSecret(config("ACCOUNT"), secret, "AZURE_ACCOUNT_NAME")]),
        fromSecret(config("KEY"), secret, "AZURE_ACCOUNT_KEY"),
      ]);
    }
    default:
      return { ok: false, message: `BackupStorage ${storage.metadata.name} has no supported provider` };
  }
}

/**
 * The Snapshot as it is once this upload succeeds: the phase its components give, their size and integrity
 * (the condition itself can only follow the upload), so the backend's copy records the backup's outcome.
 */
function completedSnapshot(snapshot: Snapshot): Snapshot {
  const size = totalSize(snapshot);
  const integrity = snapshotIntegrity(snapshot);
  return {
    ...snapshot,
    status: {
      ...snapshot.status,
      phase: componentsPhase(snapshot),
      ...(size !== undefined ? { size } : {}),
      ...(integrity !== undefined ? { integrity } : {}),
    },
  };
}

/** What KubeStash keeps of an object in the backend: the object without its server-side bookkeeping. */
export function metadataDocument(object: Snapshot | Repository): string {
  const { name, namespace, labels, annotations, creationTimestamp } = object.metadata;
  return JSON.stringify(
    {
      apiVersion: object.apiVersion,
      kind: object.kind,
      metadata: { name, namespace, labels, annotations, creationTimestamp },
      spec: object.spec,
      status: object.status,
    },
    null,
    2,
  );
}

const SCRIPT = [
  "set -e",
  'printf "%s\\n" "$SNAPSHOT_METADATA" | rclone rcat "$SNAPSHOT_DESTINATION"',
  'if [ -n "$REPOSITORY_METADATA" ]; then printf "%s\\n" "$REPOSITORY_METADATA" | rclone rcat "$REPOSITORY_DESTINATION"; fi',
].join("\n");

/** The metadata Job of a Snapshot whose components are all in, or why it cannot be built. */
export function buildMetadataJob(input: MetadataJobInput): BuildResult<Job> {
  const { session, snapshot, repository, storage } = input;
  const backend = backendOf(storage, repository.spec.path);
  if (!backend.ok) return backend;
  const { base, env, volumes, mounts } = backend.value;
  const job = sessionJob(
    session,
    metadataJobName(snapshot.metadata.name),
    JobComponent.SnapshotMetadata,
    {
      spec: {
        automountServiceAccountToken: false,
        containers: [
          {
            name: "upload-snapshot-metadata",
            image: METADATA_IMAGE,
            imagePullPolicy: "IfNotPresent",
            command: ["sh", "-c", SCRIPT],
            env: [
              ...env,
              value("SNAPSHOT_METADATA", metadataDocument(completedSnapshot(snapshot))),
              value("SNAPSHOT_DESTINATION", `${base}/snapshots/${snapshot.metadata.name}.yaml`),
              ...(input.writeRepository
                ? [
                    value("REPOSITORY_METADATA", metadataDocument(repository)),
                    value("REPOSITORY_DESTINATION", `${base}/repository.yaml`),
                  ]
                : []),
            ],
            ...(mounts.length > 0 ? { volumeMounts: mounts } : {}),
          },
        ],
        ...(volumes.length > 0 ? { volumes } : {}),
      },
    },
    { backoffLimit: 2 },
  );
  // The storage's Secret and volume can only be used from its own namespace: the Job runs there.
  const namespace = storage.metadata.namespace ?? job.metadata.namespace;
  const { ownerReferences: _sameNamespaceOnly, ...metadata } = job.metadata;
  const sameNamespace = namespace === job.metadata.namespace;
  return {
    ok: true,
    value: { ...job, metadata: { ...(sameNamespace ? job.metadata : metadata), namespace } },
  };
}
