import {
  ClusterCredentialsError,
  ClusterDisabledError,
  ClusterRegistryError,
  describeCause,
} from "../clusters/errors.ts";
import { type ClusterSelection, type RegisteredCluster, selectClusters } from "../clusters/registry.ts";
import {
  type ClusterFleetFacts,
  clusterFleetFacts,
  type FleetOptions,
  type FleetTotals,
} from "../decide/fleet/fleet.ts";
import type { KubeClient } from "../kube/client.ts";
import type { ClusterClients } from "../kube/cluster-clients.ts";
import { ForbiddenError, KubeError, UnavailableError } from "../kube/errors.ts";
import { KssError } from "../model/errors.ts";
import { parseRpoTarget } from "../model/rpo.ts";
import { toKubeTime } from "../model/time.ts";
import { type InvalidObjectFact, invalidOf, listOrNone, withTimeout } from "./cluster-reads.ts";
import { clusterWindows } from "./cluster-windows.ts";
import { mapWithConcurrency } from "./concurrency.ts";

/**
 * The fleet view (issue 9): every selected cluster of the registry read with six LISTs (BackupConfigurations,
 * BackupSessions, Snapshots, Repositories, BackupVerifiers, BackupVerificationSessions; all namespaces, pages
 * of 500; a cluster without the verification CRDs answers 404 to the last two, which is no verifications, not
 * a cluster error: docs/verification.md#visibility), at most `concurrency` clusters at once, each under its own timeout: a slow or stopped cluster is reported `reachable: false` with the reason
 * when its time is up, and never holds the others. The facts come from shared/decide/fleet/fleet.ts.
 */

export const DEFAULT_CLUSTER_TIMEOUT_MS = 10_000;
export const DEFAULT_FLEET_CONCURRENCY = 8;

/**
 * Transport settings for the clients of a fleet query: two attempts that together fit in the cluster's
 * timeout, so that requests still in flight when it is up end soon after (and closing the clients is quick).
 */
export function fleetTransportOptions(clusterTimeoutMs: number = DEFAULT_CLUSTER_TIMEOUT_MS) {
  return { timeoutMs: Math.max(250, Math.ceil(clusterTimeoutMs / 2)), maxAttempts: 2, backoffMs: 50 };
}

export interface FleetStatusDeps {
  clusters: ClusterClients;
  /** Clusters read at once. */
  concurrency?: number;
  /** Time each cluster has to answer all its LISTs. */
  clusterTimeoutMs?: number;
}

export type { InvalidObjectFact } from "./cluster-reads.ts";

export interface ClusterHead {
  id: string;
  displayName?: string;
  labels?: Record<string, string>;
  /** The kubectl invocation that reaches this cluster, e.g. `kubectl --kubeconfig /path/kubeconfig`. */
  kubectl: string;
  /** How long the cluster took to answer (or to fail). */
  elapsedMs: number;
}

export type ReachableCluster = ClusterHead &
  ClusterFleetFacts & {
    reachable: true;
    /** HTTP requests this query sent to the cluster (LIST pages and retries). */
    requests: number;
    invalidObjects: InvalidObjectFact[];
  };

export type UnreachableCluster = ClusterHead & {
  reachable: false;
  /** `enabled: false` in the registry: skipped on purpose, not a failure. */
  disabled: boolean;
  error: string;
  /** What kind of failure: see {@link ErrorKind}. */
  errorKind: ErrorKind;
};

export type ClusterFleetStatus = ReachableCluster | UnreachableCluster;

/**
 * The error family's class names, fixed here (bundles minify class names): refused, timed out or 5xx; denied
 * (RBAC, 401/403); another API error; credentials that could not be loaded; disabled or invalid in the
 * registry; another registry problem; anything else.
 */
export type ErrorKind =
  | "UnavailableError"
  | "ForbiddenError"
  | "KubeError"
  | "ClusterCredentialsError"
  | "ClusterDisabledError"
  | "ClusterRegistryError"
  | "UnexpectedError";

