import { createHash } from "node:crypto";
import { DASHBOARD_SCRIPT } from "./script.ts";

/**
 * The fleet dashboard's one page: HTML, its style and its script (script.ts), served as is by the local
 * runtime and by the fleet-dashboard function. Read-only; all data comes from `api/fleet`. The Content
 * Security Policy allows exactly this style and this script (by hash) and requests to the page's own origin.
 */

const STYLE = `
:root { font: 14px/1.4 system-ui, sans-serif; color: #1b1f24; background: #f6f8fa; }
body { margin: 0 1.5rem 2rem; }
header { display: flex; align-items: baseline; gap: 1.5rem; flex-wrap: wrap; }
h1 { font-size: 1.4rem; margin: 1rem 0 0.5rem; }
h2 { font-size: 1.1rem; margin: 0 0 0.25rem; }
#status { color: #57606a; }
#status.error, p.error { color: #b42318; font-weight: 600; }
#summary { display: flex; gap: 0.5rem; flex-wrap: wrap; margin: 0.5rem 0 1rem; }
.pill { background: #fff; border: 1px solid #d0d7de; border-radius: 999px; padding: 0.15rem 0.7rem; }
.pill.bad { background: #fee4e2; border-color: #b42318; color: #b42318; font-weight: 600; }
.pill.warn { background: #fef0c7; border-color: #b54708; color: #93370d; }
section.cluster { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 0.75rem 1rem;
  margin-bottom: 1rem; overflow-x: auto; }
section.cluster.unreachable { border: 2px solid #b42318; background: #fff5f4; }
section.cluster.disabled { opacity: 0.6; }
.badge { font-size: 0.75rem; border-radius: 4px; padding: 0.1rem 0.4rem; background: #b42318; color: #fff; }
.badge.ok { background: #1a7f37; }
.badge.warn { background: #b54708; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid #eaeef2; vertical-align: top; }
th { font-weight: 600; color: #57606a; white-space: nowrap; }
tr.state-overdue { background: #fee4e2; }
tr.state-overdue td.state, tr.state-invalid-schedule td.state { color: #b42318; font-weight: 700; }
tr.state-failing { background: #fef0c7; }
tr.state-failing td.state { color: #93370d; font-weight: 700; }
tr.state-paused, tr.state-suspended { color: #57606a; }
td.bad, td.phase-Invalid { color: #b42318; font-weight: 600; }
.muted { color: #57606a; font-size: 0.85rem; }
.schedule { white-space: nowrap; }
ul.sessions { list-style: none; margin: 0.25rem 0 0; padding: 0; }
ul.sessions li { margin-bottom: 0.3rem; }
li.phase-Failed .phase { color: #b42318; font-weight: 700; }
li.phase-Succeeded .phase { color: #1a7f37; }
li.phase-Running .phase, li.phase-Pending .phase { color: #0969da; }
code.describe { display: block; font-size: 0.8rem; background: #f6f8fa; padding: 0.1rem 0.3rem;
  user-select: all; word-break: break-all; }
button.copy { font-size: 0.75rem; }
td.runs { min-width: 14rem; }
.runs { display: flex; gap: 2px; align-items: center; }
.run { display: inline-block; width: 9px; height: 18px; border-radius: 2px; box-sizing: border-box; }
.run-succeeded { background: #1a7f37; }
.run-failed { background: #cf222e; }
.run-retried { background: #fb8f44; border: 2px solid #cf222e; }
.run-skipped { background: #afb8c1; }
.run-running { background: #0969da; }
.run-missed { background: #fff; border: 2px dashed #b42318; }
.run-retry { border-radius: 5px; }
.run-late { box-shadow: inset 0 4px 0 #1b1f24; }
.runs-note { font-size: 0.75rem; }
svg.trend { vertical-align: middle; background: #f6f8fa; border-radius: 3px; }
svg.trend polyline { fill: none; stroke: #1a7f37; stroke-width: 1.5; }
svg.trend circle { fill: #1a7f37; }
.trend-row { display: flex; flex-direction: column; gap: 1px; margin-top: 0.2rem; }
.trend-label { font-size: 0.75rem; white-space: nowrap; }
td.verified { min-width: 12rem; }
.verify-line { margin-bottom: 0.2rem; cursor: help; white-space: nowrap; }
.verify { font-size: 0.75rem; font-weight: 600; border-radius: 4px; padding: 0.05rem 0.4rem; color: #fff;
  white-space: nowrap; }
.verify-succeeded { background: #1a7f37; }
.verify-failed { background: #cf222e; }
.verify-skipped { background: #6e7781; }
.verify-running { background: #0969da; }
.verify-never { background: #fff; color: #57606a; border: 1px dashed #8c959f; font-weight: 400; }
.verify-missing { background: #fef0c7; color: #93370d; border: 1px solid #b54708; }
.verify-age { white-space: nowrap; }
.verify-note { font-size: 0.75rem; white-space: normal; }
.verify-note.warn { color: #93370d; font-weight: 600; }
td.rpo-cell { white-space: nowrap; cursor: help; }
.rpo { font-size: 0.75rem; font-weight: 700; border-radius: 4px; padding: 0.05rem 0.4rem; color: #fff; }
.rpo-1 { background: #1a7f37; }
.rpo-2 { background: #d4a72c; color: #1b1f24; }
.rpo-3 { background: #fb8f44; color: #1b1f24; }
.rpo-4 { background: #cf222e; }
.rpo-5 { background: #82071e; }
td.rpo-cell.bad .rpo-time { color: #b42318; font-weight: 600; }
#legend { display: flex; gap: 0.9rem; flex-wrap: wrap; align-items: center; margin: 0 0 0.75rem;
  font-size: 0.8rem; color: #57606a; }
#legend .run { vertical-align: middle; margin-right: 0.25rem; }
`;

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

/** The Content-Security-Policy header value of the page. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src ${sha256(DASHBOARD_SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export const DEFAULT_REFRESH_SECONDS = 30;

/** The page; it refreshes its data every `refreshSeconds` (the page's `?refresh=N` overrides). */
export function dashboardHtml(options: { refreshSeconds?: number; title?: string } = {}): string {
  const refresh = Math.max(1, Math.round(options.refreshSeconds ?? DEFAULT_REFRESH_SECONDS));
  const title = escapeHtml(options.title ?? "Backup fleet");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${title} · kubestash-serverless</title>
<style>${STYLE}</style>
</head>
<body data-refresh="${refresh}">
<header><h1>${title}</h1><a id="coverage-link" href="coverage">Coverage: what no BackupConfiguration covers →</a><p id="status">loading…</p></header>
<div id="summary"></div>
<div id="legend" aria-label="run colours">Runs, oldest left:
<span><span class="run run-succeeded"></span>Succeeded</span>
<span><span class="run run-failed"></span>Failed</span>
<span><span class="run run-retried"></span>Failed, then retried</span>
<span><span class="run run-succeeded run-retry"></span>a retry (round)</span>
<span><span class="run run-skipped"></span>Skipped</span>
<span><span class="run run-running"></span>Pending / Running</span>
<span><span class="run run-missed"></span>missed schedule time</span>
<span><span class="run run-succeeded run-late"></span>started late</span>
</div>
<main id="fleet"></main>
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
