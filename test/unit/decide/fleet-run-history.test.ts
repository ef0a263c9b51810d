import { describe, expect, it } from "vitest";
import { type ClusterObjects, clusterFleetFacts } from "../../../shared/decide/fleet/fleet.ts";
import {
  RUN_HISTORY_CELLS,
  type RunCell,
  type RunHistory,
  runHistory,
} from "../../../shared/decide/fleet/run-history.ts";
import { missedRecord, missedScheduleConditions } from "../../../shared/decide/schedule/missed-schedules.ts";
import type { BackupConfiguration } from "../../../shared/model/backup-configuration.ts";
import type { BackupSession } from "../../../shared/model/backup-session.ts";
import { ScheduleMissedCondition as M } from "../../../shared/model/conditions.ts";
import {
  ago,
  type ConfigOptions,
  configuration,
  DAY,
  HOUR,
  kube,
  MINUTE,
  NOW,
  session,
  utc,
} from "../../support/fleet-samples.ts";

/**
 * The run strip and the duration trend of one session (shared/decide/fleet/run-history.ts), on a fixed clock
 * (Thursday 2026-11-26 12:30 UTC), mostly through the fleet view so the strip is checked with the overdue
 * run and the ScheduleMissed condition the view computes beside it.
 */

function withMissed(
  config: BackupConfiguration,
  newest: Date,
  reason: (typeof M)[keyof Omit<typeof M, "type">],
  count = 1,
): BackupConfiguration {
  const conditions = missedScheduleConditions(undefined, { newest, reason, count }, newest);
  return { ...config, status: { ...config.status, sessions: [{ name: "backup", conditions }] } };
}

function runsOf(sessions: BackupSession[], options: ConfigOptions | BackupConfiguration = {}) {
  const config = "kind" in options ? options : configuration("app", options);
  const objects: ClusterObjects = { configurations: [config], sessions, snapshots: [], repositories: [] };
  const facts = clusterFleetFacts(objects, NOW).configurations[0]?.sessions[0];
  if (!facts) throw new Error("one configuration with one session");
  return facts;
}

/** A cell as a short word: kind@HH:MM, for rows that read as a strip. */
const word = (cell: RunCell) => `${cell.kind}@${cell.time.slice(11, 16)}`;
const strip = (history: RunHistory) => history.cells.map(word);
const hourAgo = (hours: number) => ago(hours * HOUR + 30 * MINUTE);

interface StripRow {
  scenario: string;
  sessions: BackupSession[];
  config?: ConfigOptions | BackupConfiguration;
  expected: string[];
}

const stripRows: StripRow[] = [
  {
    scenario: "no sessions yet, on time: an empty strip",
    sessions: [],
    config: { createdAt: ago(20 * MINUTE) },
    expected: [],
  },
  {
    scenario: "each phase in time order, oldest first (Pending and Running both 'running')",
    sessions: [
      session("app", hourAgo(0), { phase: "Running" }),
      session("app", hourAgo(3), { phase: "Succeeded", duration: "1m" }),
      session("app", hourAgo(2), { phase: "Failed", duration: "1m" }),
      session("app", hourAgo(1), { phase: "Skipped" }),
      session("app", hourAgo(4), { phase: "Pending" }),
    ],
    expected: ["running@08:00", "succeeded@09:00", "failed@10:00", "skipped@11:00", "running@12:00"],
  },
  {
    scenario: "a session without a status yet is running (phase New)",
    sessions: [session("app", hourAgo(0))],
    expected: ["running@12:00"],
  },
  {
    scenario: "hourly, the last session at 07:00, now 12:30: 08:00 … 12:00 missed, as Overdue counts them",
    sessions: [session("app", hourAgo(5), { phase: "Succeeded", duration: "1m" })],
    expected: [
      "succeeded@07:00",
      "missed@08:00",
      "missed@09:00",
      "missed@10:00",
      "missed@11:00",
      "missed@12:00",
    ],
  },
  {
    scenario: "one interval late is not overdue yet: no missed cell for 12:00 when 11:00 has its session",
    sessions: [session("app", hourAgo(1), { phase: "Succeeded", duration: "1m" })],
    expected: ["succeeded@11:00"],
  },
  {
    scenario: "paused: the times since the last session are not misses",
    sessions: [session("app", hourAgo(5), { phase: "Succeeded", duration: "1m" })],
    config: { paused: true },
    expected: ["succeeded@07:00"],
  },
  {
    scenario: "suspended: the same",
    sessions: [session("app", hourAgo(5), { phase: "Succeeded", duration: "1m" })],
    config: { suspend: true },
    expected: ["succeeded@07:00"],
  },
  {
    scenario: "created at 10:10, no session since: 11:00 and 12:00 missed, nothing before the creation",
    sessions: [],
    config: { createdAt: utc("2026-11-26T10:10:00Z") },
    expected: ["missed@11:00", "missed@12:00"],
  },
  {
    scenario: "ScheduleMissed superseded at 10:00 (sessions at 09:00 and 11:00): a missed cell between them",
    sessions: [
      session("app", hourAgo(3), { phase: "Succeeded", duration: "1m" }),
      session("app", hourAgo(1), { phase: "Succeeded", duration: "1m" }),
      session("app", hourAgo(0), { phase: "Succeeded", duration: "1m" }),
    ],
    config: withMissed(configuration("app"), utc("2026-11-26T10:00:00Z"), M.Superseded),
    expected: ["succeeded@09:00", "missed@10:00", "succeeded@11:00", "succeeded@12:00"],
  },
  {
    scenario: "ScheduleMissed past the deadline, older than every kept session: outside the strip, no cell",
    sessions: [
      session("app", hourAgo(1), { phase: "Succeeded", duration: "1m" }),
      session("app", hourAgo(0), { phase: "Succeeded", duration: "1m" }),
    ],
    config: withMissed(configuration("app"), utc("2026-11-26T06:00:00Z"), M.MissedStartingDeadline, 4),
    expected: ["succeeded@11:00", "succeeded@12:00"],
  },
  {
    scenario: "ScheduleMissed StartedLate at 11:00: its session exists, no missed cell (the session is late)",
    sessions: [
      session("app", hourAgo(1), { phase: "Succeeded", duration: "1m", lagMs: 3 * MINUTE }),
      session("app", hourAgo(0), { phase: "Succeeded", duration: "1m" }),
    ],
    config: withMissed(configuration("app"), utc("2026-11-26T11:00:00Z"), M.StartedLate),
    expected: ["succeeded@11:00", "succeeded@12:00"],
  },
];