export function errorKindOf(error: unknown): ErrorKind {
  if (error instanceof UnavailableError) return "UnavailableError";
  if (error instanceof ForbiddenError) return "ForbiddenError";
  if (error instanceof KubeError) return "KubeError";
  if (error instanceof ClusterCredentialsError) return "ClusterCredentialsError";
  if (error instanceof ClusterDisabledError) return "ClusterDisabledError";
  if (error instanceof ClusterRegistryError) return "ClusterRegistryError";
  return "UnexpectedError";
}

/** The fleet's totals: the per-cluster counts added up, and how many clusters answered. */
export interface FleetSummary
  extends Pick<
    FleetTotals,
    | "configurations"
    | "overdue"
    | "failing"
    | "rpoBreached"
    | "rpoAtRisk"
    | "running"
    | "failures24h"
    | "retries24h"
    | "verificationsFailed"
  > {
  clusters: number;
  reachable: number;
  unreachable: number;
  disabled: number;
  /** Clusters where the KubeStash operator drives the sessions, and where its leftover webhook blocks them. */
  operatorPresent: number;
  leftoverWebhook: number;
}

export interface FleetStatus {
  now: string;
  clusters: ClusterFleetStatus[];
  summary: FleetSummary;
}

/** The selected clusters' fleet view at `now` (registry order). */
export async function fleetStatus(
  deps: FleetStatusDeps,
  selection: ClusterSelection,
  now: Date,
): Promise<FleetStatus> {
  const selected = selectClusters(deps.clusters.registry, selection);
  const timeoutMs = deps.clusterTimeoutMs ?? DEFAULT_CLUSTER_TIMEOUT_MS;
  const clusters = await mapWithConcurrency(
    selected,
    deps.concurrency ?? DEFAULT_FLEET_CONCURRENCY,
    (cluster) => clusterStatus(deps.clusters, cluster, now, timeoutMs),
  );
  return { now: toKubeTime(now), clusters, summary: fleetSummary(clusters) };
}

/**
 * True when the fleet needs attention: a schedule is overdue, an enabled cluster did not answer, a leftover
 * KubeStash webhook rejects every BackupSession of a cluster (docs/migration.md#the-leftover-webhook), or a
 * session's RPO risk is at its alarm level (docs/rpo.md#the-alarm).
 */
export function needsAttention(status: FleetStatus): boolean {
  const s = status.summary;
  return s.overdue > 0 || s.unreachable > 0 || s.leftoverWebhook > 0 || s.rpoAtRisk > 0;
}

/** The registry entry's RPO defaults (docs/rpo.md#targets); a bad value is refused when the registry loads. */
export function rpoDefaultsOf(cluster: Pick<RegisteredCluster, "entry">) {
  const text = cluster.entry?.rpoTarget;
  const targetMs = text === undefined ? undefined : parseRpoTarget(text);
  const alarmLevel = cluster.entry?.rpoAlarmLevel;
  return {
    ...(text !== undefined && targetMs !== undefined && targetMs > 0
      ? { targetMs, targetText: text.trim() }
      : {}),
    ...(alarmLevel !== undefined ? { alarmLevel } : {}),
  };
}

function clusterStatus(
  clients: ClusterClients,
  cluster: RegisteredCluster,
  now: Date,
  timeoutMs: number,
): Promise<ClusterFleetStatus> {
  return clusterReport(cluster, timeoutMs, () =>
    readCluster(clients, cluster.id, now, {
      rpo: rpoDefaultsOf(cluster),
      windows: clusterWindows(cluster.entry),
    }),
  );
}

/**
 * One cluster of a fleet-wide report (the fleet view, coverage): its head (id, name, labels, how to reach it
 * with kubectl), then what `read` found within the cluster's timeout — or why it could not be read: disabled in
 * the registry (elapsed 0), or the error and its kind. Never throws: one cluster down is that cluster's line.
 */
