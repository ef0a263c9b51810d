import type { BackupStorage } from "../../model/backup-storage.ts";
import type { Job } from "../../model/job.ts";
import { Label, MANAGED_BY } from "../../model/labels.ts";
import { jobName, LABEL_NAME_MAX, validNameWithPrefixAndSuffix } from "../../model/names.ts";
import type { Repository } from "../../model/repository.ts";
import type { Snapshot } from "../../model/snapshot.ts";
import { CLEANER_COMPONENT, CleanupLabel } from "../../model/snapshot-cleanup.ts";

/**
 * The cleaner Job that removes a deleted Snapshot's restic snapshots from the backend
 * (docs/retention-cleanup.md#the-cleaner-job). Pure: from the Snapshot, its Repository and BackupStorage.
 *
 * Per component (sorted by name) two steps run one after the other, `restic forget <ids…>` then `restic prune`,
 * against that component's restic repository: `<storage>/<Repository spec.path>/<component path>`, the
 * component path being `repository/<version>/<session>/<component>` as KubeStash lays it out. Forget and prune
 * are separate so that a retry after a prune that failed still prunes (restic skips the prune of
 * `forget --prune` when nothing was forgotten, and ignores ids already forgotten). Steps are init containers,
 * which the kubelet runs in order and stops at the first failure; the last step is the Pod's one container.
 *
 * Credentials stay in the cluster's Secrets: the Job names them (`secretKeyRef`, a Secret volume for GCS),
 * the functions never read them. A Pod can only name Secrets of its own namespace, so the Secrets must be in
 * the Snapshot's namespace.
 */

/** The image, pinned to the restic release the tests run (Debian 12's restic 0.14.0); its entrypoint is restic. */
export const CLEANER_IMAGE = "restic/restic:0.14.0";
/** `nobody`: restic needs no privilege; a BackupStorage's `runtimeSettings.pod.securityContext` may say otherwise. */
export const CLEANER_USER = 65534;
/** A cleaner still running after this is failed by the Job controller (DeadlineExceeded) and retried. */
export const CLEANUP_ACTIVE_DEADLINE_SECONDS = 4 * 60 * 60;
/** Finished cleaner Jobs are deleted by the functions; the TTL is the safety net (a day to read their logs). */
export const CLEANUP_TTL_SECONDS = 24 * 60 * 60;

const TMP_VOLUME = "kubestash-tmp-volume";
const TMP_MOUNT = "/kubestash-tmp";
const BACKEND_VOLUME = "kubestash-backend";
const CREDENTIALS_VOLUME = "kubestash-credentials";
const CREDENTIALS_MOUNT = "/kubestash-credentials";
/** The key of the encryption Secret holding the restic password (KubeStash's docs: `--from-file=RESTIC_PASSWORD`). */
export const RESTIC_PASSWORD_KEY = "RESTIC_PASSWORD";

/** One component's restic repository (relative to the Repository's path) and its restic snapshot ids. */
export interface ResticComponent {
  name: string;
  path: string;
  ids: string[];
}

type Result<T> = { ok: true; value: T } | { ok: false; message: string };

const RESTIC_ID = /^[0-9a-f]{8,64}$/;

function resticIdOf(stats: unknown): string | undefined {
  const s = stats as { summary?: { id?: unknown }; id?: unknown };
  // KubeStash's current types nest the id under `summary`; builds of 2025 wrote it flat.
  const id = s.summary?.id ?? s.id;
  return typeof id === "string" && id !== "" ? id : undefined;
}

/**
 * The components of a Snapshot that hold restic snapshots, with their ids (`status.components[].resticStats[]`).
 * An id that is not a restic id, or a path that leaves the Repository, is refused: they become command arguments.
 */
