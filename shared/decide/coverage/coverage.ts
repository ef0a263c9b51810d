import type { BackupConfiguration } from "../../model/backup-configuration.ts";
import type { Deployment } from "../../model/deployment.ts";
import type { Namespace } from "../../model/kube-event.ts";
import type { PersistentVolumeClaim } from "../../model/persistent-volume-claim.ts";
import type { DaemonSet, StatefulSet } from "../../model/workload.ts";
import {
  claimTemplateNames,
  mountedClaims,
  podsText,
  replicasOf,
  templateClaimOf,
  type Workload,
  type WorkloadKind,
} from "./claims.ts";
import { namespaceExclusion, OPTED_OUT_WHY, optedOut } from "./exclusions.ts";
import {
  type ConfigurationRef,
  type ConfigurationTargets,
  configurationTargets,
  INSTANCE_LABEL,
  namespacedKey,
  workloadKey,
} from "./targets.ts";

/**
 * One cluster's coverage (docs/coverage.md#the-rules): for every namespace, PersistentVolumeClaim and workload that
 * holds data, whether a BackupConfiguration covers it, and why not. A PVC is covered when it is a target, or when
 * a covered workload mounts it (a StatefulSet's claims `<template>-<sts>-<n>` for n below its replicas); a workload
 * when it is a target; a namespace when everything in it that holds data is covered. A paused configuration
 * still covers (`covered-paused`). Excluded: system namespaces, the registry's `coverage.excludeNamespaces`, and
 * objects labelled `serverless.kubestash.com/backup: "false"`. A cluster without any BackupConfiguration is an
 * item of its own.
 */

export type CoverageKind = "Cluster" | "Namespace" | WorkloadKind | "PersistentVolumeClaim";

/**
 * `uncovered`: holds data no configuration covers; `covered`: some active configuration covers it;
 * `covered-paused`: only paused ones do; `excluded`: marked (or known) as not needing backup; `no-data`: a
 * namespace with nothing in it that holds data.
 */
export type CoverageState = "uncovered" | "covered" | "covered-paused" | "excluded" | "no-data";

export interface CoverageItem {
  kind: CoverageKind;
  /** "" for the Cluster item. */
  namespace: string;
  /** "" for the Cluster item. */
  name: string;
  state: CoverageState;
  /** One sentence: why it is (not) covered. */
  why: string;
  /** The configurations that cover it (covered and covered-paused only). */
  coveredBy?: ConfigurationRef[];
  /** A PVC covered through a workload target: that workload. */
  via?: { kind: WorkloadKind; name: string };
}

export interface ClusterCoverageInput {
  namespaces: readonly Namespace[];
  persistentVolumeClaims: readonly PersistentVolumeClaim[];
  deployments: readonly Deployment[];
  statefulSets: readonly StatefulSet[];
  daemonSets: readonly DaemonSet[];
  configurations: readonly BackupConfiguration[];
}

/** The registry entry's `coverage` settings. */
export interface CoverageExclusions {
  excludeNamespaces?: readonly string[];
}

export interface CoverageTotals {
  /** Items `uncovered`, the Cluster item included. */
  uncovered: number;
  covered: number;
  coveredPaused: number;
  excluded: number;
  /** Namespaces `uncovered`, and among them those that hold no BackupConfiguration at all. */
  namespacesUncovered: number;
  namespacesWithoutConfiguration: number;
}

export interface ClusterCoverage {
  /** BackupConfigurations in the cluster; 0 makes the Cluster item. */
  configurations: number;
  /** Configurations that back up manifests (no data): targetless ones (the cluster), Namespace targets. */
  manifests: {
    cluster: ConfigurationRef[];
    namespaces: Array<{ namespace: string; configurations: ConfigurationRef[] }>;
  };
  /** Cluster item first, then per namespace (by name): the Namespace, its workloads, its PVCs. */
  items: CoverageItem[];
  totals: CoverageTotals;
}

const WORKLOAD_ORDER: Record<WorkloadKind, number> = { StatefulSet: 0, Deployment: 1, DaemonSet: 2 };

