import type { RegisteredCluster } from "../clusters/registry.ts";
import {
  type ConfigurationPausePlan,
  type PauseDecision,
  type PauseRecord,
  type PauseRequest,
  type PauseScope,
  planPause,
  type UnreadableConfiguration,
} from "../decide/configuration/pause-plan.ts";
import { type InvalidObject, type KubeClient, retryOnConflict } from "../kube/client.ts";
import { ConflictError, NotFoundError, UnavailableError } from "../kube/errors.ts";
import type { BackupConfiguration } from "../model/backup-configuration.ts";
import { KssError } from "../model/errors.ts";
import { toKubeTime } from "../model/time.ts";
import { mapWithConcurrency } from "./concurrency.ts";
import { type ErrorKind, errorKindOf } from "./fleet-status.ts";

/**
 * `kss pause` / `kss resume` across clusters (docs/pause.md): per selected cluster of the registry, at most
 * `concurrency` at once, one LIST of the BackupConfigurations in scope (a namespace or all), the pure plan
 * (decide/configuration/pause-plan.ts), then one merge patch per configuration to pause or resume, setting
 * `spec.paused` and the record together with the resourceVersion read as precondition. A Conflict (the
 * configuration changed since the LIST) reads it again and plans again, a bounded number of times
 * (docs/pause.md#writes). A cluster that cannot be reached is reported with its error and the others are
 * done; a configuration the identity may not patch fails alone.
 */

/** The field manager of the patches: `kubectl get --show-managed-fields` names who set spec.paused. */
export const PAUSE_FIELD_MANAGER = "kss-pause";

/** Attempts of one configuration's write that meets Conflicts (a fresh read and plan before each retry). */
export const PAUSE_CONFLICT_ATTEMPTS = 3;

export interface PauseConfigurationsDeps {
  /** A client per registered cluster (shared/kube/cluster-clients.ts), with the user's credentials. */
  clients: { client(id: string): Promise<KubeClient> };
  /** Clusters worked on at once. */
  concurrency?: number;
  /** Writes in flight per cluster. */
  writeConcurrency?: number;
}

export interface PauseConfigurationsRequest extends PauseRequest {
  scope: PauseScope;
  /** The API server's dry run (dryRun=All) of every patch: checked and answered, nothing stored. */
  dryRun: boolean;
}

/** What happened to a configuration (with --dry-run: what would have). */
export type ConfigurationPauseResult =
  | "paused"
  | "resumed"
  | "already-paused"
  | "not-paused"
  | "skipped"
  | "failed";

export interface ConfigurationPauseReport {
  namespace: string;
  name: string;
  result: ConfigurationPauseResult;
  /**
   * paused: the record written; already-paused: the first pause's record (absent when it was paused without
   * kss); resumed: the record of the pause that was undone.
   */
  record?: PauseRecord;
  /** skipped: why. */
  why?: string;
  /** failed: the API server's answer. */
  error?: string;
  /** Writes sent (more than 1 after a Conflict). */
  attempts?: number;
}

export interface ClusterPauseReport {
  clusterId: string;
  /** done: every configuration in scope was decided and tried; failed: the cluster could not be used; skipped: disabled. */
  status: "done" | "failed" | "skipped";
  error?: string;
  errorKind?: ErrorKind;
  configurations: ConfigurationPauseReport[];
}

export interface PauseSummary {
  clusters: number;
  clustersFailed: number;
  clustersSkipped: number;
  paused: number;
  resumed: number;
  alreadyPaused: number;
  notPaused: number;
  skipped: number;
  failed: number;
}

export interface PauseConfigurationsReport {
  action: PauseRequest["action"];
  dryRun: boolean;
  by: string;
  reason?: string;
  at: string;
  /** False when a cluster or a configuration failed (kss exits 1). */
  ok: boolean;
  clusters: ClusterPauseReport[];
  summary: PauseSummary;
}

