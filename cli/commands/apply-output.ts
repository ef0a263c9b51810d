import type { FieldChange } from "../../shared/decide/manifests/apply-outcome.ts";
import {
  type ApplyManifestsReport,
  type ClusterApplyReport,
  FIELD_MANAGER,
  type ObjectApplyReport,
} from "../../shared/usecases/apply-manifests.ts";
import { renderIndented, renderTable } from "../output.ts";

/**
 * The table `kss apply` prints: one row per cluster and object (one row for a cluster that failed before
 * any object, or was skipped), then the field changes of every changed, drifted or conflicting object,
 * then a summary. `--output json` prints the report itself.
 */

const MAX_VALUE = 120;

function describeValue(value: unknown): string {
  if (value === undefined) return "(unset)";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

export function describeChange(change: FieldChange): string {
  return `${change.path}: ${describeValue(change.before)} → ${describeValue(change.after)}`;
}

function objectName(object: ObjectApplyReport): string {
  return `${object.kind} ${object.namespace}/${object.name}`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function objectDetail(object: ObjectApplyReport): string {
  switch (object.result) {
    case "changed":
      return plural(object.changes?.length ?? 0, "field");
    case "drifted":
      return `not applied: changed since by ${object.managers?.join(", ") || "another field manager"}`;
    case "conflict":
      return `not applied: managed by ${object.managers?.join(", ") || "another field manager"}`;
    case "failed":
      return object.error ?? "";
    default:
      return "";
  }
}

function clusterRows(cluster: ClusterApplyReport): string[][] {
  const rows = cluster.objects.map((o) => [cluster.clusterId, objectName(o), o.result, objectDetail(o)]);
  if (cluster.status !== "applied") rows.push([cluster.clusterId, "-", cluster.status, cluster.error ?? ""]);
  return rows;
}

const TAKE_BACK = `kubectl apply --server-side --force-conflicts --field-manager=${FIELD_MANAGER}`;

const CHANGE_HEADINGS: Record<string, string> = {
  changed: "changes",
  drifted: `drifted, live → file (not applied: align the file, or take the fields back with ${TAKE_BACK})`,
  conflict: `conflict, live → file (not applied: another field manager owns these fields)`,
};

function changeSections(report: ApplyManifestsReport): string[] {
  return report.clusters.flatMap((cluster) =>
    cluster.objects
      .filter((o) => o.changes !== undefined && o.changes.length > 0)
      .map((o) => {
        const heading = CHANGE_HEADINGS[o.result] ?? o.result;
        const lines = (o.changes ?? []).map(describeChange);
        return `${cluster.clusterId} ${objectName(o)} ${heading}:\n${renderIndented(lines)}`;
      }),
  );
}

function countBy<T>(items: readonly T[], order: readonly string[], key: (item: T) => string): string {
  const counts = new Map<string, number>(order.map((name) => [name, 0]));
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts]
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `${count} ${name}`)
    .join(", ");
}

const CLUSTER_ORDER = ["applied", "failed", "skipped"];
const RESULT_ORDER = ["created", "changed", "unchanged", "drifted", "conflict", "failed"];

export function applySummary(report: ApplyManifestsReport): string {
  const byStatus = countBy(report.clusters, CLUSTER_ORDER, (c) => c.status);
  const objects = report.clusters.flatMap((c) => c.objects);
  const results =
    objects.length === 0
      ? "no object applied"
      : `objects: ${countBy(objects, RESULT_ORDER, (o) => o.result)}`;
  return `${plural(report.clusters.length, "cluster")}: ${byStatus}; ${results}`;
}

export function renderApplyTable(report: ApplyManifestsReport): string {
  const head = report.dryRun ? "DRY RUN (server-side, dryRun=All): nothing was changed.\n" : "";
  const table = renderTable(report.clusters.flatMap(clusterRows), {
    header: ["CLUSTER", "OBJECT", "RESULT", "DETAIL"],
  });
  const sections = changeSections(report);
  const changes = sections.length > 0 ? `\n${sections.join("")}` : "";
  return `${head}${table}${changes}\n${applySummary(report)}\n`;
}