const refText = (r: ConfigurationRef) => `${r.namespace}/${r.name}`;

/** A list of names for a sentence: at most three, then "and N more". */
function some(names: readonly string[]): string {
  if (names.length <= 3) return names.join(", ");
  return `${names.slice(0, 3).join(", ")} and ${names.length - 3} more`;
}

/** `covered` or `covered-paused` with the sentence that says by what. */
function coveredItem(
  base: Pick<CoverageItem, "kind" | "namespace" | "name">,
  refs: readonly ConfigurationRef[],
  via?: { kind: WorkloadKind; name: string },
): CoverageItem {
  const unique = [...new Map(refs.map((r) => [refText(r), r])).values()];
  const active = unique.filter((r) => !r.paused);
  const through = via ? ` through ${via.kind} ${via.name}` : "";
  const item: CoverageItem = {
    ...base,
    state: active.length > 0 ? "covered" : "covered-paused",
    why:
      active.length > 0
        ? `backed up by ${some(active.map(refText))}${through}`
        : `covered (paused): ${some(unique.map(refText))} ${unique.length === 1 ? "is" : "are"} paused${through}`,
    coveredBy: unique,
  };
  if (via) item.via = via;
  return item;
}

interface NamespaceObjects {
  namespace: string;
  labels: Record<string, string> | undefined;
  claims: PersistentVolumeClaim[];
  workloads: Workload[];
  statefulSets: StatefulSet[];
}

function byNamespace(input: ClusterCoverageInput): NamespaceObjects[] {
  const map = new Map<string, NamespaceObjects>();
  const at = (namespace: string) => {
    let entry = map.get(namespace);
    if (!entry) {
      entry = { namespace, labels: undefined, claims: [], workloads: [], statefulSets: [] };
      map.set(namespace, entry);
    }
    return entry;
  };
  for (const ns of input.namespaces) at(ns.metadata.name).labels = ns.metadata.labels ?? {};
  for (const pvc of input.persistentVolumeClaims) at(pvc.metadata.namespace ?? "default").claims.push(pvc);
  for (const w of [...input.statefulSets, ...input.deployments, ...input.daemonSets]) {
    const entry = at(w.metadata.namespace ?? "default");
    entry.workloads.push(w);
    if (w.kind === "StatefulSet") entry.statefulSets.push(w);
  }
  return [...map.values()].sort((a, b) => a.namespace.localeCompare(b.namespace));
}

/** The application targets (other kinds) whose instance label the object carries. */
function applicationRefs(
  targets: ConfigurationTargets,
  namespace: string,
  labels: Record<string, string> | undefined,
): ConfigurationRef[] {
  const instance = labels?.[INSTANCE_LABEL];
  if (!instance) return [];
  return (targets.applications.get(namespacedKey(namespace, instance)) ?? []).map(
    ({ kind: _, ...ref }) => ref,
  );
}

