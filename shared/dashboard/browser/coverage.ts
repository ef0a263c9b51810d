/// <reference lib="dom" />
import type { CoverageItem } from "../../decide/coverage/coverage.ts";
import type {
  ClusterCoverageStatus,
  CoverageReport,
  ReachableClusterCoverage,
} from "../../usecases/coverage.ts";
import { byId, el } from "./dom.ts";

/**
 * The Coverage page's browser script (docs/coverage.md#the-page; no framework): it fetches `api/coverage` with
 * the page's own query (`?cluster=`, `?selector=` pass through) and draws the summary as pills and one section
 * per cluster with its uncovered and paused items (every value goes in as text, never as HTML), or, with "show
 * every item" ticked, all of them; an unreachable cluster is marked with its reason. It fetches again every
 * `data-refresh` seconds (`?refresh=N` overrides). Types are the report's own, imported as types only.
 */

const query = new URLSearchParams(location.search);
const refresh = Number(query.get("refresh")) || Number(document.body.dataset.refresh) || 60;
const statusLine = byId("status");
const summary = byId("summary");
const clusters = byId("coverage");
const showAll = byId("show-all") as HTMLInputElement;
let last: CoverageReport | undefined;

const STATE_LABEL: Record<CoverageItem["state"], string> = {
  uncovered: "uncovered",
  "covered-paused": "covered (paused)",
  covered: "covered",
  excluded: "excluded",
  "no-data": "no data",
};

function itemRow(item: CoverageItem): HTMLTableRowElement {
  const row = el("tr", `item state-${item.state}`, [
    el("td", "", [el("span", `state state-${item.state}`, [STATE_LABEL[item.state]])]),
    el("td", "", [item.kind]),
    el("td", "", [item.namespace || "–"]),
    el("td", "name", [item.name || "–"]),
    el("td", "why", [item.why]),
  ]);
  row.dataset.kind = item.kind;
  row.dataset.namespace = item.namespace;
  row.dataset.name = item.name;
  row.dataset.state = item.state;
  return row;
}

const HEADINGS = ["State", "Kind", "Namespace", "Name", "Why"];

function reachableBody(cluster: ReachableClusterCoverage, section: HTMLElement): void {
  const t = cluster.totals;
  section.append(
    el("p", "muted", [
      `${cluster.configurations} BackupConfigurations · ${t.uncovered} uncovered · ${t.covered + t.coveredPaused} covered` +
        `${t.coveredPaused > 0 ? ` (${t.coveredPaused} paused)` : ""} · ${t.excluded} excluded · ` +
        `${cluster.requests} requests in ${cluster.elapsedMs} ms`,
    ]),
  );
  const manifests = cluster.manifests.cluster.map((r) => `${r.namespace}/${r.name}`);
  if (manifests.length > 0)
    section.append(
      el("p", "muted", [`cluster manifests (no volume data) backed up by ${manifests.join(", ")}`]),
    );
  const items = showAll.checked
    ? cluster.items
    : cluster.items.filter((i) => i.state === "uncovered" || i.state === "covered-paused");
  if (items.length === 0) {
    section.append(el("p", "all-covered", ["Everything that holds data is covered."]));
  } else {
    const head = el(
      "tr",
      "",
      HEADINGS.map((h) => el("th", "", [h])),
    );
    section.append(el("table", "", [el("thead", "", [head]), el("tbody", "", items.map(itemRow))]));
  }
  for (const o of cluster.invalidObjects)
    section.append(
      el("p", "muted", [
        `invalid ${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name} (left out): ${o.error}`,
      ]),
    );
}

function clusterSection(cluster: ClusterCoverageStatus): HTMLElement {
  const title = cluster.id + (cluster.displayName ? ` · ${cluster.displayName}` : "");
  const kind = !cluster.reachable
    ? cluster.disabled
      ? "disabled"
      : "unreachable"
    : cluster.totals.uncovered > 0
      ? "uncovered"
      : "covered";
  const section = el("section", `cluster ${kind}`);
  section.dataset.cluster = cluster.id;
  const badge = {
    disabled: el("span", "badge", ["disabled"]),
    unreachable: el("span", "badge", ["unreachable"]),
    uncovered: el("span", "badge", [`${cluster.reachable ? cluster.totals.uncovered : 0} uncovered`]),
    covered: el("span", "badge ok", ["all covered"]),
  }[kind];
  section.append(el("h2", "", [title, " ", badge]));
  if (!cluster.reachable) {
    section.append(
      el("p", "error", [`${cluster.errorKind}: ${cluster.error} (after ${cluster.elapsedMs} ms)`]),
    );
    return section;
  }
  reachableBody(cluster, section);
  return section;
}

function render(data: CoverageReport): void {
  const s = data.summary;
  summary.replaceChildren(
    el("span", s.unreachable > 0 ? "pill bad" : "pill", [`${s.reachable}/${s.clusters} clusters reachable`]),
    el("span", s.uncovered > 0 ? "pill bad" : "pill ok", [
      s.uncovered > 0 ? `${s.uncovered} uncovered` : "nothing uncovered",
    ]),
  );
  if (s.clustersWithoutConfiguration > 0)
    summary.append(
      el("span", "pill bad", [`${s.clustersWithoutConfiguration} without any BackupConfiguration`]),
    );
  const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many} uncovered`;
  summary.append(
    el("span", "pill", [count(s.namespacesUncovered, "namespace")]),
    el("span", "pill", [count(s.workloadsUncovered, "workload")]),
    el("span", "pill", [count(s.persistentVolumeClaimsUncovered, "PVC")]),
    el("span", s.coveredPaused > 0 ? "pill warn" : "pill", [`${s.coveredPaused} covered (paused)`]),
    el("span", "pill", [`${s.excluded} excluded`]),
  );
  clusters.replaceChildren(...data.clusters.map(clusterSection));
  document.body.dataset.loaded = "true";
}

async function fetchCoverage(): Promise<CoverageReport> {
  const response = await fetch(`api/coverage${location.search}`, { headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  return (await response.json()) as CoverageReport;
}

function load(): void {
  fetchCoverage()
    .then((data) => {
      last = data;
      render(data);
      statusLine.className = "";
      statusLine.textContent = `read at ${data.at} · updated ${new Date().toLocaleTimeString()} · refreshes every ${refresh} s`;
    })
    .catch((error: unknown) => {
      statusLine.className = "error";
      statusLine.textContent = `could not load the coverage: ${error instanceof Error ? error.message : String(error)}`;
    })
    .finally(() => {
      setTimeout(load, refresh * 1000);
    });
}

showAll.addEventListener("change", () => {
  if (last) render(last);
});

load();
