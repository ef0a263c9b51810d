import type { Deployment } from "../../model/deployment.ts";
import type { DaemonSet, StatefulSet } from "../../model/workload.ts";
import { asRecord, asRecords } from "../session/session-job-meta.ts";

/**
 * The claims a workload's pods mount (docs/coverage.md#what-holds-data): the pod template's
 * `volumes[].persistentVolumeClaim.claimName`, and for a StatefulSet the claims of its `volumeClaimTemplates`,
 * `<template>-<statefulset>-<ordinal>` for the ordinals of its replicas (0 … replicas−1, replicas 1 when unset),
 * as Kubernetes names them and as the executor mounts them (shared/decide/session/executor-components.ts).
 */

export type Workload = Deployment | StatefulSet | DaemonSet;
export type WorkloadKind = Workload["kind"];

/** The volumes' claim names of the workload's pod template. */
export function templateVolumeClaims(workload: Workload): string[] {
  const volumes = asRecords(asRecord(asRecord(workload.spec?.template)?.spec)?.volumes);
  const names = volumes
    .map((v) => asRecord(v.persistentVolumeClaim)?.claimName)
    .filter((n): n is string => typeof n === "string" && n !== "");
  return [...new Set(names)];
}

/** The names of a StatefulSet's volumeClaimTemplates. */
export function claimTemplateNames(workload: Workload): string[] {
  if (workload.kind !== "StatefulSet") return [];
  return asRecords(workload.spec?.volumeClaimTemplates)
    .map((t) => asRecord(t.metadata)?.name)
    .filter((n): n is string => typeof n === "string" && n !== "");
}

/** How many pods a StatefulSet asks for: its replicas, 1 when unset (as Kubernetes defaults it). */
export function replicasOf(statefulSet: StatefulSet): number {
  return Math.max(0, statefulSet.spec?.replicas ?? 1);
}

/** The claim of a StatefulSet's template for one pod, as Kubernetes names it. */
export function templateClaimName(template: string, statefulSet: string, ordinal: number): string {
  return `${template}-${statefulSet}-${ordinal}`;
}

/** A claim made from a StatefulSet's template: which StatefulSet, which template, which pod ordinal. */
export interface TemplateClaim {
  statefulSet: StatefulSet;
  template: string;
  ordinal: number;
}

/** Reads `<template>-<statefulset>-<ordinal>` back against the StatefulSets of the claim's namespace. */
export function templateClaimOf(
  claim: string,
  statefulSets: readonly StatefulSet[],
): TemplateClaim | undefined {
  for (const statefulSet of statefulSets) {
    for (const template of claimTemplateNames(statefulSet)) {
      const prefix = `${template}-${statefulSet.metadata.name}-`;
      const rest = claim.slice(prefix.length);
      if (claim.startsWith(prefix) && /^(0|[1-9]\d*)$/.test(rest)) {
        return { statefulSet, template, ordinal: Number(rest) };
      }
    }
  }
  return undefined;
}

/** Every claim the workload's pods mount: its template's volumes and, for a StatefulSet, its pods' claims. */
export function mountedClaims(workload: Workload): string[] {
  const names = templateVolumeClaims(workload);
  if (workload.kind === "StatefulSet") {
    const replicas = replicasOf(workload);
    for (const template of claimTemplateNames(workload)) {
      for (let ordinal = 0; ordinal < replicas; ordinal++) {
        names.push(templateClaimName(template, workload.metadata.name, ordinal));
      }
    }
  }
  return [...new Set(names)];
}