export function resticComponents(snapshot: Snapshot): Result<ResticComponent[]> {
  const out: ResticComponent[] = [];
  const entries = Object.entries(snapshot.status?.components ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [name, component] of entries) {
    const ids = (component.resticStats ?? []).map(resticIdOf).filter((id) => id !== undefined);
    if (ids.length === 0) continue;
    const bad = ids.find((id) => !RESTIC_ID.test(id));
    if (bad !== undefined)
      return { ok: false, message: `component ${name}: "${bad}" is not a restic snapshot id` };
    const { session, version } = snapshot.spec;
    const path = component.path ?? (session ? `repository/${version ?? "v1"}/${session}/${name}` : undefined);
    if (path === undefined)
      return { ok: false, message: `component ${name} has no path and the Snapshot no session` };
    if (path.split("/").includes(".."))
      return { ok: false, message: `component ${name}: path ${path} leaves the Repository` };
    out.push({ name, path, ids: [...new Set(ids)] });
  }
  return { ok: true, value: out };
}

function joinPath(...parts: ReadonlyArray<string | undefined>): string {
  return parts
    .flatMap((p) => (p ?? "").split("/"))
    .filter((p) => p !== "" && p !== ".")
    .join("/");
}

function text(block: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = block?.[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function secretEnv(name: string, secret: string, key: string, optional = false) {
  return {
    name,
    valueFrom: { secretKeyRef: { name: secret, key, ...(optional ? { optional: true } : {}) } },
  };
}

interface Backend {
  /** RESTIC_REPOSITORY of a restic repository at `relative` under the storage's root. */
  location(relative: string): string;
  env: object[];
  volumes: object[];
  mounts: object[];
}

/** Where the BackupStorage keeps data and how the cleaner reaches it, per provider. */
function backendOf(storage: BackupStorage, namespace: string): Result<Backend> {
  const spec = storage.spec.storage ?? {};
  const provider = spec.provider;
  const where = `BackupStorage ${storage.metadata.namespace}/${storage.metadata.name}`;
  const block = provider ? (spec[provider] as Record<string, unknown> | undefined) : undefined;
  if (!provider || !block) return { ok: false, message: `${where} has no storage provider block` };
  const secretName = provider === "local" ? undefined : text(block, "secretName");
  if (secretName && storage.metadata.namespace !== namespace) {
    return {
      ok: false,
      message: `${where} keeps its credentials in Secret ${storage.metadata.namespace}/${secretName}, which a Pod in namespace ${namespace} cannot use: copy it into ${namespace}`,
    };
  }
  const prefix = text(block, "prefix");
  switch (provider) {
    case "local": {
      const mountPath = text(block, "mountPath");
      const { mountPath: _m, subPath, maxConnections: _c, ...source } = block;
      if (!mountPath || Object.keys(source).length === 0)
        return { ok: false, message: `${where}: the local provider needs a volume source and mountPath` };
      return {
        ok: true,
        value: {
          location: (relative) => `/${joinPath(mountPath, relative)}`,
          env: [],
          volumes: [{ name: BACKEND_VOLUME, ...source }],
          mounts: [
            {
              name: BACKEND_VOLUME,
              mountPath,
              ...(typeof subPath === "string" && subPath ? { subPath } : {}),
            },
          ],
        },
      };
    }
    case "s3": {
      const bucket = text(block, "bucket");
      if (!bucket) return { ok: false, message: `${where}: s3 needs a bucket` };
      if (block.insecureTLS === true)
        return { ok: false, message: `${where}: insecureTLS is not supported by the cleaner's restic` };
      const endpoint = (text(block, "endpoint") ?? "s3.amazonaws.com").replace(/\/+$/, "");
      const region = text(block, "region");
      return {
        ok: true,
        value: {
          location: (relative) => `s3:${endpoint}/${bucket}/${joinPath(prefix, relative)}`,
          env: [
            ...(region ? [{ name: "AWS_DEFAULT_REGION", value: region }] : []),
            ...(secretName
              ? [
                  secretEnv("AWS_ACCESS_KEY_ID", secretName, "AWS_ACCESS_KEY_ID"),
                  secretEnv("AWS_SECRET_ACCESS_KEY", secretName, "AWS_SECRET_ACCESS_KEY"),
                  secretEnv("AWS_SESSION_TOKEN", secretName, "AWS_SESSION_TOKEN", true),
                ]
              : []),
          ],
          volumes: [],
          mounts: [],
        },
      };
    }
    case "gcs": {
      const bucket = text(block, "bucket");
      if (!bucket) return { ok: false, message: `${where}: gcs needs a bucket` };
      const key = "GOOGLE_SERVICE_ACCOUNT_JSON_KEY";
      return {
        ok: true,
        value: {
          location: (relative) => `gs:${bucket}:/${joinPath(prefix, relative)}`,
          env: secretName
            ? [
                { name: "GOOGLE_APPLICATION_CREDENTIALS", value: `${CREDENTIALS_MOUNT}/${key}` },
                secretEnv("GOOGLE_PROJECT_ID", secretName, "GOOGLE_PROJECT_ID", true),
              ]
            : [],
          volumes: secretName
            ? [{ name: CREDENTIALS_VOLUME, secret: { secretName, items: [{ key, path: key }] } }]
            : [],
          mounts: secretName
            ? [{ name: CREDENTIALS_VOLUME, mountPath: CREDENTIALS_MOUNT, readOnly: true }]
            : [],
        },
      };
    }
    case "azure": {
      const container = text(block, "container");
      const account = text(block, "storageAccount");
      if (!container || !account)
        return { ok: false, message: `${where}: azure needs a storageAccount and a container` };
      return {
        ok: true,
        value: {
          location: (relative) => `azure:${container}:/${joinPath(prefix, relative)}`,
          env: [
            { name: "AZURE_ACCOUNT_NAME", value: account },
            ...(secretName ? [secretEnv("AZURE_ACCOUNT_KEY", secretName, "AZURE_ACCOUNT_KEY")] : []),
          ],
          volumes: [],
          mounts: [],
        },
      };
    }
    default:
      return { ok: false, message: `${where}: provider ${provider} is not supported` };
  }
}

/** Labels on a cleaner Job: KubeStash's for what it creates for a Snapshot, plus the Snapshot's uid and the attempt. */
export function cleanerJobLabels(snapshot: Snapshot, attempt?: number): Record<string, string> {
  const namespace = snapshot.metadata.namespace ?? "default";
  return {
    [Label.ManagedBy]: MANAGED_BY,
    [CleanupLabel.Component]: CLEANER_COMPONENT,
    [Label.InvokerKind]: "Snapshot",
    [Label.InvokerName]: validNameWithPrefixAndSuffix("", snapshot.metadata.name, ""),
    [Label.InvokerNamespace]: namespace,
    [CleanupLabel.SnapshotUid]: snapshot.metadata.uid ?? "",
    ...(attempt !== undefined ? { [CleanupLabel.Attempt]: String(attempt) } : {}),
  };
}

/** `cleanup-<snapshot>-<attempt>` (KubeStash's prefix), within 63 characters: the Job controller labels Pods with it. */
export function cleanerJobName(snapshotName: string, attempt: number): string {
  return jobName("cleanup", snapshotName, String(attempt));
}

function containerName(step: string, component: string, taken: Set<string>): string {
  const clean = component
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  let name = validNameWithPrefixAndSuffix(step, clean, "", LABEL_NAME_MAX);
  for (let i = 2; taken.has(name); i++) name = validNameWithPrefixAndSuffix(step, clean, String(i));
  taken.add(name);
  return name;
}

type Settings = Record<string, unknown>;
function settingsOf(storage: BackupStorage): { pod: Settings; container: Settings } {
  const rs = (storage.spec.runtimeSettings ?? {}) as { pod?: Settings; container?: Settings };
  return { pod: rs.pod ?? {}, container: rs.container ?? {} };
}

function pick(from: Settings, keys: ReadonlyArray<string>): Settings {
  return Object.fromEntries(keys.filter((k) => from[k] !== undefined).map((k) => [k, from[k]]));
}

export interface CleanerJobInput {
  snapshot: Snapshot;
  repository: Repository;
  storage: BackupStorage;
  components: ReadonlyArray<ResticComponent>;
  attempt: number;
  image?: string;
}

/** The cleaner Job of one attempt, or why none can be built (a person fixes that, then it is built). */
export function cleanerJob(input: CleanerJobInput): Result<Job> {
  const { snapshot, repository, storage, components, attempt } = input;
  const namespace = snapshot.metadata.namespace ?? "default";
  const encryption = repository.spec.encryptionSecret;
  const repoName = `Repository ${repository.metadata.namespace}/${repository.metadata.name}`;
  if (!encryption)
    return { ok: false, message: `${repoName} has no encryptionSecret: restic cannot open it` };
  const encryptionNamespace = encryption.namespace ?? repository.metadata.namespace ?? namespace;
  if (encryptionNamespace !== namespace) {
    return {
      ok: false,
      message: `${repoName} names encryption Secret ${encryptionNamespace}/${encryption.name}, which a Pod in namespace ${namespace} cannot use: copy it into ${namespace}`,
    };
  }
  const backend = backendOf(storage, namespace);
  if (!backend.ok) return backend;
  const { pod, container } = settingsOf(storage);
  // The storage's own env (a proxy, …) first: for a name set twice the later value wins, so ours do.
  const commonEnv = [
    ...((container.env as object[] | undefined) ?? []),
    secretEnv("RESTIC_PASSWORD", encryption.name, RESTIC_PASSWORD_KEY),
    { name: "RESTIC_CACHE_DIR", value: `${TMP_MOUNT}/restic-cache` },
    { name: "TMPDIR", value: TMP_MOUNT },
    ...backend.value.env,
  ];
  const taken = new Set<string>();
  const steps = components.flatMap((component) => {
    const env = [
      ...commonEnv,
      {
        name: "RESTIC_REPOSITORY",
        value: backend.value.location(joinPath(repository.spec.path, component.path)),
      },
    ];
    const step = (name: string, args: string[]) => ({
      name,
      image: input.image ?? CLEANER_IMAGE,
      args,
      env,
      volumeMounts: [{ name: TMP_VOLUME, mountPath: TMP_MOUNT }, ...backend.value.mounts],
      ...pick(container, ["resources"]),
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        ...((container.securityContext as Settings | undefined) ?? {}),
      },
    });
    return [
      step(containerName("forget", component.name, taken), ["forget", ...component.ids]),
      step(containerName("prune", component.name, taken), ["prune"]),
    ];
  });
  const userContext = (pod.securityContext as Settings | undefined) ?? {};
  const identity =
    userContext.runAsUser === undefined
      ? { runAsUser: CLEANER_USER, runAsGroup: CLEANER_USER, runAsNonRoot: true }
      : {};
  const labels = cleanerJobLabels(snapshot, attempt);
  return {
    ok: true,
    value: {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: cleanerJobName(snapshot.metadata.name, attempt), namespace, labels },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: CLEANUP_ACTIVE_DEADLINE_SECONDS,
        ttlSecondsAfterFinished: CLEANUP_TTL_SECONDS,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: "Never",
            // restic talks to the backend only, never to the API server.
            automountServiceAccountToken: false,
            ...pick(pod, [
              "serviceAccountName",
              "nodeSelector",
              "tolerations",
              "affinity",
              "imagePullSecrets",
              "priorityClassName",
            ]),
            securityContext: { ...identity, seccompProfile: { type: "RuntimeDefault" }, ...userContext },
            initContainers: steps.slice(0, -1),
            containers: steps.slice(-1),
            volumes: [{ name: TMP_VOLUME, emptyDir: {} }, ...backend.value.volumes],
          },
        },
      },
    },
  };
}
