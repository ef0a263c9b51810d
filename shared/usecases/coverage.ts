import { type ClusterSelection, type RegisteredCluster, selectClusters } from "../clusters/registry.ts";
import { type ClusterCoverage, clusterCoverage } from "../decide/coverage/coverage.ts";
import type { ClusterClients } from "../kube/cluster-clients.ts";
import { toKubeTime } from "../model/time.ts";
import { invalidOf, listOrNone } from "./cluster-reads.ts";
import { mapWithConcurrency } from "./concurrency.ts";
import {
  type ClusterHead,
  clusterReport,
  DEFAULT_CLUSTER_TIMEOUT_MS,
  DEFAULT_FLEET_CONCURRENCY,
  type InvalidObjectFact,
  type UnreachableCluster,
} from "./fleet-status.ts";

/**
 * Coverage across the fleet (`kss coverage`, the dashboard's `/api/coverage`; docs/coverage.md#reading-a-cluster):
 * every selected cluster of the registry read with six LISTs (Namespaces, PersistentVolumeClaims, Deployments,
 * StatefulSets, DaemonSets, BackupConfigurations; all namespaces, pages of 500), at most `concurrency` clusters
 * at once, each under its own timeout; a cluster that does not answer is reported `reachable: false` with the
 * reason and the others are still read. A cluster without KubeStash's CRDs answers 404 to BackupConfigurations:
 * no configuration, not an error. The items come from shared/decide/coverage/coverage.ts, with the registry
 * entry's `coverage.excludeNamespaces`.
 */

export interface CoverageDeps {
  clusters: ClusterClients;
  /** Clusters read at once. */
  concurrency?: number;
  /** Time each cluster has to answer all its LISTs. */
  clusterTimeoutMs?: number;
}

export type ReachableClusterCoverage = ClusterHead &
  ClusterCoverage & {
    reachable: true;
    /** The registry entry's `coverage.excludeNamespaces` this cluster was judged with. */
    excludeNamespaces: string[];
    /** HTTP requests sent to the cluster (LIST pages and retries). */
    requests: number;
    /** Objects the cluster holds that do not match the model: left out of the judgement, named here. */
    invalidObjects: InvalidObjectFact[];
  };

/** A cluster that could not be read: disabled in the registry, or the error and its kind. */
export type UnreachableClusterCoverage = UnreachableCluster;

export type ClusterCoverageStatus = ReachableClusterCoverage | UnreachableClusterCoverage;

export interface CoverageSummary {
  clusters: number;
  reachable: number;
  unreachable: number;
  disabled: number;
  /** Reachable clusters without any BackupConfiguration (and a namespace that is not excluded). */
  clustersWithoutConfiguration: number;
  /** Uncovered items by kind, over the reachable clusters (the Cluster items are the line above). */
  uncovered: number;
  namespacesUncovered: number;
  persistentVolumeClaimsUncovered: number;
  workloadsUncovered: number;
  covered: number;
  coveredPaused: number;
  excluded: number;
}

export interface CoverageReport {
  /** When the clusters were read (RFC 3339). */
  at: string;
  clusters: ClusterCoverageStatus[];
  summary: CoverageSummary;
}

/** The coverage of the selected clusters (registry order), read at `now`. */
export async function fleetCoverage(
  deps: CoverageDeps,
  selection: ClusterSelection,
  now: Date,
): Promise<CoverageReport> {
  const selected = selectClusters(deps.clusters.registry, selection);
  const timeoutMs = deps.clusterTimeoutMs ?? DEFAULT_CLUSTER_TIMEOUT_MS;
  const clusters = await mapWithConcurrency(
    selected,
    deps.concurrency ?? DEFAULT_FLEET_CONCURRENCY,
    (cluster) => clusterStatus(deps.clusters, cluster, timeoutMs),
  );
  return { at: toKubeTime(now), clusters, summary: coverageSummary(clusters) };
}

/**
 * True when something is not proven covered: an item is uncovered (a Cluster item included) or an enabled cluster
 * could not be read. A pipeline's gate (`kss coverage` exits 1).
 */
export function coverageIncomplete(report: CoverageReport): boolean {
  return report.summary.uncovered > 0 || report.summary.unreachable > 0;
}

function clusterStatus(
  clients: ClusterClients,
  cluster: RegisteredCluster,
  timeoutMs: number,
): Promise<ClusterCoverageStatus> {
  const excludeNamespaces = cluster.enabled ? [...(cluster.entry.coverage?.excludeNamespaces ?? [])] : [];
  return clusterReport(cluster, timeoutMs, async () => ({
    excludeNamespaces,
    ...(await readCluster(clients, cluster.id, excludeNamespaces)),
  }));
}

async function readCluster(clients: ClusterClients, id: string, excludeNamespaces: readonly string[]) {
  const client = await clients.client(id);
  const before = client.requestStats.requests;
  const [namespaces, claims, deployments, statefulSets, daemonSets, configurations] = await Promise.all([
    client.list("Namespace"),
    client.list("PersistentVolumeClaim"),
    client.list("Deployment"),
    client.list("StatefulSet"),
    client.list("DaemonSet"),
    // A cluster without KubeStash's CRDs has no BackupConfiguration (docs/coverage.md#reading-a-cluster).
    listOrNone(client, "BackupConfiguration"),
  ]);
  const coverage = clusterCoverage(
    {
      namespaces: namespaces.items,
      persistentVolumeClaims: claims.items,
      deployments: deployments.items,
      statefulSets: statefulSets.items,
      daemonSets: daemonSets.items,
      configurations: configurations.items,
    },
    { excludeNamespaces },
  );
  const invalidObjects = [
    ...invalidOf("Namespace", namespaces),
    ...invalidOf("PersistentVolumeClaim", claims),
    ...invalidOf("Deployment", deployments),
    ...invalidOf("StatefulSet", statefulSets),
    ...invalidOf("DaemonSet", daemonSets),
    ...invalidOf("BackupConfiguration", configurations),
  ];
  return { ...coverage, requests: client.requestStats.requests - before, invalidObjects };
}

export function coverageSummary(clusters: readonly ClusterCoverageStatus[]): CoverageSummary {
  const reachable = clusters.filter((c): c is ReachableClusterCoverage => c.reachable);
  const items = reachable.flatMap((c) => c.items);
  const uncovered = items.filter((i) => i.state === "uncovered");
  return {
    clusters: clusters.length,
    reachable: reachable.length,
    unreachable: clusters.filter((c) => !c.reachable && !c.disabled).length,
    disabled: clusters.filter((c) => !c.reachable && c.disabled).length,
    clustersWithoutConfiguration: uncovered.filter((i) => i.kind === "Cluster").length,
    uncovered: uncovered.length,
    namespacesUncovered: uncovered.filter((i) => i.kind === "Namespace").length,
    persistentVolumeClaimsUncovered: uncovered.filter((i) => i.kind === "PersistentVolumeClaim").length,
    workloadsUncovered: uncovered.filter(
      (i) => i.kind === "Deployment" || i.kind === "StatefulSet" || i.kind === "DaemonSet",
    ).length,
    covered: items.filter((i) => i.state === "covered").length,
    coveredPaused: items.filter((i) => i.state === "covered-paused").length,
    excluded: items.filter((i) => i.state === "excluded").length,
  };
}
