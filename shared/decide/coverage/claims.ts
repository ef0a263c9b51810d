import type { Deployment } from "../../model/deployment.ts";
import type { DaemonSet, StatefulSet } from "../../model/workload.ts";
import { asRecord, asRecords } from "../session/session-job-meta.ts";

/**
 * The claims a workload's pods mount (docs/coverage.md#what-holds-data): the pod template's
 * `volumes[].persistentVolumeClaim.claimName`, and for a StatefulSet the claims of its `volumeClaimTemplates`,
 * `<template>-<statefulset>-<ordinal>` for the ordinals of its replicas (start … start+replicas−1, `start` its
 * `spec.ordinals.start`, 0 when unset; replicas 1 when unset),
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

/** A StatefulSet's first pod ordinal: `spec.ordinals.start`, 0 when unset. */
export function firstOrdinalOf(statefulSet: StatefulSet): number {
  return Math.max(0, statefulSet.spec?.ordinals?.start ?? 0);
}

/** The ordinals of a StatefulSet's pods, in order: start … start+replicas−1. */
export function ordinalsOf(statefulSet: StatefulSet): number[] {
  const start = firstOrdinalOf(statefulSet);
  return Array.from({ length: replicasOf(statefulSet) }, (_, i) => start + i);
}

/** The ordinals in words: "pods 3–5", "pod 3", "no pods". */
export function podsText(statefulSet: StatefulSet): string {
  const ordinals = ordinalsOf(statefulSet);
  const [first] = ordinals;
  const last = ordinals[ordinals.length - 1];
  if (first === undefined || last === undefined) return "no pods";
  return first === last ? `pod ${first}` : `pods ${first}–${last}`;
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
    const ordinals = ordinalsOf(workload);
    for (const template of claimTemplateNames(workload)) {
      for (const ordinal of ordinals)
        names.push(templateClaimName(template, workload.metadata.name, ordinal));
    }
  }
  return [...new Set(names)];
}
