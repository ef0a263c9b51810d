import type { SessionConfig } from "../../model/backup-configuration.ts";
import type { TypedObjectReference } from "../../model/common.ts";
import type { Deployment } from "../../model/deployment.ts";
import type { DaemonSet, Pod, StatefulSet } from "../../model/workload.ts";
import type { ExecutorComponent } from "./executor-job.ts";
import { asRecord, asRecords, type BuildResult } from "./session-job-meta.ts";

/**
 * How many executor Jobs a session needs, and what each one mounts (docs/snapshot-completion.md#workload-targets):
 * KubeStash backs up every pod of a StatefulSet (component `dump-pod-<ordinal>`) and every node of a DaemonSet
 * (`dump-<node>`), one Job each, with `COMPONENT_NAME`; a Deployment, a PVC and a targetless configuration
 * take one Job. A workload's volumes that the task's `targetVolumes.volumeMounts` name are taken from the
 * workload — for a StatefulSet's claim template, the pod's own claim `<template>-<statefulset>-<ordinal>`.
 */

export const WORKLOAD_KINDS = new Set(["StatefulSet", "DaemonSet", "Deployment"]);

/** The target workload as the use case read it: absent when the target is not a workload. */
export type TargetWorkload =
  | { found: false }
  | { found: true; object: StatefulSet | DaemonSet | Deployment; pods: ReadonlyArray<Pod> };

type Volume = Record<string, unknown>;

/** Names of the volumes the session's tasks mount from the target (`targetVolumes.volumeMounts[].name`). */
function mountedNames(sessionConfig: SessionConfig): Set<string> {
  const names = new Set<string>();
  for (const task of sessionConfig.addon?.tasks ?? []) {
    for (const mount of asRecords(asRecord(task.targetVolumes)?.volumeMounts)) {
      if (typeof mount.name === "string") names.add(mount.name);
    }
  }
  return names;
}

function templateVolumes(object: StatefulSet | DaemonSet | Deployment): Volume[] {
  return asRecords(asRecord(asRecord(object.spec?.template)?.spec)?.volumes);
}

export function executorComponents(
  target: TypedObjectReference | undefined,
  sessionConfig: SessionConfig,
  workload: TargetWorkload | undefined,
): BuildResult<ExecutorComponent[]> {
  if (!target || !WORKLOAD_KINDS.has(target.kind ?? "")) return { ok: true, value: [{}] };
  if (!workload?.found) {
    return { ok: false, message: `${target.kind} ${target.namespace ?? ""}/${target.name} not found` };
  }
  const wanted = mountedNames(sessionConfig);
  const fromTemplate = templateVolumes(workload.object).filter((v) => wanted.has(String(v.name)));
  const object = workload.object;
  if (object.kind === "StatefulSet") {
    const replicas = object.spec?.replicas ?? 1;
    // Pods are start … start+replicas−1 (`spec.ordinals.start`, 0 when unset), as the StatefulSet names them.
    const start = Math.max(0, object.spec?.ordinals?.start ?? 0);
    const claims = asRecords(object.spec?.volumeClaimTemplates)
      .map((t) => String(asRecord(t.metadata)?.name ?? ""))
      .filter((name) => wanted.has(name));
    return {
      ok: true,
      value: Array.from({ length: replicas }, (_, index) => start + index).map((ordinal) => ({
        componentName: `dump-pod-${ordinal}`,
        podOrdinal: ordinal,
        volumes: [
          ...fromTemplate,
          ...claims.map((name) => ({
            name,
            persistentVolumeClaim: { claimName: `${name}-${object.metadata.name}-${ordinal}` },
          })),
        ],
      })),
    };
  }
  if (object.kind === "DaemonSet") {
    const nodes = [
      ...new Set(workload.pods.map((p) => p.spec?.nodeName).filter((n): n is string => !!n)),
    ].sort();
    if (nodes.length === 0) {
      return {
        ok: false,
        message: `DaemonSet ${object.metadata.namespace ?? ""}/${object.metadata.name} has no pod on any node`,
      };
    }
    return {
      ok: true,
      value: nodes.map((nodeName) => ({
        componentName: `dump-${nodeName}`,
        nodeName,
        volumes: fromTemplate,
      })),
    };
  }
  return { ok: true, value: [{ volumes: fromTemplate }] };
}
