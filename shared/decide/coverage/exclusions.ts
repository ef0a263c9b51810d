import { BACKUP_LABEL, NO_BACKUP } from "../../model/labels.ts";

/**
 * What needs no backup (docs/coverage.md#exclusions): the namespaces Kubernetes and the managed platforms keep
 * for themselves, namespaces the registry entry lists (`coverage.excludeNamespaces`), and any Namespace,
 * PersistentVolumeClaim or workload labelled `serverless.kubestash.com/backup: "false"`.
 */

/** Namespaces of the cluster's own machinery, left out by default. */
export const SYSTEM_NAMESPACES: ReadonlySet<string> = new Set([
  "kube-system",
  "kube-public",
  "kube-node-lease",
  "openshift",
  "gmp-system",
  "gmp-public",
]);
/** Prefixes of namespaces a managed platform makes for itself (OpenShift's `openshift-*`, GKE's `gke-*`). */
export const SYSTEM_NAMESPACE_PREFIXES: readonly string[] = ["openshift-", "gke-"];

export function isSystemNamespace(name: string): boolean {
  return SYSTEM_NAMESPACES.has(name) || SYSTEM_NAMESPACE_PREFIXES.some((p) => name.startsWith(p));
}

/** True when the object's labels mark it as not needing backup. */
export function optedOut(labels: Readonly<Record<string, string>> | undefined): boolean {
  return labels?.[BACKUP_LABEL] === NO_BACKUP;
}

export const OPTED_OUT_WHY = `labelled ${BACKUP_LABEL}=${NO_BACKUP}`;

/** Why a namespace needs no backup, or undefined when it may. */
export function namespaceExclusion(
  name: string,
  labels: Readonly<Record<string, string>> | undefined,
  excludeNamespaces: readonly string[] = [],
): string | undefined {
  if (isSystemNamespace(name)) return "system namespace";
  if (excludeNamespaces.includes(name)) return "listed in the registry's coverage.excludeNamespaces";
  if (optedOut(labels)) return OPTED_OUT_WHY;
  return undefined;
}
