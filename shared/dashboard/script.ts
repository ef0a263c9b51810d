import { RUN_STRIP_SCRIPT } from "./run-strip.ts";

/**
 * The dashboard's browser script, as text served inside the page (no build step, no framework). It fetches
 * `api/fleet` with the page's own query (`?now=`, `?cluster=`, `?selector=` pass through), draws one section
 * per cluster with DOM calls only (every value goes in as text, never as HTML), marks overdue, failing and
 * unreachable items, draws each session's recent runs as a strip of cells and its durations as a sparkline
 * (run-strip.ts, which this script begins with), and fetches again every `data-refresh` seconds (`?refresh=N`
 * overrides). Plain ES2020 on purpose: no template literals, so this file needs no escaping.
 */
export const DASHBOARD_SCRIPT = `${RUN_STRIP_SCRIPT}
(function () {
  "use strict";
  var query = new URLSearchParams(location.search);
  var refresh = Number(query.get("refresh")) || Number(document.body.dataset.refresh) || 30;
  var statusLine = document.getElementById("status");
  var summary = document.getElementById("summary");
  var fleet = document.getElementById("fleet");
  /** Lists a person opened stay open across refreshes. */
  var opened = new Set();

  function el(tag, className, children) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    (children || []).forEach(function (child) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    });
    return node;
  }

  function age(seconds) {
    var s = Math.max(0, Math.round(seconds));
    if (s < 60) return s + "s";
    var m = Math.floor(s / 60);
    if (m < 60) return m + "m";
    var h = Math.floor(m / 60);
    if (h < 24) return h + "h" + (m % 60 ? (m % 60) + "m" : "");
    return Math.floor(h / 24) + "d" + (h % 24 ? (h % 24) + "h" : "");
  }

  var SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attributes, children) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attributes).forEach(function (name) { node.setAttribute(name, String(attributes[name])); });
    (children || []).forEach(function (child) { node.append(child); });
    return node;
  }

  /** The session's recent runs as coloured cells in time (oldest left) and its duration sparkline. */
  function runsCell(session) {
    var runs = session.runs;
    if (!runs || runs.cells.length === 0) return el("span", "muted", ["no runs yet"]);
    var cells = runs.cells.map(function (cell) {
      var node = el("span", KssRuns.cellClass(cell), []);
      node.title = KssRuns.cellTitle(cell);
      node.setAttribute("aria-label", node.title);
      node.dataset.kind = cell.kind;
      node.dataset.time = cell.time;
      if (cell.session) node.dataset.session = cell.session;
      return node;
    });
    var parts = [el("div", "runs", cells), el("div", "muted runs-note", [KssRuns.stripNote(runs)])];
    if (runs.trend) {
      var line = KssRuns.sparkline(runs, 120, 24);
      var dots = line.dots.map(function (d) {
        return svg("circle", { cx: d.x, cy: d.y, r: 2 }, [svg("title", {}, [document.createTextNode(d.title)])]);
      });
      var chart = svg("svg", { class: "trend", width: line.width, height: line.height,
        viewBox: "0 0 " + line.width + " " + line.height, role: "img", "aria-label": "duration trend: " + line.label },
        [svg("polyline", { points: line.points })].concat(dots));
      parts.push(el("div", "trend-row", [chart, el("span", "muted trend-label", ["took " + line.label])]));
    }
    return el("div", "", parts);
  }

  function describeCommand(cluster, namespace, name) {
    return cluster.kubectl + " describe backupsession " + name + " -n " + namespace;
  }

  function sessionList(cluster, config, session) {
    var items = session.recent.map(function (ref) {
      var command = describeCommand(cluster, config.namespace, ref.name);
      var copy = el("button", "copy", ["copy"]);
      copy.type = "button";
      copy.title = "copy the kubectl command";
      copy.addEventListener("click", function () {
        if (navigator.clipboard) navigator.clipboard.writeText(command);
      });
      var item = el("li", "phase-" + ref.phase, [
        el("span", "session-name", [ref.name]), " ", el("span", "phase", [ref.phase]), " ",
        el("span", "muted", [ref.time + (ref.origin ? " · " + ref.origin : "")]), " ",
        el("code", "describe", [command]), " ", copy,
      ]);
      item.dataset.session = ref.name;
      return item;
    });
    if (items.length === 0) return el("span", "muted", ["no BackupSessions"]);
    var key = cluster.id + "/" + config.namespace + "/" + config.name + "/" + session.session;
    var details = el("details", "", [el("summary", "", [items.length + " recent"]), el("ul", "sessions", items)]);
    details.open = opened.has(key);
    details.addEventListener("toggle", function () {
      if (details.open) opened.add(key);
      else opened.delete(key);
    });
    return details;
  }

  function sessionRow(cluster, config, session) {
    var rpo = !session.rpo ? "-" : session.rpo.ratio !== undefined ? session.rpo.ratio + "×" : session.rpo.breached ? "never" : "-";
    var snapshots = config.repositories.map(function (r) {
      return r.name + " " + r.snapshots.succeeded + "/" + r.snapshots.total + (r.found ? "" : " (missing)");
    }).join(", ");
    var retention = session.retention
      ? session.retention.policies.map(function (p) { return p.phase || "?"; }).join(", ") + " · " + session.retention.time
      : "-";
    var row = el("tr", "state-" + session.state, [
      el("td", "", [config.namespace + "/" + config.name + (config.paused ? " (paused)" : "")]),
      el("td", "phase-" + config.phase, [config.phase]),
      el("td", "", [session.session, el("div", "muted schedule", [session.schedule || "no schedule"])]),
      el("td", "state", [session.state]),
      el("td", "runs", [runsCell(session)]),
      el("td", "", [session.lastSuccess ? age(session.lastSuccess.ageSeconds) + " ago" : "never"]),
      el("td", session.rpo && session.rpo.breached ? "bad" : "", [rpo]),
      el("td", "", [String(session.running.length)]),
      el("td", session.failures24h > 0 ? "bad" : "", [String(session.failures24h)]),
      el("td", "", [String(session.retries24h)]),
      el("td", session.overdue ? "bad" : "", [
        session.overdue ? age(session.overdue.overdueSeconds) + " (" + session.overdue.missedRuns + " missed)" : "-",
      ]),
      // docs/decisions.md#missed-schedules: times that got no session on their own tick, as create-sessions counted them.
      el("td", session.missed ? "warn" : "", [
        session.missed ? session.missed.total + " · last " + session.missed.newest : "-",
      ]),
      el("td", "", [snapshots || "-"]),
      el("td", "", [retention]),
      el("td", "", [sessionList(cluster, config, session)]),
    ]);
    row.dataset.configuration = config.namespace + "/" + config.name;
    return row;
  }

  var HEADINGS = ["Configuration", "Phase", "Session", "State", "Runs", "Last success", "RPO", "Running",
    "Failed 24h", "Retries 24h", "Overdue", "Missed", "Snapshots ok/all", "Retention", "BackupSessions"];

  function clusterSection(cluster) {
    var title = cluster.id + (cluster.displayName ? " · " + cluster.displayName : "");
    var section = el("section", "cluster " + (cluster.reachable ? "reachable" : cluster.disabled ? "disabled" : "unreachable"));
    section.dataset.cluster = cluster.id;
    if (!cluster.reachable) {
      section.append(el("h2", "", [title, " ", el("span", "badge", [cluster.disabled ? "disabled" : "unreachable"])]));
      section.append(el("p", "error", [cluster.errorKind + ": " + cluster.error + " (after " + cluster.elapsedMs + " ms)"]));
      return section;
    }
    var t = cluster.totals;
    var badges = [title, " ", el("span", "badge ok", ["reachable"])];
    // docs/migration.md#the-fleet-view: the KubeStash operator (or its leftover webhook) holds this cluster.
    if (cluster.operator) badges.push(" ", el("span", "badge " + (cluster.operator.state === "present" ? "warn" : "bad"),
      [cluster.operator.state === "present" ? "KubeStash operator present" : "leftover KubeStash webhook"]));
    section.append(el("h2", "", badges));
    if (cluster.operator) section.append(el("p", cluster.operator.state === "present" ? "muted operator" : "error operator",
      ["since " + cluster.operator.since + ": " + cluster.operator.message]));
    section.append(el("p", "muted", [t.configurations + " configurations · " + t.overdue + " overdue · " + t.failing +
      " failing · " + t.running + " running · " + cluster.requests + " requests in " + cluster.elapsedMs + " ms"]));
    var rows = [];
    cluster.configurations.forEach(function (config) {
      config.sessions.forEach(function (session) { rows.push(sessionRow(cluster, config, session)); });
    });
    if (rows.length === 0) {
      section.append(el("p", "muted", ["no BackupConfigurations"]));
      return section;
    }
    var head = el("tr", "", HEADINGS.map(function (h) { return el("th", "", [h]); }));
    section.append(el("table", "", [el("thead", "", [head]), el("tbody", "", rows)]));
    return section;
  }

  function render(data) {
    var s = data.summary;
    summary.replaceChildren(
      el("span", s.unreachable > 0 ? "pill bad" : "pill", [s.reachable + "/" + s.clusters + " clusters reachable"]),
      el("span", s.overdue > 0 ? "pill bad" : "pill", [s.overdue + " overdue"]),
      el("span", s.failing > 0 ? "pill warn" : "pill", [s.failing + " failing"]),
      el("span", s.rpoBreached > 0 ? "pill warn" : "pill", [s.rpoBreached + " past RPO"]),
      el("span", "pill", [s.running + " running"]),
      el("span", "pill", [s.failures24h + " failures / " + s.retries24h + " retries in 24 h"])
    );
    if (s.operatorPresent > 0) summary.append(el("span", "pill warn", [s.operatorPresent + " with the KubeStash operator"]));
    if (s.leftoverWebhook > 0) summary.append(el("span", "pill bad", [s.leftoverWebhook + " with a leftover KubeStash webhook"]));
    fleet.replaceChildren.apply(fleet, data.clusters.map(clusterSection));
    document.body.dataset.loaded = "true";
  }

  function load() {
    fetch("api/fleet" + location.search, { headers: { accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) return response.text().then(function (t) { throw new Error("HTTP " + response.status + ": " + t); });
        return response.json();
      })
      .then(function (data) {
        render(data);
        statusLine.className = "";
        statusLine.textContent = "evaluated at " + data.now + " · updated " + new Date().toLocaleTimeString() +
          " · refreshes every " + refresh + " s";
      })
      .catch(function (error) {
        statusLine.className = "error";
        statusLine.textContent = "could not load the fleet: " + error.message;
      })
      .finally(function () { setTimeout(load, refresh * 1000); });
  }

  load();
})();
`;