/** The items of one namespace that may need backup: its Namespace item first. */
function namespaceItems(
  objects: NamespaceObjects,
  targets: ConfigurationTargets,
  exclusions: CoverageExclusions,
): CoverageItem[] {
  const { namespace } = objects;
  const excludedWhy = namespaceExclusion(namespace, objects.labels, exclusions.excludeNamespaces);
  if (excludedWhy !== undefined)
    return [{ kind: "Namespace", namespace, name: namespace, state: "excluded", why: excludedWhy }];

  const claimByName = new Map(objects.claims.map((c) => [c.metadata.name, c]));
  const claimOptedOut = (name: string) => optedOut(claimByName.get(name)?.metadata.labels);
  const items: CoverageItem[] = [];

  // Workloads: those that hold data (a claim template, or a mounted claim not marked as needing no backup).
  const workloadState = new Map<Workload, CoverageItem>();
  /** Claim name → the workloads whose pods mount it. */
  const mountedBy = new Map<string, Workload[]>();
  for (const w of objects.workloads) {
    const base = { kind: w.kind, namespace, name: w.metadata.name };
    const templates = claimTemplateNames(w);
    const claims = mountedClaims(w);
    for (const c of claims) mountedBy.set(c, [...(mountedBy.get(c) ?? []), w]);
    const holdsData = templates.length > 0 || claims.some((c) => !claimOptedOut(c));
    if (!holdsData) continue;
    let item: CoverageItem;
    const refs = [
      ...(targets.workloads.get(workloadKey(w.kind, namespace, w.metadata.name)) ?? []),
      ...applicationRefs(targets, namespace, w.metadata.labels),
    ];
    if (refs.length > 0) item = coveredItem(base, refs);
    else if (optedOut(w.metadata.labels)) item = { ...base, state: "excluded", why: OPTED_OUT_WHY };
    else {
      const data = templates.length > 0 ? `claim templates ${some(templates)}` : `PVC ${some(claims)}`;
      item = {
        ...base,
        state: "uncovered",
        why: `no BackupConfiguration targets it; it holds data (${data})`,
      };
    }
    workloadState.set(w, item);
    items.push(item);
  }
  const isCovered = (item: CoverageItem | undefined) =>
    item?.state === "covered" || item?.state === "covered-paused";

  for (const pvc of objects.claims) {
    const name = pvc.metadata.name;
    const base = { kind: "PersistentVolumeClaim" as const, namespace, name };
    const direct = [
      ...(targets.claims.get(namespacedKey(namespace, name)) ?? []),
      ...applicationRefs(targets, namespace, pvc.metadata.labels),
    ];
    const mounting = mountedBy.get(name) ?? [];
    const coveredMounting = mounting.filter((w) => isCovered(workloadState.get(w)));
    if (direct.length > 0) {
      items.push(coveredItem(base, direct));
      continue;
    }
    const first = coveredMounting[0];
    if (first) {
      const refs = coveredMounting.flatMap((w) => workloadState.get(w)?.coveredBy ?? []);
      items.push(coveredItem(base, refs, { kind: first.kind, name: first.metadata.name }));
      continue;
    }
    const owner = pvc.metadata.ownerReferences?.find((o) => o.kind === "Pod");
    if (optedOut(pvc.metadata.labels)) {
      items.push({ ...base, state: "excluded", why: OPTED_OUT_WHY });
    } else if (owner) {
      items.push({
        ...base,
        state: "excluded",
        why: `an ephemeral volume of Pod ${owner.name} (deleted with it)`,
      });
    } else if (mounting.length > 0 && mounting.every((w) => workloadState.get(w)?.state === "excluded")) {
      const names = mounting.map((w) => `${w.kind} ${w.metadata.name}`);
      items.push({ ...base, state: "excluded", why: `mounted only by ${some(names)}, ${OPTED_OUT_WHY}` });
    } else if (mounting.length > 0) {
      const names = mounting.map((w) => `${w.kind} ${w.metadata.name}`);
      items.push({
        ...base,
        state: "uncovered",
        why: `mounted by ${some(names)}, which no BackupConfiguration targets`,
      });
    } else {
      items.push({
        ...base,
        state: "uncovered",
        why: uncoveredClaimWhy(name, objects.statefulSets, workloadState),
      });
    }
  }

  items.sort((a, b) => {
    const rank = (i: CoverageItem) =>
      i.kind === "PersistentVolumeClaim" ? 3 : WORKLOAD_ORDER[i.kind as WorkloadKind];
    return rank(a) - rank(b) || a.name.localeCompare(b.name);
  });
  return [namespaceItem(namespace, items, targets), ...items];
}

