/// <reference lib="dom" />
import type { ConfigurationFleetFacts } from "../../decide/fleet/fleet.ts";
import type { SessionFleetFacts } from "../../decide/fleet/fleet-session.ts";
import type { ClusterFleetStatus, FleetStatus, ReachableCluster } from "../../usecases/fleet-status.ts";
import { byId, type Child, el } from "./dom.ts";
import { pauseNote } from "./pause-cell.ts";
import { rpoCell } from "./rpo-cell.ts";
import type * as RunStrip from "./run-strip.ts";
import { verificationLine } from "./verify-cell.ts";

/**
 * The dashboard's browser script (no framework). It fetches `api/fleet` with the page's own query (`?now=`,
 * `?cluster=`, `?selector=` pass through), draws one section per cluster with DOM calls only (every value goes
 * in as text, never as HTML), marks overdue, failing and unreachable items, draws each session's recent runs
 * as a strip of cells and its durations as a sparkline (run-strip.ts, the page's first script, as the global
 * `KssRuns`), and fetches again every `data-refresh` seconds (`?refresh=N` overrides). The types are the fleet
 * view's own (imported as types only: nothing of the Node side is bundled); browser-bundle.ts bundles it.
 */

declare const KssRuns: typeof RunStrip;

const query = new URLSearchParams(location.search);
const refresh = Number(query.get("refresh")) || Number(document.body.dataset.refresh) || 30;
const statusLine = byId("status");
const summary = byId("summary");
const fleet = byId("fleet");
/** Lists a person opened stay open across refreshes. */
const opened = new Set<string>();

