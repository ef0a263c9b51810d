import { describe, expect, it } from "vitest";
import { type ClusterObjects, clusterFleetFacts } from "../../../shared/decide/fleet/fleet.ts";
import type { BackupSession } from "../../../shared/model/backup-session.ts";
import {
  ago,
  configuration,
  DAY,
  HOUR,
  kube,
  MINUTE,
  NOW,
  repository,
  session,
  snapshot,
} from "../../support/fleet-samples.ts";

/** The fleet view of one cluster's objects on a fixed clock (2026-11-26 12:30 UTC). */

function cluster(objects: Partial<ClusterObjects>) {
  return clusterFleetFacts(
    { configurations: [], sessions: [], snapshots: [], repositories: [], ...objects },
    NOW,
  );
}

function onlySession(sessions: BackupSession[]) {
  const view = cluster({ configurations: [configuration("app")], sessions });
  const facts = view.configurations[0]?.sessions[0];
  if (!facts) throw new Error("one configuration with one session");
  return facts;
}

interface CountRow {
  scenario: string;
  sessions: BackupSession[];
  expected: { failures24h: number; retries24h: number; state: string; running: number };
}

const countRows: CountRow[] = [
  {
    scenario: "all succeeded: nothing failed, nothing retried",
    sessions: [
      session("app", ago(90 * MINUTE), { phase: "Succeeded" }),
      session("app", ago(30 * MINUTE), { phase: "Succeeded" }),
    ],
    expected: { failures24h: 0, retries24h: 0, state: "ok", running: 0 },
  },
  {
    scenario: "3 failures today and 1 two days ago: 3 in the last 24 h, failing",
    sessions: [
      session("app", ago(2 * DAY), { phase: "Failed", duration: "1m" }),
      session("app", ago(150 * MINUTE), { phase: "Failed", duration: "1m" }),
      session("app", ago(90 * MINUTE), { phase: "Failed", duration: "1m" }),
      session("app", ago(30 * MINUTE), { phase: "Failed", duration: "1m" }),
    ],
    expected: { failures24h: 3, retries24h: 0, state: "failing", running: 0 },
  },
  {
    scenario: "a failure 23 h 59 m ago counts, one 24 h 1 m ago does not",
    sessions: [
      session("app", ago(DAY + 2 * MINUTE), { phase: "Failed", duration: "1m", lagMs: 0 }),
      session("app", ago(DAY), { phase: "Failed", duration: "1m", lagMs: 0 }),
      session("app", ago(30 * MINUTE), { phase: "Succeeded" }),
    ],
    expected: { failures24h: 1, retries24h: 0, state: "ok", running: 0 },
  },
  {
    scenario: "a failure two days ago that does not say when it ended: counted from when it was due, not now",
    sessions: [
      session("app", ago(2 * DAY), { phase: "Failed" }),
      session("app", ago(30 * MINUTE), { phase: "Succeeded" }),
    ],
    expected: { failures24h: 0, retries24h: 0, state: "ok", running: 0 },
  },
  {
    scenario: "a failure retried twice, the second retry running: 2 retries, 1 running",
    sessions: [
      session("app", ago(90 * MINUTE), { phase: "Failed", duration: "1m" }),
      session("app", ago(80 * MINUTE), { phase: "Failed", origin: "retry", duration: "1m" }),
      session("app", ago(10 * MINUTE), { phase: "Running", origin: "retry" }),
    ],
    expected: { failures24h: 2, retries24h: 2, state: "failing", running: 1 },
  },
  {
    scenario: "a retry yesterday morning (more than 24 h ago) is not counted",
    sessions: [
      session("app", ago(DAY + 3 * HOUR), { phase: "Succeeded", origin: "retry" }),
      session("app", ago(30 * MINUTE), { phase: "Succeeded" }),
    ],
    expected: { failures24h: 0, retries24h: 0, state: "ok", running: 0 },
  },
  {
    scenario: "a failure followed by a success: not failing any more",
    sessions: [
      session("app", ago(90 * MINUTE), { phase: "Failed", duration: "1m" }),
      session("app", ago(30 * MINUTE), { phase: "Succeeded" }),
    ],
    expected: { failures24h: 1, retries24h: 0, state: "ok", running: 0 },
  },
  {
    scenario: "a success, then a session still pending and one new: 2 running",
    sessions: [
      session("app", ago(150 * MINUTE), { phase: "Succeeded" }),
      session("app", ago(90 * MINUTE), { phase: "Pending" }),
      session("app", ago(30 * MINUTE)),
    ],
    expected: { failures24h: 0, retries24h: 0, state: "ok", running: 2 },
  },
];

describe("failures and retries in the last 24 h, running sessions", () => {
  it.each(countRows)("$scenario", ({ sessions, expected }) => {
    const facts = onlySession(sessions);
    expect({
      failures24h: facts.failures24h,
      retries24h: facts.retries24h,
      state: facts.state,
      running: facts.running.length,
    }).toEqual(expected);
  });
});