describe("the run strip: one cell per kept session and per known missed time, oldest first", () => {
  it.each(stripRows)("$scenario", ({ sessions, config, expected }) => {
    expect(strip(runsOf(sessions, config).runs)).toEqual(expected);
  });

  it("counts as many missed cells as the Overdue column's missed runs", () => {
    const facts = runsOf([session("app", hourAgo(5), { phase: "Succeeded" })]);
    const missed = facts.runs.cells.filter((c) => c.kind === "missed");
    expect(missed).toHaveLength(facts.overdue?.missedRuns ?? -1);
    expect(missed.every((c) => c.missedBy === "overdue" && c.session === undefined)).toBe(true);
  });

  it("names the ScheduleMissed reason on the cell it adds, and marks the StartedLate session late", () => {
    const superseded = runsOf(
      [
        session("app", hourAgo(3), { phase: "Succeeded" }),
        session("app", hourAgo(0), { phase: "Succeeded" }),
      ],
      withMissed(configuration("app"), utc("2026-11-26T10:00:00Z"), M.Superseded),
    ).runs.cells.find((c) => c.kind === "missed");
    expect(superseded).toEqual({
      kind: "missed",
      time: "2026-11-26T10:00:00Z",
      missedBy: "ScheduleMissed",
      reason: M.Superseded,
    });
    const late = runsOf(
      [
        session("app", hourAgo(1), { phase: "Succeeded" }),
        session("app", hourAgo(0), { phase: "Succeeded" }),
      ],
      withMissed(configuration("app"), utc("2026-11-26T11:00:00Z"), M.StartedLate),
    ).runs.cells;
    expect(late.map((c) => c.late ?? false)).toEqual([true, false]);
  });

  it("an every-minute schedule overdue for 3 days: the newest 20 minutes, each missed, up to now", () => {
    const facts = runsOf([session("app", ago(3 * DAY), { phase: "Succeeded" })], {
      schedule: "* * * * *",
      createdAt: ago(4 * DAY),
    });
    const cells = facts.runs.cells;
    expect(cells).toHaveLength(RUN_HISTORY_CELLS);
    expect(cells.every((c) => c.kind === "missed")).toBe(true);
    expect(cells.at(-1)?.time).toBe(kube(NOW));
    expect(cells[0]?.time).toBe(kube(ago((RUN_HISTORY_CELLS - 1) * MINUTE)));
  });

  it("keeps the newest 20 of 40 kept sessions, and says how many are kept and the history limit", () => {
    const sessions = Array.from({ length: 40 }, (_, i) =>
      session("app", ago((40 - i) * HOUR), { phase: "Succeeded", duration: `${i + 1}s` }),
    );
    const runs = runsOf(sessions, { session: { sessionHistoryLimit: 40 } }).runs;
    expect(runs.cells).toHaveLength(RUN_HISTORY_CELLS);
    expect([runs.kept, runs.historyLimit]).toEqual([40, 40]);
    expect(RUN_HISTORY_CELLS).toBe(20);
    expect(runs.cells[0]?.durationSeconds).toBe(21);
    expect(runs.cells.at(-1)?.durationSeconds).toBe(40);
  });
});

