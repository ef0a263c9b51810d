import { createContext, Script } from "node:vm";
import { describe, expect, it } from "vitest";
import { dashboardHtml } from "../../../shared/dashboard/page.ts";
import { DASHBOARD_SCRIPT, RUN_STRIP_SCRIPT } from "../../../shared/dashboard/script.ts";
import { clusterFleetFacts } from "../../../shared/decide/fleet/fleet.ts";
import type { RunCell, RunHistory } from "../../../shared/decide/fleet/run-history.ts";
import type { BackupSession } from "../../../shared/model/backup-session.ts";
import { ago, configuration, HOUR, MINUTE, NOW, session } from "../../support/fleet-samples.ts";

/**
 * What the page draws for a session's runs: the bundled browser text of browser/run-strip.ts, run as is in a VM, given the
 * fleet view's `runs` for real sessions (shared/decide/fleet/run-history.ts). The DOM it becomes is checked in
 * Chromium (test/integration/fleet-dashboard.test.ts).
 */

interface KssRuns {
  cellClass(cell: RunCell): string;
  cellTitle(cell: RunCell): string;
  stripNote(runs: RunHistory): string;
  sparkline(
    runs: RunHistory,
    width: number,
    height: number,
  ): { points: string; dots: Array<{ x: number; y: number; title: string }>; label: string };
  seconds(value: number): string;
}

function loadRuns(): KssRuns {
  const context = createContext({});
  new Script(`${RUN_STRIP_SCRIPT}\nglobalThis.KssRuns = KssRuns;`).runInContext(context);
  return context.KssRuns as KssRuns;
}

const runs = loadRuns();
const hourAgo = (hours: number) => ago(hours * HOUR + 30 * MINUTE);

function runsOf(sessions: BackupSession[]): RunHistory {
  const view = clusterFleetFacts(
    { configurations: [configuration("app")], sessions, snapshots: [], repositories: [] },
    NOW,
  );
  const facts = view.configurations[0]?.sessions[0];
  if (!facts) throw new Error("one session");
  return facts.runs;
}

const failed = session("app", hourAgo(3), { phase: "Failed", duration: "20s", retried: true });
const retry = session("app", ago(3 * HOUR), {
  phase: "Succeeded",
  duration: "1m30s",
  retryOf: failed.metadata.name,
});
const history = runsOf([
  session("app", hourAgo(6), { phase: "Succeeded", duration: "2m" }),
  failed,
  retry,
  session("app", hourAgo(2), { phase: "Skipped" }),
  session("app", hourAgo(1), { phase: "Succeeded", duration: "45s" }),
  session("app", hourAgo(0), { phase: "Running" }),
]);

