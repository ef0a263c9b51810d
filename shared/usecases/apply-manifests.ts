import type { RegisteredCluster } from "../clusters/registry.ts";
import { type ApplyResult, classifyApply, type FieldChange } from "../decide/manifests/apply-outcome.ts";
import type { KubeClient } from "../kube/client.ts";
import { ConflictError, UnavailableError } from "../kube/errors.ts";
import { type FieldIssue, KssError } from "../model/errors.ts";
import { RESOURCE_KINDS } from "../model/index.ts";
import { mapWithConcurrency } from "./concurrency.ts";

/**
 * `kss apply`: the same objects applied to many clusters with Kubernetes server-side apply under our field
 * manager, never forced. Per object: read the live object, apply (or the server's dry run of it), classify
 * with decide/manifests/apply-outcome.ts; on a field-manager conflict, a forced dry run shows what the file would
 * change, and nothing is written. Clusters run in parallel (bounded), each failing alone: a cluster that
 * cannot be reached is reported and its remaining objects are not tried; the other clusters go on.
 */

/** Our field manager: the owner of every field `kss apply` sets. */
export const FIELD_MANAGER = "kubestash-serverless";

/** The kinds `kss apply` rolls out: policies and configuration, never runtime objects (sessions, snapshots). */
export const APPLY_KINDS = ["BackupConfiguration", "RetentionPolicy", "BackupStorage", "Repository"] as const;
export type ApplyKind = (typeof APPLY_KINDS)[number];

export function isApplyKind(kind: unknown): kind is ApplyKind {
  return APPLY_KINDS.some((k) => k === kind);
}

/** One object of the file, as written (not defaulted), with the namespace it goes to. */
export interface ApplyTarget {
  kind: ApplyKind;
  namespace: string;
  name: string;
  object: Record<string, unknown>;
}

/** Metadata the server sets; a file saved with `kubectl get -o yaml` carries it, an apply must not. */
const SERVER_METADATA = [
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "managedFields",
  "selfLink",
];

/**
 * What `kss apply` sends for one validated object: the object as written, in its namespace (or
 * `defaultNamespace`), without status and server-set metadata; or why it is not applied (another kind).
 */
export function applyTargetOf(
  object: Record<string, unknown>,
  defaultNamespace: string,
): { target: ApplyTarget } | { issue: FieldIssue } {
  const { kind, metadata, status: _status, ...rest } = object;
  if (!isApplyKind(kind)) {
    const message = `kss apply rolls out ${APPLY_KINDS.join(", ")}; not ${String(object.apiVersion)} ${String(kind)}`;
    return { issue: { path: "kind", message } };
  }
  const { apiVersion } = RESOURCE_KINDS[kind];
  if (object.apiVersion !== apiVersion) {
    return { issue: { path: "apiVersion", message: `${kind} is ${apiVersion}` } };
  }
  const meta = typeof metadata === "object" && metadata !== null ? { ...metadata } : {};
  const written = meta as Record<string, unknown>;
  for (const field of SERVER_METADATA) delete written[field];
  const name = typeof written.name === "string" ? written.name : "";
  const namespace = typeof written.namespace === "string" ? written.namespace : defaultNamespace;
  const body = { ...rest, kind, metadata: { ...written, namespace } };
  return { target: { kind, namespace, name, object: body } };
}

export type ObjectResult = ApplyResult | "failed";

export interface ObjectApplyReport {
  kind: ApplyKind;
  namespace: string;
  name: string;
  result: ObjectResult;
  /** Field by field (changed, drifted, conflict). */
  changes?: FieldChange[];
  /** Other field managers owning changed fields (drifted, conflict). */
  managers?: string[];
  /** The API server's message (conflict, drifted, failed). */
  error?: string;
}

export interface ClusterApplyReport {
  clusterId: string;
  /** applied: every object was tried; failed: the cluster could not be used; skipped: disabled in the registry. */
  status: "applied" | "failed" | "skipped";
  error?: string;
  objects: ObjectApplyReport[];
}