describe("one cluster's view", () => {
  it("lists the newest sessions first with their phase, and the last success with its age", () => {
    const facts = onlySession([
      session("app", ago(150 * MINUTE), { phase: "Succeeded", duration: "2m" }),
      session("app", ago(90 * MINUTE), { phase: "Failed" }),
      session("app", ago(30 * MINUTE)),
    ]);
    expect(facts.recent.map((s) => [s.name, s.phase])).toEqual([
      [`app-backup-${ago(30 * MINUTE).getTime() / 1000}`, "New"],
      [`app-backup-${ago(90 * MINUTE).getTime() / 1000}`, "Failed"],
      [`app-backup-${ago(150 * MINUTE).getTime() / 1000}`, "Succeeded"],
    ]);
    expect(facts.lastSuccess).toEqual({
      name: `app-backup-${ago(150 * MINUTE).getTime() / 1000}`,
      kind: "BackupSession",
      time: "2026-11-26T10:00:00Z",
      ageSeconds: 9000,
    });
    expect(facts.nextSchedule).toBe("2026-11-26T13:00:00Z");
  });

  it("counts Snapshots per repository of the configuration, by phase, and says which repository is missing", () => {
    const view = cluster({
      configurations: [configuration("app", { repositories: ["s3", "gcs"] })],
      repositories: [repository("s3")],
      snapshots: [
        snapshot("app", "s3", ago(3 * HOUR)),
        snapshot("app", "s3", ago(2 * HOUR), "Failed"),
        snapshot("app", "s3", ago(HOUR), "Running"),
        snapshot("other", "gcs", ago(HOUR)),
      ],
    });
    expect(view.configurations[0]?.repositories).toEqual([
      {
        name: "s3",
        found: true,
        snapshots: { total: 3, succeeded: 1, failed: 1, inProgress: 1 },
        lastSnapshotTime: "2026-11-26T11:30:00Z",
      },
      {
        name: "gcs",
        found: false,
        snapshots: { total: 1, succeeded: 1, failed: 0, inProgress: 0 },
        lastSnapshotTime: "2026-11-26T11:30:00Z",
      },
    ]);
  });

  it("reports the retention last applied, from the newest session whose status carries it", () => {
    const applied = [
      { ref: { name: "keep", namespace: "apps" }, repository: "repo", phase: "Applied" as const },
    ];
    const facts = onlySession([
      session("app", ago(90 * MINUTE), { phase: "Succeeded", retention: applied }),
      session("app", ago(30 * MINUTE), {
        phase: "Running",
        retention: [{ repository: "repo", phase: "Pending" }],
      }),
    ]);
    expect(facts.retention).toEqual({
      session: `app-backup-${ago(90 * MINUTE).getTime() / 1000}`,
      time: "2026-11-26T11:00:00Z",
      policies: [{ policy: "apps/keep", repository: "repo", phase: "Applied" }],
    });
  });

  it("keeps configurations apart: same session name, other configuration or namespace", () => {
    const view = cluster({
      configurations: [configuration("b"), configuration("a"), configuration("a", { namespace: "other" })],
      sessions: [
        session("a", ago(30 * MINUTE), { phase: "Failed" }),
        session("b", ago(30 * MINUTE), { phase: "Succeeded" }),
      ],
    });
    expect(view.configurations.map((c) => [c.namespace, c.name, c.state])).toEqual([
      ["apps", "a", "failing"],
      ["apps", "b", "ok"],
      ["other", "a", "overdue"],
    ]);
  });

  it("takes the phase from the status, computes it when absent, and sums the cluster's totals", () => {
    const view = cluster({
      configurations: [
        configuration("invalid", { phase: "Invalid" }),
        configuration("ready", { phase: "Ready" }),
        configuration("paused", { paused: true }),
        configuration("late", { phase: "Ready" }),
      ],
      sessions: [
        session("ready", ago(30 * MINUTE), { phase: "Running" }),
        session("ready", ago(90 * MINUTE), { phase: "Failed", origin: "retry" }),
        session("invalid", ago(30 * MINUTE), { phase: "Succeeded" }),
        session("paused", ago(30 * MINUTE), { phase: "Succeeded" }),
      ],
    });
    expect(view.configurations.map((c) => [c.name, c.phase, c.state, c.paused])).toEqual([
      ["invalid", "Invalid", "invalid", false],
      ["late", "Ready", "overdue", false],
      ["paused", "NotReady", "paused", true],
      ["ready", "Ready", "failing", false],
    ]);
    expect(view.now).toBe("2026-11-26T12:30:00Z");
    expect(view.totals).toEqual({
      configurations: 4,
      ready: 2,
      notReady: 1,
      invalid: 1,
      paused: 1,
      overdue: 1,
      failing: 1,
      rpoBreached: 2,
      rpoAtRisk: 0,
      running: 1,
      failures24h: 1,
      retries24h: 1,
      verificationsFailed: 0,
    });
  });
});

describe("clusterFleetFacts: an @every schedule counts from the session's last scheduled time", () => {
  const every = (schedule: string, sessions: BackupSession[]) => {
    const view = cluster({ configurations: [configuration("app", { schedule })], sessions });
    const facts = view.configurations[0]?.sessions[0];
    if (!facts) throw new Error("one configuration with one session");
    return facts;
  };

  it.each<[string, string, BackupSession[], object]>([
    [
      "@every 90m, last run 20 min ago: next in 70 min, on time",
      "@every 90m",
      [session("app", ago(20 * MINUTE), { phase: "Succeeded" })],
      { nextSchedule: kube(ago(-70 * MINUTE)), intervalSeconds: 5400, state: "ok" },
    ],
    [
      "@every 30s, last run 50 s ago: once per tick, so not overdue between two ticks",
      "@every 30s",
      [session("app", ago(50_000), { phase: "Succeeded" })],
      { intervalSeconds: 60, state: "ok" },
    ],
    [
      "@every 1h, last run 3 h ago: overdue since two hours, three runs missed (the one due now too)",
      "@every 1h",
      [session("app", ago(3 * HOUR), { phase: "Succeeded" })],
      { state: "overdue", overdue: { dueSince: kube(ago(2 * HOUR)), missedRuns: 3 } },
    ],
  ])("%s", (_scenario, schedule, sessions, expected) => {
    const facts = every(schedule, sessions);
    expect(facts).toMatchObject(expected);
    if (facts.state !== "overdue") expect(facts.overdue).toBeUndefined();
  });
});