describe("the run strip's cells", () => {
  it("one class per kind, a round cell for a retry attempt", () => {
    // 07:00 and 08:00 have no session and no cell: a gap between kept sessions may be the history limit's
    // doing; only the overdue run and the ScheduleMissed condition say a time was missed.
    expect(history.cells.map((c) => runs.cellClass(c))).toEqual([
      "run run-succeeded",
      "run run-retried",
      "run run-succeeded run-retry",
      "run run-skipped",
      "run run-succeeded",
      "run run-running",
    ]);
  });

  it("each tooltip names the session, its phase, when it was due, how long it took, and the retry link", () => {
    expect(history.cells.map((c) => runs.cellTitle(c))).toEqual([
      `${history.cells[0]?.session}\nSucceeded · due 2026-11-26T06:00:00Z · schedule\ntook 2m`,
      `${failed.metadata.name}\nFailed, retried · due 2026-11-26T09:00:00Z · schedule\ntook 20s\nretried by ${retry.metadata.name}`,
      `${retry.metadata.name}\nSucceeded · due 2026-11-26T09:30:00Z · retry\ntook 1m30s\nretry of ${failed.metadata.name}`,
      `${history.cells[3]?.session}\nSkipped · due 2026-11-26T10:00:00Z · schedule`,
      `${history.cells[4]?.session}\nSucceeded · due 2026-11-26T11:00:00Z · schedule\ntook 45s`,
      `${history.cells[5]?.session}\nrunning (Running) · due 2026-11-26T12:00:00Z · schedule`,
    ]);
  });

  it("a missed cell says it had no session and what says so", () => {
    const overdue = runsOf([session("app", hourAgo(3), { phase: "Succeeded" })]);
    const missed = overdue.cells.filter((c) => c.kind === "missed");
    expect(missed.map((c) => runs.cellTitle(c))).toEqual(
      ["10", "11", "12"].map(
        (h) =>
          `missed · due 2026-11-26T${h}:00:00Z\nno BackupSession for this schedule time (the schedule is overdue)`,
      ),
    );
    expect(runs.stripNote(overdue)).toBe("1 kept (sessionHistoryLimit 5) · 3 missed");
    expect(
      runs.cellTitle({ kind: "missed", time: "t", missedBy: "ScheduleMissed", reason: "Superseded" }),
    ).toBe("missed · due t\nno BackupSession for this schedule time (ScheduleMissed: Superseded)");
  });

  it("a failure still owed its retry, and a late start, say so", () => {
    const cell: RunCell = {
      kind: "failed",
      time: "t",
      session: "s",
      phase: "Failed",
      nextRetry: "u",
      late: true,
    };
    expect(runs.cellClass(cell)).toBe("run run-failed run-late");
    expect(runs.cellTitle(cell)).toBe(
      "s\nFailed · due t\nretry due at u\nstarted late: created after its own tick (ScheduleMissed: StartedLate)",
    );
  });
});

describe("the duration sparkline", () => {
  it("plots the Succeeded runs oldest left, the longest at the top and the shortest at the bottom", () => {
    expect(history.trend?.points.map((p) => p.cell)).toEqual([0, 2, 4]);
    const line = runs.sparkline(history, 120, 24);
    // 2m, 1m30s (the retry), 45s: x evenly from 3 to 117; y from 3 (120 s) to 21 (45 s), 90 s at 3 + 18·30/75.
    expect(line.points).toBe("3,3 60,10.2 117,21");
    expect(line.dots.map((d) => d.title)).toEqual([
      `${history.cells[0]?.session}: 2m · due 2026-11-26T06:00:00Z`,
      `${retry.metadata.name}: 1m30s · due 2026-11-26T09:30:00Z`,
      `${history.cells[4]?.session}: 45s · due 2026-11-26T11:00:00Z`,
    ]);
    expect(line.label).toBe("last 45s · median 1m30s · 45s–2m");
  });

  it("one point, or all equal: a level line through the middle", () => {
    const one = runs.sparkline(
      {
        cells: [{ kind: "succeeded", time: "t", session: "s", durationSeconds: 5 }],
        kept: 1,
        historyLimit: 1,
        trend: {
          points: [{ cell: 0, seconds: 5 }],
          minSeconds: 5,
          maxSeconds: 5,
          medianSeconds: 5,
          lastSeconds: 5,
        },
      },
      120,
      24,
    );
    expect(one.dots.map((d) => d.title)).toEqual(["s: 5s · due t"]);
    expect(one.points).toBe("60,12");
  });

  it.each([
    [0.4, "0.4s"],
    [45, "45s"],
    [90, "1m30s"],
    [120, "2m"],
    [7_500, "2h5m"],
  ])("%s s reads %s", (value, text) => {
    expect(runs.seconds(value)).toBe(text);
  });
});

describe("the page", () => {
  it("begins its script with the strip's functions and explains the colours in a legend", () => {
    expect(DASHBOARD_SCRIPT.startsWith(RUN_STRIP_SCRIPT)).toBe(true);
    const html = dashboardHtml();
    for (const kind of ["succeeded", "failed", "retried", "skipped", "running", "missed"]) {
      expect(html).toContain(`<span class="run run-${kind}"></span>`);
    }
    expect(() => new Script(DASHBOARD_SCRIPT)).not.toThrow();
  });
});