export interface ApplyManifestsReport {
  dryRun: boolean;
  fieldManager: string;
  /** False when a cluster failed or an object failed, conflicted or drifted. */
  ok: boolean;
  clusters: ClusterApplyReport[];
}

export interface ApplyManifestsDeps {
  /** A client per registered cluster (shared/kube/cluster-clients.ts). */
  clients: { client(id: string): Promise<KubeClient> };
  /** Clusters worked on at once. */
  concurrency?: number;
}

export interface ApplyManifestsOptions {
  dryRun: boolean;
  fieldManager?: string;
}

function report(
  target: ApplyTarget,
  outcome: { result: ObjectResult; changes?: FieldChange[]; managers?: string[] },
  error?: string,
): ObjectApplyReport {
  const { kind, namespace, name } = target;
  const { result, changes = [], managers = [] } = outcome;
  return {
    kind,
    namespace,
    name,
    result,
    ...(changes.length > 0 && { changes }),
    ...(managers.length > 0 && { managers }),
    ...(error !== undefined && { error }),
  };
}

async function applyObject(
  client: KubeClient,
  target: ApplyTarget,
  options: Required<ApplyManifestsOptions>,
): Promise<ObjectApplyReport> {
  const { kind, namespace, name, object } = target;
  const { fieldManager, dryRun } = options;
  const before = await client.find(kind, namespace, name);
  try {
    const after = await client.patch(kind, namespace, name, object, { type: "apply", fieldManager, dryRun });
    return report(target, classifyApply({ before, after, conflicted: false, fieldManager }));
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    const forced = await client.patch(kind, namespace, name, object, {
      type: "apply",
      fieldManager,
      force: true,
      dryRun: true,
    });
    return report(
      target,
      classifyApply({ before, after: forced, conflicted: true, fieldManager }),
      error.message,
    );
  }
}

function messageOf(error: unknown): string {
  if (error instanceof KssError) return error.message;
  return `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
}

/** Errors that end the whole cluster: it cannot be reached (or its credentials cannot be made). */
function endsCluster(error: unknown): boolean {
  return error instanceof UnavailableError || !(error instanceof KssError);
}

async function applyToCluster(
  deps: ApplyManifestsDeps,
  cluster: RegisteredCluster,
  targets: readonly ApplyTarget[],
  options: Required<ApplyManifestsOptions>,
): Promise<ClusterApplyReport> {
  const clusterId = cluster.id;
  if (!cluster.enabled && cluster.error === undefined) {
    return { clusterId, status: "skipped", error: "disabled in the registry (enabled: false)", objects: [] };
  }
  let client: KubeClient;
  try {
    client = await deps.clients.client(clusterId);
  } catch (error) {
    return { clusterId, status: "failed", error: messageOf(error), objects: [] };
  }
  const objects: ObjectApplyReport[] = [];
  for (const target of targets) {
    try {
      objects.push(await applyObject(client, target, options));
    } catch (error) {
      if (endsCluster(error)) return { clusterId, status: "failed", error: messageOf(error), objects };
      objects.push(report(target, { result: "failed" }, messageOf(error)));
    }
  }
  return { clusterId, status: "applied", objects };
}

const OBJECT_PROBLEMS: ReadonlySet<ObjectResult> = new Set(["failed", "conflict", "drifted"]);

/** Applies `targets`, in order, to each cluster; one report per cluster, in the order given. */
export async function applyManifests(
  deps: ApplyManifestsDeps,
  clusters: readonly RegisteredCluster[],
  targets: readonly ApplyTarget[],
  options: ApplyManifestsOptions,
): Promise<ApplyManifestsReport> {
  const resolved = { dryRun: options.dryRun, fieldManager: options.fieldManager ?? FIELD_MANAGER };
  const reports = await mapWithConcurrency(clusters, deps.concurrency ?? 4, (cluster) =>
    applyToCluster(deps, cluster, targets, resolved),
  );
  const ok = reports.every(
    (c) => c.status !== "failed" && c.objects.every((o) => !OBJECT_PROBLEMS.has(o.result)),
  );
  return { dryRun: resolved.dryRun, fieldManager: resolved.fieldManager, ok, clusters: reports };
}
