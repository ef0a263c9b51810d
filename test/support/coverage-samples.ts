import type { ClusterCoverageInput } from "../../shared/decide/coverage/coverage.ts";
import type { BackupConfiguration } from "../../shared/model/backup-configuration.ts";
import type { TypedObjectReference } from "../../shared/model/common.ts";
import {
  BackupConfiguration as BackupConfigurationSchema,
  DaemonSet,
  Deployment,
  Namespace,
  parseWith,
  StatefulSet,
} from "../../shared/model/index.ts";
import { BACKUP_LABEL, NO_BACKUP } from "../../shared/model/labels.ts";
import { PersistentVolumeClaim } from "../../shared/model/persistent-volume-claim.ts";

/**
 * Objects for coverage (docs/coverage.md), parsed by the model's schemas so they are what a LIST returns: namespaces,
 * claims, workloads whose pod templates mount claims, StatefulSets with claim templates, configurations by target.
 */

export const NO_BACKUP_LABELS = { [BACKUP_LABEL]: NO_BACKUP };

export function namespace(name: string, labels: Record<string, string> = {}) {
  return parseWith(
    Namespace,
    { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } },
    "namespace",
  );
}

export function claim(
  ns: string,
  name: string,
  options: { labels?: Record<string, string>; ownerPod?: string } = {},
) {
  return parseWith(
    PersistentVolumeClaim,
    {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: {
        name,
        namespace: ns,
        ...(options.labels ? { labels: options.labels } : {}),
        ...(options.ownerPod
          ? { ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: options.ownerPod, uid: "u-1" }] }
          : {}),
      },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    },
    "claim",
  );
}

/** A pod template mounting `claims` (and an emptyDir, which is no data). */
export function podTemplate(app: string, claims: readonly string[] = []) {
  return {
    metadata: { labels: { app } },
    spec: {
      containers: [{ name: "main", image: "busybox" }],
      volumes: [
        { name: "scratch", emptyDir: {} },
        ...claims.map((c, i) => ({ name: `data-${i}`, persistentVolumeClaim: { claimName: c } })),
      ],
    },
  };
}

interface WorkloadOptions {
  claims?: readonly string[];
  labels?: Record<string, string>;
}

export function deployment(ns: string, name: string, options: WorkloadOptions = {}) {
  return parseWith(
    Deployment,
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace: ns, ...(options.labels ? { labels: options.labels } : {}) },
      spec: { selector: { matchLabels: { app: name } }, template: podTemplate(name, options.claims) },
    },
    "deployment",
  );
}

export function daemonSet(ns: string, name: string, options: WorkloadOptions = {}) {
  return parseWith(
    DaemonSet,
    {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name, namespace: ns, ...(options.labels ? { labels: options.labels } : {}) },
      spec: { selector: { matchLabels: { app: name } }, template: podTemplate(name, options.claims) },
    },
    "daemonset",
  );
}

export function statefulSet(
  ns: string,
  name: string,
  options: WorkloadOptions & { templates?: readonly string[]; replicas?: number } = {},
) {
  return parseWith(
    StatefulSet,
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name, namespace: ns, ...(options.labels ? { labels: options.labels } : {}) },
      spec: {
        ...(options.replicas === undefined ? {} : { replicas: options.replicas }),
        serviceName: name,
        selector: { matchLabels: { app: name } },
        template: podTemplate(name, options.claims),
        volumeClaimTemplates: (options.templates ?? []).map((t) => ({
          metadata: { name: t },
          spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
        })),
      },
    },
    "statefulset",
  );
}

/** A BackupConfiguration of `target` (none: KubeStash's cluster-resources backup). */
export function configurationFor(
  ns: string,
  name: string,
  target: TypedObjectReference | undefined,
  options: { paused?: boolean } = {},
): BackupConfiguration {
  return parseWith(
    BackupConfigurationSchema,
    {
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "BackupConfiguration",
      metadata: { name, namespace: ns },
      spec: {
        ...(target ? { target } : {}),
        backends: [{ name: "s3", storageRef: { name: "storage", namespace: ns } }],
        sessions: [
          {
            name: "hourly",
            scheduler: { schedule: "0 * * * *", jobTemplate: {} },
            repositories: [{ name: `${name}-repo`, backend: "s3", directory: `/${name}` }],
            addon: { name: "workload-addon", tasks: [{ name: "logical-backup" }] },
          },
        ],
        ...(options.paused ? { paused: true } : {}),
      },
    },
    "configuration",
  );
}

export const pvcTarget = (name: string): TypedObjectReference => ({
  apiGroup: "",
  kind: "PersistentVolumeClaim",
  name,
});
export const workloadTarget = (kind: "Deployment" | "StatefulSet" | "DaemonSet", name: string) => ({
  apiGroup: "apps",
  kind,
  name,
});

export function coverageInput(objects: Partial<ClusterCoverageInput>): ClusterCoverageInput {
  return {
    namespaces: [],
    persistentVolumeClaims: [],
    deployments: [],
    statefulSets: [],
    daemonSets: [],
    configurations: [],
    ...objects,
  };
}
