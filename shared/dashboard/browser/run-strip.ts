import type { RunCell, RunCellKind, RunHistory } from "../../decide/fleet/run-history.ts";

/**
 * The dashboard's pictures of a session's runs (issue 17): pure functions from the fleet view's `runs`
 * (shared/decide/fleet/run-history.ts) to what the page draws — each cell's classes and tooltip, and the duration
 * sparkline's geometry. No DOM here: main.ts turns the results into elements. Bundled on its own
 * (browser-bundle.ts) as the page's first script, which defines the global `KssRuns`; the unit tests run that
 * very text in a VM and check what it returns.
 */

const KIND_WORD: Record<RunCellKind, string> = {
  succeeded: "Succeeded",
  failed: "Failed",
  retried: "Failed, retried",
  skipped: "Skipped",
  running: "running",
  missed: "missed",
};

/** "45s", "1m30s", "2h5m", "0.4s": at most two units. */
export function seconds(value: number): string {
  let s = Number(value);
  if (s < 10 && Math.round(s) !== s) return `${Math.round(s * 10) / 10}s`;
  s = Math.round(s);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60 ? `${s % 60}s` : ""}`;
  const h = Math.floor(m / 60);
  return `${h}h${m % 60 ? `${m % 60}m` : ""}`;
}

export function cellClass(cell: RunCell): string {
  return `run run-${cell.kind}${cell.retryOf ? " run-retry" : ""}${cell.late ? " run-late" : ""}`;
}

/** The tooltip: what the run was, when it was due, how long it took, and how it relates to retries. */
export function cellTitle(cell: RunCell): string {
  if (cell.kind === "missed") {
    const why =
      cell.missedBy === "overdue"
        ? "no BackupSession for this schedule time (the schedule is overdue)"
        : `no BackupSession for this schedule time (ScheduleMissed: ${cell.reason || "recorded"})`;
    return [`missed · due ${cell.time}`, why].join("\n");
  }
  const lines = [
    cell.session ?? "",
    `${KIND_WORD[cell.kind] || cell.kind}${cell.kind === "running" ? ` (${cell.phase})` : ""} · due ${cell.time}${
      cell.origin ? ` · ${cell.origin}` : ""
    }`,
  ];
  if (cell.duration !== undefined) lines.push(`took ${cell.duration}`);
  if (cell.retryOf) lines.push(`retry of ${cell.retryOf}`);
  if (cell.kind === "retried")
    lines.push(cell.retriedBy ? `retried by ${cell.retriedBy}` : "retried (the retry is no longer kept)");
  if (cell.nextRetry) lines.push(`retry due at ${cell.nextRetry}`);
  if (cell.late) lines.push("started late: created after its own tick (ScheduleMissed: StartedLate)");
  return lines.join("\n");
}

/** What the strip holds, in words: kept sessions against the history limit. */
export function stripNote(runs: RunHistory): string {
  const missed = runs.cells.filter((c) => c.kind === "missed").length;
  return `${runs.kept} kept (sessionHistoryLimit ${runs.historyLimit})${missed ? ` · ${missed} missed` : ""}`;
}

export interface Sparkline {
  width: number;
  height: number;
  /** The polyline's points, "x,y x,y …". */
  points: string;
  dots: Array<{ x: number; y: number; title: string }>;
  label: string;
}

/**
 * The sparkline of the Succeeded runs' durations (runs.trend): x in time order (evenly spaced, oldest left),
 * y from the shortest (bottom) to the longest (top); one point sits in the middle. Coordinates rounded to
 * 0.1 px. Each point's title names its run (runs.cells[point.cell]).
 */
export function sparkline(runs: RunHistory, width: number, height: number): Sparkline {
  const pad = 3;
  const trend = runs.trend ?? { points: [], minSeconds: 0, maxSeconds: 0, medianSeconds: 0, lastSeconds: 0 };
  const points = trend.points;
  const span = trend.maxSeconds - trend.minSeconds;
  const round = (v: number) => Math.round(v * 10) / 10;
  const dots = points.map((p, i) => {
    const x = points.length === 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (points.length - 1);
    const y = span === 0 ? height / 2 : pad + ((trend.maxSeconds - p.seconds) * (height - 2 * pad)) / span;
    const cell: Partial<RunCell> = runs.cells[p.cell] ?? {};
    return { x: round(x), y: round(y), title: `${cell.session}: ${seconds(p.seconds)} · due ${cell.time}` };
  });
  return {
    width,
    height,
    points: dots.map((d) => `${d.x},${d.y}`).join(" "),
    dots,
    label: `last ${seconds(trend.lastSeconds)} · median ${seconds(trend.medianSeconds)} · ${seconds(
      trend.minSeconds,
    )}–${seconds(trend.maxSeconds)}`,
  };
}
