/**
 * The dashboard's pictures of a session's runs (issue 17), as browser script text that defines one global,
 * `KssRuns`, of pure functions from the fleet view's `runs` (shared/decide/run-history.ts) to what the page
 * draws: each cell's classes and tooltip, and the duration sparkline's geometry. No DOM here: script.ts turns
 * the results into elements, and the unit tests run this very text in a VM and check what it returns.
 * Plain ES2020 on purpose, as script.ts: no template literals, so this file needs no escaping.
 */
export const RUN_STRIP_SCRIPT = `
var KssRuns = (function () {
  "use strict";
  var KIND_WORD = {
    succeeded: "Succeeded", failed: "Failed", retried: "Failed, retried", skipped: "Skipped",
    running: "running", missed: "missed",
  };

  /** "45s", "1m30s", "2h5m", "0.4s": at most two units. */
  function seconds(value) {
    var s = Number(value);
    if (s < 10 && Math.round(s) !== s) return (Math.round(s * 10) / 10) + "s";
    s = Math.round(s);
    if (s < 60) return s + "s";
    var m = Math.floor(s / 60);
    if (m < 60) return m + "m" + (s % 60 ? (s % 60) + "s" : "");
    var h = Math.floor(m / 60);
    return h + "h" + (m % 60 ? (m % 60) + "m" : "");
  }

  function cellClass(cell) {
    return "run run-" + cell.kind + (cell.retryOf ? " run-retry" : "") + (cell.late ? " run-late" : "");
  }

  /** The tooltip: what the run was, when it was due, how long it took, and how it relates to retries. */
  function cellTitle(cell) {
    if (cell.kind === "missed") {
      var why = cell.missedBy === "overdue"
        ? "no BackupSession for this schedule time (the schedule is overdue)"
        : "no BackupSession for this schedule time (ScheduleMissed: " + (cell.reason || "recorded") + ")";
      return ["missed · due " + cell.time, why].join("\\n");
    }
    var lines = [
      cell.session,
      (KIND_WORD[cell.kind] || cell.kind) + (cell.kind === "running" ? " (" + cell.phase + ")" : "") +
        " · due " + cell.time + (cell.origin ? " · " + cell.origin : ""),
    ];
    if (cell.duration !== undefined) lines.push("took " + cell.duration);
    if (cell.retryOf) lines.push("retry of " + cell.retryOf);
    if (cell.kind === "retried") lines.push(cell.retriedBy ? "retried by " + cell.retriedBy : "retried (the retry is no longer kept)");
    if (cell.nextRetry) lines.push("retry due at " + cell.nextRetry);
    if (cell.late) lines.push("started late: created after its own tick (ScheduleMissed: StartedLate)");
    return lines.join("\\n");
  }

  /** What the strip holds, in words: kept sessions against the history limit. */
  function stripNote(runs) {
    var missed = runs.cells.filter(function (c) { return c.kind === "missed"; }).length;
    return runs.kept + " kept (sessionHistoryLimit " + runs.historyLimit + ")" + (missed ? " · " + missed + " missed" : "");
  }

  /**
   * The sparkline of the Succeeded runs' durations (runs.trend): x in time order (evenly spaced, oldest left),
   * y from the shortest (bottom) to the longest (top); one point sits in the middle. Coordinates rounded to
   * 0.1 px. Each point's title names its run (runs.cells[point.cell]).
   */
  function sparkline(runs, width, height) {
    var pad = 3;
    var trend = runs.trend;
    var points = trend.points;
    var span = trend.maxSeconds - trend.minSeconds;
    var round = function (v) { return Math.round(v * 10) / 10; };
    var dots = points.map(function (p, i) {
      var x = points.length === 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (points.length - 1);
      var y = span === 0 ? height / 2 : pad + ((trend.maxSeconds - p.seconds) * (height - 2 * pad)) / span;
      var cell = runs.cells[p.cell] || {};
      return { x: round(x), y: round(y), title: cell.session + ": " + seconds(p.seconds) + " · due " + cell.time };
    });
    return {
      width: width,
      height: height,
      points: dots.map(function (d) { return d.x + "," + d.y; }).join(" "),
      dots: dots,
      label: "last " + seconds(trend.lastSeconds) + " · median " + seconds(trend.medianSeconds) +
        " · " + seconds(trend.minSeconds) + "–" + seconds(trend.maxSeconds),
    };
  }

  return { cellClass: cellClass, cellTitle: cellTitle, stripNote: stripNote, sparkline: sparkline, seconds: seconds };
})();
`;