export async function clusterReport<R extends object>(
  cluster: RegisteredCluster,
  timeoutMs: number,
  read: () => Promise<R>,
): Promise<(ClusterHead & R & { reachable: true }) | UnreachableCluster> {
  const started = performance.now();
  const head = {
    id: cluster.id,
    ...(cluster.entry?.displayName ? { displayName: cluster.entry.displayName } : {}),
    ...(cluster.entry?.labels ? { labels: cluster.entry.labels } : {}),
    kubectl: kubectlFor(cluster),
  };
  const elapsedMs = () => Math.round(performance.now() - started);
  if (!cluster.enabled) {
    const error = new ClusterDisabledError(cluster.id, cluster.error);
    const disabled = cluster.error === undefined;
    const errorKind = errorKindOf(error);
    return { ...head, elapsedMs: 0, reachable: false, disabled, error: error.message, errorKind };
  }
  try {
    const found = await withTimeout(read(), timeoutMs, cluster.id);
    return { ...head, elapsedMs: elapsedMs(), reachable: true as const, ...found };
  } catch (error) {
    const errorKind = errorKindOf(error);
    const message = error instanceof KssError ? error.message : `[${cluster.id}] ${describeCause(error)}`;
    return { ...head, elapsedMs: elapsedMs(), reachable: false, disabled: false, error: message, errorKind };
  }
}

async function readCluster(clients: ClusterClients, id: string, now: Date, options: FleetOptions) {
  const client = await clients.client(id);
  const before = client.requestStats.requests;
  const [configurations, sessions, snapshots, repositories, verifiers, verificationSessions] =
    await Promise.all([
      client.list("BackupConfiguration"),
      client.list("BackupSession"),
      client.list("Snapshot"),
      client.list("Repository"),
      listOrNone(client, "BackupVerifier"),
      listOrNone(client, "BackupVerificationSession"),
    ]);
  const facts = clusterFleetFacts(
    {
      configurations: configurations.items,
      sessions: sessions.items,
      snapshots: snapshots.items,
      repositories: repositories.items,
      verifiers: verifiers.items,
      verificationSessions: verificationSessions.items,
    },
    now,
    options,
  );
  const invalidObjects = [
    ...invalidOf("BackupConfiguration", configurations),
    ...invalidOf("BackupSession", sessions),
    ...invalidOf("Snapshot", snapshots),
    ...invalidOf("Repository", repositories),
    ...invalidOf("BackupVerifier", verifiers),
    ...invalidOf("BackupVerificationSession", verificationSessions),
  ];
  return { ...facts, requests: requestsSince(client, before), invalidObjects };
}

function requestsSince(client: KubeClient, before: number): number {
  return client.requestStats.requests - before;
}

const SHELL_SAFE = /^[\w@%+=:,./-]+$/;
const quote = (word: string) => (SHELL_SAFE.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`);

/**
 * How a person reaches the cluster with kubectl: its kubeconfig file (and context) for `kubeconfig`
 * credentials, else a context named after the cluster id (e.g. after `aws eks update-kubeconfig --alias <id>`).
 */
export function kubectlFor(cluster: RegisteredCluster): string {
  const credentials = cluster.entry?.credentials;
  if (credentials?.source !== "kubeconfig") return `kubectl --context ${quote(cluster.id)}`;
  const context = credentials.context ? ` --context ${quote(credentials.context)}` : "";
  return `kubectl --kubeconfig ${quote(credentials.path)}${context}`;
}

export function fleetSummary(clusters: readonly ClusterFleetStatus[]): FleetSummary {
  const reachable = clusters.filter((c): c is ReachableCluster => c.reachable);
  const sum = (f: (c: ReachableCluster) => number) => reachable.reduce((total, c) => total + f(c), 0);
  return {
    clusters: clusters.length,
    reachable: reachable.length,
    unreachable: clusters.filter((c) => !c.reachable && !c.disabled).length,
    disabled: clusters.filter((c) => !c.reachable && c.disabled).length,
    operatorPresent: reachable.filter((c) => c.operator?.state === "present").length,
    leftoverWebhook: reachable.filter((c) => c.operator?.state === "leftover-webhook").length,
    configurations: sum((c) => c.totals.configurations),
    overdue: sum((c) => c.totals.overdue),
    failing: sum((c) => c.totals.failing),
    rpoBreached: sum((c) => c.totals.rpoBreached),
    rpoAtRisk: sum((c) => c.totals.rpoAtRisk),
    running: sum((c) => c.totals.running),
    failures24h: sum((c) => c.totals.failures24h),
    retries24h: sum((c) => c.totals.retries24h),
    verificationsFailed: sum((c) => c.totals.verificationsFailed),
  };
}
