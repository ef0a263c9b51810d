import { describe, expect, it } from "vitest";
import { decideRetention } from "../../../shared/decide/retention/retention.ts";
import type { Snapshot } from "../../../shared/model/index.ts";
import {
  failed,
  inPhase,
  last,
  max,
  NOW,
  names,
  ok,
  type RetentionRow,
  snapshotAt,
} from "../../support/retention-samples.ts";

/**
 * What limits retention beyond the keep rules: failedSnapshots.last, maxRetentionPeriod with each unit and its
 * last-good-snapshot guard, running snapshots, and the grouping per repository and session.
 */

const rows: RetentionRow[] = [
  // failed vs succeeded
  [
    "failedSnapshots absent: the newest failed one stays (default 1)",
    [failed("f1", "2026-11-26T01:00:00Z"), failed("f2", "2026-11-26T02:00:00Z")],
    {},
    ["f2"],
    ["f1"],
  ],
  [
    "failedSnapshots.last 0: every failed one goes",
    [failed("f1", "2026-11-26T01:00:00Z"), ok("s", "2026-11-26T00:00:00Z")],
    { failedSnapshots: { last: 0 } },
    ["s"],
    ["f1"],
  ],
  [
    "failedSnapshots.last 3 with two failed: both stay",
    [failed("f1", "2026-11-26T01:00:00Z"), failed("f2", "2026-11-26T02:00:00Z")],
    { failedSnapshots: { last: 3 } },
    ["f2", "f1"],
    [],
  ],
  [
    "failed ones do not count for last: newest success and newest failure stay",
    [ok("s1", "2026-11-26T01:00:00Z"), ok("s2", "2026-11-26T02:00:00Z"), failed("f", "2026-11-26T03:00:00Z")],
    last(1),
    ["f", "s2"],
    ["s1"],
  ],
  // running snapshots are never touched
  [
    "Running and Pending stay and do not count",
    [
      ok("s1", "2026-11-26T01:00:00Z"),
      ok("s2", "2026-11-26T02:00:00Z"),
      inPhase("r", "2026-11-26T03:00:00Z", "Running"),
      inPhase("p", "2026-11-26T04:00:00Z", "Pending"),
    ],
    last(1),
    ["p", "r", "s2"],
    ["s1"],
  ],
  [
    "running stays even under maxRetentionPeriod",
    [inPhase("r", "2020-01-01T00:00:00Z", "Running"), ok("s", "2026-11-26T00:00:00Z")],
    max("1d"),
    ["s", "r"],
    [],
  ],
  // maxRetentionPeriod, each unit
  [
    "maxRetentionPeriod 1y (365 days)",
    [ok("old", "2025-11-25T11:59:00Z"), ok("in", "2025-11-26T12:00:00Z"), ok("new", "2026-11-26T00:00:00Z")],
    max("1y"),
    ["new", "in"],
    ["old"],
  ],
  [
    "maxRetentionPeriod 2mo (60 days)",
    [ok("old", "2026-09-27T11:00:00Z"), ok("in", "2026-09-27T13:00:00Z"), ok("new", "2026-11-26T00:00:00Z")],
    max("2mo"),
    ["new", "in"],
    ["old"],
  ],
  [
    "maxRetentionPeriod 2w",
    [ok("old", "2026-11-12T11:00:00Z"), ok("in", "2026-11-12T12:00:00Z"), ok("new", "2026-11-26T00:00:00Z")],
    max("2w"),
    ["new", "in"],
    ["old"],
  ],
  [
    "maxRetentionPeriod 3d: exactly at the cutoff stays",
    [
      ok("old", "2026-11-23T11:59:59Z"),
      ok("edge", "2026-11-23T12:00:00Z"),
      ok("new", "2026-11-26T00:00:00Z"),
    ],
    max("3d"),
    ["new", "edge"],
    ["old"],
  ],
  [
    "maxRetentionPeriod 6h",
    [ok("old", "2026-11-26T05:00:00Z"), ok("in", "2026-11-26T07:00:00Z"), ok("new", "2026-11-26T11:00:00Z")],
    max("6h"),
    ["new", "in"],
    ["old"],
  ],
  [
    "maxRetentionPeriod 90m",
    [ok("old", "2026-11-26T10:29:00Z"), ok("in", "2026-11-26T10:31:00Z"), ok("new", "2026-11-26T11:59:00Z")],
    max("90m"),
    ["new", "in"],
    ["old"],
  ],
  [
    "an empty maxRetentionPeriod sets no limit (not a zero one)",
    [ok("old", "2020-01-01T00:00:00Z"), ok("new", "2026-11-26T00:00:00Z")],
    max(""),
    ["new", "old"],
    [],
  ],
  [
    "maxRetentionPeriod 1w2d overrides a keep rule",
    [ok("old", "2026-11-16T00:00:00Z"), ok("in", "2026-11-18T00:00:00Z"), ok("new", "2026-11-26T00:00:00Z")],
    max("1w2d", { last: 10 }),
    ["new", "in"],
    ["old"],
  ],
  [
    "maxRetentionPeriod prunes old failed ones within failedSnapshots.last",
    [failed("f", "2026-01-01T00:00:00Z"), ok("s", "2026-11-26T00:00:00Z")],
    { maxRetentionPeriod: "30d", failedSnapshots: { last: 5 } },
    ["s"],
    ["f"],
  ],
  // the last-good-snapshot guard
  [
    "every success is too old: the newest successful one stays",
    [ok("a", "2026-01-01T00:00:00Z"), ok("b", "2026-02-01T00:00:00Z"), failed("f", "2026-11-20T00:00:00Z")],
    max("1d"),
    ["b"],
    ["f", "a"],
  ],
  [
    "the guard is per repository and session",
    [
      ok("a1", "2026-01-01T00:00:00Z", { repository: "a" }),
      ok("a2", "2026-01-02T00:00:00Z", { repository: "a" }),
      ok("b1", "2026-01-01T00:00:00Z", { repository: "b" }),
    ],
    max("1d"),
    ["a2", "b1"],
    ["a1"],
  ],
  [
    "no successful snapshot: failed old ones all go",
    [failed("f1", "2026-01-01T00:00:00Z"), failed("f2", "2026-01-02T00:00:00Z")],
    max("1d"),
    [],
    ["f2", "f1"],
  ],
  // grouping and times
  [
    "per repository: last 1 in each",
    [
      ok("a1", "2026-11-25T00:00:00Z", { repository: "a" }),
      ok("a2", "2026-11-26T00:00:00Z", { repository: "a" }),
      ok("b1", "2026-11-20T00:00:00Z", { repository: "b" }),
      ok("b2", "2026-11-21T00:00:00Z", { repository: "b" }),
    ],
    last(1),
    ["a2", "b2"],
    ["a1", "b1"],
  ],
  [
    "per session within one repository",
    [
      ok("h1", "2026-11-25T00:00:00Z", { session: "hourly" }),
      ok("h2", "2026-11-26T00:00:00Z", { session: "hourly" }),
      ok("d1", "2026-11-20T00:00:00Z", { session: "daily" }),
    ],
    last(1),
    ["d1", "h2"],
    ["h1"],
  ],
  [
    "creationTimestamp when there is no snapshotTime",
    [ok("a", "2026-11-25T00:00:00Z", { timeAsCreation: true }), ok("b", "2026-11-24T00:00:00Z")],
    last(1),
    ["a"],
    ["b"],
  ],
  [
    "a completed snapshot with no time at all stays and does not count",
    [snapshotAt("undated"), ok("a", "2026-11-25T00:00:00Z"), ok("b", "2026-11-24T00:00:00Z")],
    last(1),
    ["undated", "a"],
    ["b"],
  ],
];