/** A claim no workload mounts: a StatefulSet's claim beyond its replicas, or a claim nobody uses. */
function uncoveredClaimWhy(
  name: string,
  statefulSets: readonly StatefulSet[],
  workloadState: ReadonlyMap<Workload, CoverageItem>,
): string {
  const made = templateClaimOf(name, statefulSets);
  if (!made) return "no BackupConfiguration targets it, and no workload mounts it";
  const replicas = replicasOf(made.statefulSet);
  const sts = made.statefulSet.metadata.name;
  const range = podsText(made.statefulSet);
  const pods = replicas === 0 ? "it has no pods" : `it has ${replicas} (${range})`;
  const covered = workloadState.get(made.statefulSet);
  const backedUp =
    covered && covered.state !== "uncovered" && covered.state !== "excluded" && replicas > 0
      ? `; its backup reads the claims of ${range} only`
      : "";
  return `claim of StatefulSet ${sts}'s template ${made.template} for pod ${made.ordinal}, beyond its replicas: ${pods}${backedUp}`;
}

/** The Namespace item from its other items. */
function namespaceItem(
  namespace: string,
  items: readonly CoverageItem[],
  targets: ConfigurationTargets,
): CoverageItem {
  const base = { kind: "Namespace" as const, namespace, name: namespace };
  if (items.length === 0)
    return { ...base, state: "no-data", why: "holds no data: no PVC, no workload that mounts one" };
  const count = (state: CoverageState) => items.filter((i) => i.state === state).length;
  const uncovered = count("uncovered");
  const excluded = count("excluded");
  if (uncovered > 0) {
    const workloads = items.filter(
      (i) => i.state === "uncovered" && i.kind !== "PersistentVolumeClaim",
    ).length;
    const parts = [
      ...(workloads > 0 ? [`${workloads} workload${workloads === 1 ? "" : "s"}`] : []),
      ...(uncovered - workloads > 0
        ? [`${uncovered - workloads} PVC${uncovered - workloads === 1 ? "" : "s"}`]
        : []),
    ];
    const what = `${parts.join(" and ")} of ${items.length - excluded} holding data uncovered`;
    return {
      ...base,
      state: "uncovered",
      why: targets.namespacesWithConfiguration.has(namespace)
        ? what
        : `no BackupConfiguration in this namespace: ${what}`,
    };
  }
  if (excluded === items.length)
    return {
      ...base,
      state: "excluded",
      why: "everything in it that holds data is marked as not needing backup",
    };
  const paused = count("covered-paused");
  if (paused > 0)
    return {
      ...base,
      state: "covered-paused",
      why: `covered (paused): ${paused} of ${items.length - excluded} holding data only by paused configurations`,
    };
  return { ...base, state: "covered", why: `all ${items.length - excluded} holding data backed up` };
}

/** The coverage of one cluster from its objects and its registry entry's exclusions. */
export function clusterCoverage(
  input: ClusterCoverageInput,
  exclusions: CoverageExclusions = {},
): ClusterCoverage {
  const targets = configurationTargets(input.configurations);
  const namespaces = byNamespace(input);
  const items = namespaces.flatMap((objects) => namespaceItems(objects, targets, exclusions));
  if (input.configurations.length === 0) {
    const open = items.some((i) => i.kind === "Namespace" && i.state !== "excluded");
    items.unshift(
      open
        ? {
            kind: "Cluster",
            namespace: "",
            name: "",
            state: "uncovered",
            why: "no BackupConfiguration in the cluster",
          }
        : {
            kind: "Cluster",
            namespace: "",
            name: "",
            state: "excluded",
            why: "no BackupConfiguration, and every namespace is excluded",
          },
    );
  }
  const count = (state: CoverageState) => items.filter((i) => i.state === state).length;
  const uncoveredNamespaces = items.filter((i) => i.kind === "Namespace" && i.state === "uncovered");
  return {
    configurations: input.configurations.length,
    manifests: {
      cluster: targets.clusterManifests,
      namespaces: [...targets.namespaceManifests]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([namespace, configurations]) => ({ namespace, configurations })),
    },
    items,
    totals: {
      uncovered: count("uncovered"),
      covered: count("covered"),
      coveredPaused: count("covered-paused"),
      excluded: count("excluded"),
      namespacesUncovered: uncoveredNamespaces.length,
      namespacesWithoutConfiguration: uncoveredNamespaces.filter(
        (i) => !targets.namespacesWithConfiguration.has(i.namespace),
      ).length,
    },
  };
}
