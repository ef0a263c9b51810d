import { createHash } from "node:crypto";
import { COVERAGE_SCRIPT } from "./script.ts";

/**
 * The dashboard's Coverage page (docs/coverage.md#the-page): HTML, its style and its script (browser/coverage.ts,
 * bundled as script.ts's COVERAGE_SCRIPT), served at `/coverage` beside the fleet page. Read-only; all data
 * comes from `api/coverage`. Its Content Security Policy allows exactly this style and this script (by hash)
 * and requests to the page's own origin.
 */

const STYLE = `
:root { font: 14px/1.4 system-ui, sans-serif; color: #1b1f24; background: #f6f8fa; }
body { margin: 0 1.5rem 2rem; }
header { display: flex; align-items: baseline; gap: 1.5rem; flex-wrap: wrap; }
h1 { font-size: 1.4rem; margin: 1rem 0 0.5rem; }
h2 { font-size: 1.1rem; margin: 0 0 0.25rem; }
a { color: #0969da; }
#status { color: #57606a; }
#status.error, p.error { color: #b42318; font-weight: 600; }
#summary { display: flex; gap: 0.5rem; flex-wrap: wrap; margin: 0.5rem 0 0.5rem; }
.pill { background: #fff; border: 1px solid #d0d7de; border-radius: 999px; padding: 0.15rem 0.7rem; }
.pill.bad { background: #fee4e2; border-color: #b42318; color: #b42318; font-weight: 600; }
.pill.warn { background: #fef0c7; border-color: #b54708; color: #93370d; }
.pill.ok { background: #dafbe1; border-color: #1a7f37; color: #1a7f37; }
label.toggle { display: block; margin: 0 0 1rem; color: #57606a; }
section.cluster { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 0.75rem 1rem;
  margin-bottom: 1rem; overflow-x: auto; }
section.cluster.uncovered { border-left: 4px solid #b42318; }
section.cluster.unreachable { border: 2px solid #b42318; background: #fff5f4; }
section.cluster.disabled { opacity: 0.6; }
.badge { font-size: 0.75rem; border-radius: 4px; padding: 0.1rem 0.4rem; background: #b42318; color: #fff; }
.badge.ok { background: #1a7f37; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid #eaeef2; vertical-align: top; }
th { font-weight: 600; color: #57606a; white-space: nowrap; }
td.name { font-family: ui-monospace, monospace; font-size: 0.85rem; }
tr.state-uncovered { background: #fff5f4; }
tr.state-covered-paused { background: #fffbeb; }
tr.state-excluded, tr.state-no-data { color: #57606a; }
.state { font-size: 0.75rem; font-weight: 600; border-radius: 4px; padding: 0.05rem 0.4rem; white-space: nowrap; }
.state-uncovered .state, span.state-uncovered { background: #cf222e; color: #fff; }
span.state-covered-paused { background: #fef0c7; color: #93370d; border: 1px solid #b54708; }
span.state-covered { background: #1a7f37; color: #fff; }
span.state-excluded, span.state-no-data { background: #eaeef2; color: #57606a; }
p.all-covered { color: #1a7f37; font-weight: 600; }
.muted { color: #57606a; font-size: 0.85rem; }
`;

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

/** The Content-Security-Policy header value of the Coverage page. */
export const COVERAGE_CSP = [
  "default-src 'none'",
  `script-src ${sha256(COVERAGE_SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Coverage changes with deployments, not by the minute: a slower refresh than the fleet page's. */
export const COVERAGE_REFRESH_SECONDS = 60;

/** The page; it refreshes its data every `refreshSeconds` (the page's `?refresh=N` overrides). */
export function coverageHtml(options: { refreshSeconds?: number } = {}): string {
  const refresh = Math.max(1, Math.round(options.refreshSeconds ?? COVERAGE_REFRESH_SECONDS));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Backup coverage · kubestash-serverless</title>
<style>${STYLE}</style>
</head>
<body data-refresh="${refresh}">
<header><h1>Backup coverage</h1><a id="fleet-link" href="./">← Backup fleet</a><p id="status">loading…</p></header>
<p class="muted">Namespaces, PersistentVolumeClaims and workloads holding data that no BackupConfiguration covers
(system namespaces, the registry's <code>coverage.excludeNamespaces</code> and objects labelled
<code>serverless.kubestash.com/backup: "false"</code> left out; a paused configuration still covers).</p>
<div id="summary"></div>
<label class="toggle"><input type="checkbox" id="show-all"> show every item (covered, excluded, without data)</label>
<main id="coverage"></main>
<script>${COVERAGE_SCRIPT}</script>
</body>
</html>
`;
}