function messageOf(error: unknown): string {
  if (error instanceof KssError) return error.message;
  return `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
}

/** Errors that end the whole cluster: it cannot be reached (or its credentials cannot be made). */
function endsCluster(error: unknown): boolean {
  return error instanceof UnavailableError || !(error instanceof KssError);
}

function unreadableOf(bad: InvalidObject): UnreadableConfiguration {
  const meta = (bad.raw as { metadata?: { labels?: unknown } } | undefined)?.metadata;
  const labels = meta?.labels;
  const isLabels =
    typeof labels === "object" &&
    labels !== null &&
    Object.values(labels).every((v) => typeof v === "string");
  return {
    ...(bad.namespace ? { namespace: bad.namespace } : {}),
    name: bad.name,
    ...(isLabels ? { labels: labels as Record<string, string> } : {}),
    error: bad.error.message,
  };
}

/** The report of a decision that writes nothing. */
function unwritten(row: ConfigurationPausePlan): ConfigurationPauseReport | undefined {
  const base = { namespace: row.namespace, name: row.name };
  const d = row.decision;
  switch (d.result) {
    case "already-paused":
      return { ...base, result: "already-paused", ...(d.record ? { record: d.record } : {}) };
    case "not-paused":
      return d.patch ? undefined : { ...base, result: "not-paused" };
    case "skipped":
      return { ...base, result: "skipped", why: d.why };
    default:
      return undefined;
  }
}

function written(row: ConfigurationPausePlan, d: PauseDecision, attempts: number): ConfigurationPauseReport {
  const base = { namespace: row.namespace, name: row.name, attempts };
  if (d.result === "pause") return { ...base, result: "paused", record: d.record };
  if (d.result === "resume")
    return { ...base, result: "resumed", ...(d.pausedBy ? { record: d.pausedBy } : {}) };
  return unwritten({ ...row, decision: d }) ?? { ...base, result: "not-paused" };
}

/**
 * Writes one planned row: its patch with the resourceVersion read; on Conflict the configuration is read
 * again and decided again (it may have been paused by someone else meanwhile), at most
 * {@link PAUSE_CONFLICT_ATTEMPTS} writes.
 */
async function writeRow(
  client: KubeClient,
  row: ConfigurationPausePlan,
  request: PauseConfigurationsRequest,
): Promise<ConfigurationPauseReport> {
  const early = unwritten(row);
  if (early) return early;
  let decision = row.decision;
  let attempts = 0;
  return retryOnConflict(async (attempt) => {
    if (attempt > 1) {
      const fresh: BackupConfiguration | undefined = await client.find(
        "BackupConfiguration",
        row.namespace,
        row.name,
      );
      if (fresh === undefined)
        return { namespace: row.namespace, name: row.name, result: "skipped", why: "deleted meanwhile" };
      const replanned = planPause({ configurations: [fresh] }, request.scope, request)[0] ?? {
        ...row,
        decision: { result: "skipped", why: "moved out of the scope meanwhile" },
      };
      decision = replanned.decision;
      const now = unwritten(replanned);
      if (now) return { ...now, attempts };
    }
    const patch = "patch" in decision ? decision.patch : undefined;
    if (patch === undefined) return written(row, decision, attempts);
    attempts++;
    await client.patch("BackupConfiguration", row.namespace, row.name, patch, {
      type: "merge",
      fieldManager: PAUSE_FIELD_MANAGER,
      dryRun: request.dryRun,
    });
    return written(row, decision, attempts);
  }, PAUSE_CONFLICT_ATTEMPTS);
}

async function pauseInCluster(
  deps: PauseConfigurationsDeps,
  cluster: RegisteredCluster,
  request: PauseConfigurationsRequest,
): Promise<ClusterPauseReport> {
  const clusterId = cluster.id;
  if (!cluster.enabled && cluster.error === undefined)
    return {
      clusterId,
      status: "skipped",
      error: "disabled in the registry (enabled: false)",
      configurations: [],
    };
  const failed = (error: unknown, configurations: ConfigurationPauseReport[]): ClusterPauseReport => ({
    clusterId,
    status: "failed",
    error: messageOf(error),
    errorKind: errorKindOf(error),
    configurations,
  });
  let plan: ConfigurationPausePlan[];
  let client: KubeClient;
  try {
    client = await deps.clients.client(clusterId);
    const listed = await client.list(
      "BackupConfiguration",
      request.scope.namespace ? { namespace: request.scope.namespace } : {},
    );
    plan = planPause(
      { configurations: listed.items, unreadable: listed.invalid.map(unreadableOf) },
      request.scope,
      request,
    );
  } catch (error) {
    return failed(error, []);
  }
  const reports: ConfigurationPauseReport[] = [];
  let ended: unknown;
  const results = await mapWithConcurrency(plan, deps.writeConcurrency ?? 4, async (row) => {
    if (ended !== undefined) return undefined; // the cluster went away: the rest is not tried
    try {
      return await writeRow(client, row, request);
    } catch (error) {
      if (endsCluster(error)) {
        ended ??= error;
        return undefined;
      }
      const place = { namespace: row.namespace, name: row.name };
      if (error instanceof NotFoundError)
        return { ...place, result: "skipped" as const, why: "deleted meanwhile" };
      const message =
        error instanceof ConflictError
          ? `still changing after ${PAUSE_CONFLICT_ATTEMPTS} attempts: ${messageOf(error)}`
          : messageOf(error);
      return { ...place, result: "failed" as const, error: message };
    }
  });
  for (const r of results) if (r) reports.push(r);
  return ended === undefined
    ? { clusterId, status: "done", configurations: reports }
    : failed(ended, reports);
}

export function pauseSummary(clusters: readonly ClusterPauseReport[]): PauseSummary {
  const rows = clusters.flatMap((c) => c.configurations);
  const count = (result: ConfigurationPauseResult) => rows.filter((r) => r.result === result).length;
  return {
    clusters: clusters.length,
    clustersFailed: clusters.filter((c) => c.status === "failed").length,
    clustersSkipped: clusters.filter((c) => c.status === "skipped").length,
    paused: count("paused"),
    resumed: count("resumed"),
    alreadyPaused: count("already-paused"),
    notPaused: count("not-paused"),
    skipped: count("skipped"),
    failed: count("failed"),
  };
}

/** Pauses or resumes the configurations in scope on each cluster; one report per cluster, in the order given. */
export async function pauseConfigurations(
  deps: PauseConfigurationsDeps,
  clusters: readonly RegisteredCluster[],
  request: PauseConfigurationsRequest,
): Promise<PauseConfigurationsReport> {
  const reports = await mapWithConcurrency(clusters, deps.concurrency ?? 4, (cluster) =>
    pauseInCluster(deps, cluster, request),
  );
  const summary = pauseSummary(reports);
  const reason = request.reason?.trim();
  return {
    action: request.action,
    dryRun: request.dryRun,
    by: request.by.trim(),
    ...(reason ? { reason } : {}),
    at: toKubeTime(request.now),
    ok: summary.clustersFailed === 0 && summary.failed === 0,
    clusters: reports,
    summary,
  };
}