describe("retries in the strip", () => {
  const original = session("app", hourAgo(2), { phase: "Failed", duration: "20s", retried: true });
  const retry = session("app", ago(2 * HOUR), {
    phase: "Succeeded",
    duration: "1m",
    retryOf: original.metadata.name,
  });

  it("the failed session a retry was made for is 'retried', naming the retry; the retry names it", () => {
    const cells = runsOf([original, retry, session("app", hourAgo(1), { phase: "Succeeded" })]).runs.cells;
    expect(cells.map((c) => [c.kind, c.session, c.retriedBy, c.retryOf, c.origin])).toEqual([
      ["retried", original.metadata.name, retry.metadata.name, undefined, "schedule"],
      ["succeeded", retry.metadata.name, undefined, original.metadata.name, "retry"],
      ["succeeded", expect.any(String), undefined, undefined, "schedule"],
    ]);
    expect(cells[1]?.time).toBe("2026-11-26T10:30:00Z");
  });

  it("a retried session whose retry is no longer kept is still 'retried' (status.retried)", () => {
    const later = session("app", hourAgo(0), { phase: "Succeeded" });
    expect(runsOf([original, later]).runs.cells.map((c) => [c.kind, c.retriedBy])).toEqual([
      ["retried", undefined],
      ["succeeded", undefined],
    ]);
  });

  it("a failure that still owes its retry stays 'failed', with the retry's due time", () => {
    const owed = session("app", hourAgo(0), { phase: "Failed", nextRetry: ago(20 * MINUTE) });
    expect(runsOf([owed]).runs.cells).toMatchObject([{ kind: "failed", nextRetry: kube(ago(20 * MINUTE)) }]);
  });
});

interface TrendRow {
  scenario: string;
  sessions: BackupSession[];
  expected: { seconds: number[]; min: number; max: number; median: number; last: number } | undefined;
}

const trendRows: TrendRow[] = [
  {
    scenario: "the Succeeded runs' durations, oldest first, with min, max, median and the last",
    sessions: [
      session("app", hourAgo(4), { phase: "Succeeded", duration: "1m30s" }),
      session("app", hourAgo(3), { phase: "Failed", duration: "5m" }),
      session("app", hourAgo(2), { phase: "Succeeded", duration: "2m0.5s" }),
      session("app", hourAgo(1), { phase: "Succeeded", duration: "45s" }),
      session("app", hourAgo(0), { phase: "Running" }),
    ],
    expected: { seconds: [90, 120.5, 45], min: 45, max: 120.5, median: 90, last: 45 },
  },
  {
    scenario: "an unreadable or missing duration is left out; an even count has the middle two's mean",
    sessions: [
      session("app", hourAgo(3), { phase: "Succeeded", duration: "ten minutes" }),
      session("app", hourAgo(2), { phase: "Succeeded", duration: "10s" }),
      session("app", hourAgo(1), { phase: "Succeeded" }),
      session("app", hourAgo(0), { phase: "Succeeded", duration: "30s" }),
    ],
    expected: { seconds: [10, 30], min: 10, max: 30, median: 20, last: 30 },
  },
  {
    scenario: "no Succeeded run with a duration: no trend",
    sessions: [session("app", hourAgo(0), { phase: "Failed", duration: "1m" })],
    expected: undefined,
  },
];

describe("the duration trend", () => {
  it.each(trendRows)("$scenario", ({ sessions, expected }) => {
    const trend = runsOf(sessions).runs.trend;
    expect(
      trend && {
        seconds: trend.points.map((p) => p.seconds),
        min: trend.minSeconds,
        max: trend.maxSeconds,
        median: trend.medianSeconds,
        last: trend.lastSeconds,
      },
    ).toEqual(expected);
  });

  it("each point is its run's index in the cells (which name the session and when it was due)", () => {
    const s = session("app", hourAgo(0), { phase: "Succeeded", duration: "2m" });
    const runs = runsOf([session("app", hourAgo(1), { phase: "Failed", duration: "1m" }), s]).runs;
    expect(runs.trend?.points).toEqual([{ cell: 1, seconds: 120 }]);
    expect(runs.cells[1]).toMatchObject({ session: s.metadata.name, time: "2026-11-26T12:00:00Z" });
  });
});

describe("runHistory on its own", () => {
  it("with no schedule (an unscheduled session): only the sessions, no missed cells", () => {
    const record = missedRecord(
      missedScheduleConditions(undefined, { newest: ago(HOUR), reason: M.Superseded, count: 1 }, NOW),
    );
    const history = runHistory(
      {
        sessions: [session("app", ago(2 * HOUR), { phase: "Succeeded", origin: "trigger" })],
        historyLimit: 1,
        ...(record ? { missed: record } : {}),
      },
      NOW,
    );
    // The recorded miss still has a cell: the condition says it got no session, schedule or not.
    expect(strip(history)).toEqual(["succeeded@10:30", "missed@11:30"]);
    expect([history.kept, history.historyLimit]).toEqual([1, 1]);
  });
});