describe("decideRetention: failed, running, maxRetentionPeriod, groups", () => {
  it.each(rows)("%s", (_scenario, snapshots, spec, keep, prune) => {
    const plan = decideRetention(snapshots, spec, NOW);
    expect({ keep: names(plan.keep), prune: names(plan.prune) }).toEqual({ keep, prune });
  });

  it("gives every snapshot its reason", () => {
    // Prepare
    const snapshots = [
      ok("guarded", "2026-08-01T00:00:00Z"),
      ok("older", "2026-07-01T00:00:00Z"),
      failed("f-new", "2026-11-26T09:00:00Z"),
      failed("f-old", "2026-11-26T08:00:00Z"),
      inPhase("busy", "2026-11-26T11:00:00Z", "Running"),
    ];
    // Act
    const plan = decideRetention(snapshots, { ...max("2mo", { last: 5, daily: 1 }) }, NOW);
    // Assess
    expect(plan).toEqual({
      keep: [
        { name: "busy", reason: "running" },
        { name: "f-new", reason: "kept: failedSnapshots.last 1 of 1" },
        {
          name: "guarded",
          reason:
            "kept: newest successful snapshot of repository repo, never pruned by maxRetentionPeriod 2mo",
        },
      ],
      prune: [
        { name: "f-old", reason: "pruned: beyond failedSnapshots.last 1" },
        { name: "older", reason: "pruned: older than maxRetentionPeriod 2mo" },
      ],
    });
  });

  it("reads the phase from components and conditions when status.phase is not written", () => {
    const computed: Snapshot = {
      ...ok("c", "2026-11-26T11:00:00Z"),
      status: {
        snapshotTime: "2026-11-26T11:00:00Z",
        totalComponents: 1,
        components: { dump: { phase: "Running" } },
      },
    };
    const plan = decideRetention([computed, ok("s", "2026-11-20T00:00:00Z")], max("1d"), NOW);
    expect(plan.keep.find((k) => k.name === "c")?.reason).toBe("running");
  });
});