function age(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${m % 60 ? `${m % 60}m` : ""}`;
  return `${Math.floor(h / 24)}d${h % 24 ? `${h % 24}h` : ""}`;
}

const SVG = "http://www.w3.org/2000/svg";

function svg(tag: string, attributes: Record<string, string | number>, children: Node[] = []): SVGElement {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  for (const child of children) node.append(child);
  return node;
}

/** The session's recent runs as coloured cells in time (oldest left) and its duration sparkline. */
function runsCell(session: SessionFleetFacts): HTMLElement {
  const runs = session.runs;
  if (!runs || runs.cells.length === 0) return el("span", "muted", ["no runs yet"]);
  const cells = runs.cells.map((cell) => {
    const node = el("span", KssRuns.cellClass(cell));
    node.title = KssRuns.cellTitle(cell);
    node.setAttribute("aria-label", node.title);
    node.dataset.kind = cell.kind;
    node.dataset.time = cell.time;
    if (cell.session) node.dataset.session = cell.session;
    return node;
  });
  const parts: Child[] = [el("div", "runs", cells), el("div", "muted runs-note", [KssRuns.stripNote(runs)])];
  if (runs.trend) {
    const line = KssRuns.sparkline(runs, 120, 24);
    const dots = line.dots.map((d) =>
      svg("circle", { cx: d.x, cy: d.y, r: 2 }, [svg("title", {}, [document.createTextNode(d.title)])]),
    );
    const chart = svg(
      "svg",
      {
        class: "trend",
        width: line.width,
        height: line.height,
        viewBox: `0 0 ${line.width} ${line.height}`,
        role: "img",
        "aria-label": `duration trend: ${line.label}`,
      },
      [svg("polyline", { points: line.points }), ...dots],
    );
    parts.push(el("div", "trend-row", [chart, el("span", "muted trend-label", [`took ${line.label}`])]));
  }
  return el("div", "", parts);
}

/**
 * The session's "Verified restore" cell (docs/verification.md#visibility): per repository with a verifier, the
 * last result as a badge, its age, the last verified restore when the last result is not one, and a tooltip.
 */
function verifiedCell(session: SessionFleetFacts): HTMLElement {
  const views = session.verifications ?? [];
  if (views.length === 0) return el("td", "verified", [el("span", "muted", ["no verifier"])]);
  const lines = views.map((view) => {
    const line = verificationLine(view);
    const parts: Child[] = [];
    if (views.length > 1) parts.push(el("span", "muted verify-repo", [line.repository]), " ");
    parts.push(el("span", `verify verify-${line.badge}`, [line.label]));
    if (line.age) parts.push(" ", el("span", "verify-age", [line.age]));
    // Beside the last result (whose age is the one shown): a verification runs now.
    if (line.running) parts.push(" ", el("span", "verify verify-running", ["Running"]));
    if (line.note) parts.push(el("div", line.warn ? "verify-note warn" : "verify-note muted", [line.note]));
    const node = el("div", "verify-line", parts);
    node.title = line.title;
    node.dataset.repository = line.repository;
    node.dataset.badge = line.badge;
    return node;
  });
  return el("td", "verified", lines);
}

/** The session's RPO cell (docs/rpo.md#where-it-shows): level badge, time left or past, reason in the tooltip. */
function rpoTd(session: SessionFleetFacts): HTMLElement {
  const cell = rpoCell(session);
  const parts: Child[] =
    cell.level === undefined
      ? [cell.label]
      : [el("span", `rpo rpo-${cell.level}`, [cell.label]), " ", el("span", "rpo-time", [cell.time ?? ""])];
  const td = el("td", `rpo-cell${cell.breached ? " bad" : ""}`, parts);
  td.title = cell.title;
  if (cell.level !== undefined) td.dataset.level = String(cell.level);
  return td;
}

function describeCommand(cluster: ReachableCluster, namespace: string, name: string): string {
  return `${cluster.kubectl} describe backupsession ${name} -n ${namespace}`;
}

function sessionList(
  cluster: ReachableCluster,
  config: ConfigurationFleetFacts,
  session: SessionFleetFacts,
): HTMLElement {
  const items = session.recent.map((ref) => {
    const command = describeCommand(cluster, config.namespace, ref.name);
    const copy = el("button", "copy", ["copy"]);
    copy.type = "button";
    copy.title = "copy the kubectl command";
    copy.addEventListener("click", () => {
      if (navigator.clipboard) void navigator.clipboard.writeText(command);
    });
    const item = el("li", `phase-${ref.phase}`, [
      el("span", "session-name", [ref.name]),
      " ",
      el("span", "phase", [ref.phase]),
      " ",
      el("span", "muted", [ref.time + (ref.origin ? ` · ${ref.origin}` : "")]),
      " ",
      el("code", "describe", [command]),
      " ",
      copy,
    ]);
    item.dataset.session = ref.name;
    return item;
  });
  if (items.length === 0) return el("span", "muted", ["no BackupSessions"]);
  const key = `${cluster.id}/${config.namespace}/${config.name}/${session.session}`;
  const details = el("details", "", [
    el("summary", "", [`${items.length} recent`]),
    el("ul", "sessions", items),
  ]);
  details.open = opened.has(key);
  details.addEventListener("toggle", () => {
    if (details.open) opened.add(key);
    else opened.delete(key);
  });
  return details;
}

function sessionRow(
  cluster: ReachableCluster,
  config: ConfigurationFleetFacts,
  session: SessionFleetFacts,
): HTMLTableRowElement {
  const snapshots = config.repositories
    .map((r) => `${r.name} ${r.snapshots.succeeded}/${r.snapshots.total}${r.found ? "" : " (missing)"}`)
    .join(", ");
  const retention = session.retention
    ? `${session.retention.policies.map((p) => p.phase || "?").join(", ")} · ${session.retention.time}`
    : "-";
  const row = el("tr", `state-${session.state}`, [
    el("td", "", [
      `${config.namespace}/${config.name}${config.paused ? " (paused)" : ""}`,
      ...(config.pause ? [el("div", "muted paused-by", [pauseNote(config.pause) ?? ""])] : []),
    ]),
    el("td", `phase-${config.phase}`, [config.phase]),
    el("td", "", [session.session, el("div", "muted schedule", [session.schedule || "no schedule"])]),
    el("td", "state", [session.state]),
    el("td", "runs", [runsCell(session)]),
    el("td", "", [session.lastSuccess ? `${age(session.lastSuccess.ageSeconds)} ago` : "never"]),
    verifiedCell(session),
    rpoTd(session),
    el("td", "", [String(session.running.length)]),
    el("td", session.failures24h > 0 ? "bad" : "", [String(session.failures24h)]),
    el("td", "", [String(session.retries24h)]),
    el("td", session.overdue ? "bad" : "", [
      session.overdue ? `${age(session.overdue.overdueSeconds)} (${session.overdue.missedRuns} missed)` : "-",
    ]),
    // docs/decisions.md#missed-schedules: times that got no session on their own tick, as create-sessions counted them.
    el("td", session.missed ? "warn" : "", [
      session.missed ? `${session.missed.total} · last ${session.missed.newest}` : "-",
    ]),
    el("td", "", [snapshots || "-"]),
    el("td", "", [retention]),
    el("td", "", [sessionList(cluster, config, session)]),
  ]);
  row.dataset.configuration = `${config.namespace}/${config.name}`;
  return row;
}

const HEADINGS = [
  "Configuration",
  "Phase",
  "Session",
  "State",
  "Runs",
  "Last success",
  "Verified restore",
  "RPO",
  "Running",
  "Failed 24h",
  "Retries 24h",
  "Overdue",
  "Missed",
  "Snapshots ok/all",
  "Retention",
  "BackupSessions",
];

function clusterSection(cluster: ClusterFleetStatus): HTMLElement {
  const title = cluster.id + (cluster.displayName ? ` · ${cluster.displayName}` : "");
  const section = el(
    "section",
    `cluster ${cluster.reachable ? "reachable" : cluster.disabled ? "disabled" : "unreachable"}`,
  );
  section.dataset.cluster = cluster.id;
  if (!cluster.reachable) {
    section.append(
      el("h2", "", [title, " ", el("span", "badge", [cluster.disabled ? "disabled" : "unreachable"])]),
    );
    section.append(
      el("p", "error", [`${cluster.errorKind}: ${cluster.error} (after ${cluster.elapsedMs} ms)`]),
    );
    return section;
  }
  const t = cluster.totals;
  const badges: Child[] = [title, " ", el("span", "badge ok", ["reachable"])];
  // docs/migration.md#the-fleet-view: the KubeStash operator (or its leftover webhook) holds this cluster.
  const operator = cluster.operator;
  if (operator)
    badges.push(
      " ",
      el("span", `badge ${operator.state === "present" ? "warn" : "bad"}`, [
        operator.state === "present" ? "KubeStash operator present" : "leftover KubeStash webhook",
      ]),
    );
  section.append(el("h2", "", badges));
  if (operator)
    section.append(
      el("p", operator.state === "present" ? "muted operator" : "error operator", [
        `since ${operator.since}: ${operator.message}`,
      ]),
    );
  section.append(
    el("p", "muted", [
      `${t.configurations} configurations · ${t.overdue} overdue · ${t.failing} failing · ${t.running} running · ${cluster.requests} requests in ${cluster.elapsedMs} ms`,
    ]),
  );
  const rows = cluster.configurations.flatMap((config) =>
    config.sessions.map((session) => sessionRow(cluster, config, session)),
  );
  if (rows.length === 0) {
    section.append(el("p", "muted", ["no BackupConfigurations"]));
    return section;
  }
  const head = el(
    "tr",
    "",
    HEADINGS.map((h) => el("th", "", [h])),
  );
  section.append(el("table", "", [el("thead", "", [head]), el("tbody", "", rows)]));
  return section;
}

function render(data: FleetStatus): void {
  const s = data.summary;
  summary.replaceChildren(
    el("span", s.unreachable > 0 ? "pill bad" : "pill", [`${s.reachable}/${s.clusters} clusters reachable`]),
    el("span", s.overdue > 0 ? "pill bad" : "pill", [`${s.overdue} overdue`]),
    el("span", s.failing > 0 ? "pill warn" : "pill", [`${s.failing} failing`]),
    el("span", s.rpoBreached > 0 ? "pill warn" : "pill", [`${s.rpoBreached} past RPO`]),
    el("span", s.rpoAtRisk > 0 ? "pill bad" : "pill", [`${s.rpoAtRisk} at RPO risk`]),
    el("span", "pill", [`${s.running} running`]),
    el("span", "pill", [`${s.failures24h} failures / ${s.retries24h} retries in 24 h`]),
  );
  if (s.verificationsFailed > 0)
    summary.append(el("span", "pill warn", [`${s.verificationsFailed} verified restores failed`]));
  if (s.operatorPresent > 0)
    summary.append(el("span", "pill warn", [`${s.operatorPresent} with the KubeStash operator`]));
  if (s.leftoverWebhook > 0)
    summary.append(el("span", "pill bad", [`${s.leftoverWebhook} with a leftover KubeStash webhook`]));
  fleet.replaceChildren(...data.clusters.map(clusterSection));
  document.body.dataset.loaded = "true";
}

async function fetchFleet(): Promise<FleetStatus> {
  const response = await fetch(`api/fleet${location.search}`, { headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  return (await response.json()) as FleetStatus;
}

function load(): void {
  fetchFleet()
    .then((data) => {
      render(data);
      statusLine.className = "";
      statusLine.textContent = `evaluated at ${data.now} · updated ${new Date().toLocaleTimeString()} · refreshes every ${refresh} s`;
    })
    .catch((error: unknown) => {
      statusLine.className = "error";
      statusLine.textContent = `could not load the fleet: ${error instanceof Error ? error.message : String(error)}`;
    })
    .finally(() => {
      setTimeout(load, refresh * 1000);
    });
}

load();
