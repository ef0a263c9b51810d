import { describe, expect, it } from "vitest";
import { decideRetention } from "../../../shared/decide/retention/retention.ts";
import {
  failed,
  keepOnly,
  last,
  NOW,
  names,
  ok,
  type RetentionRow,
} from "../../support/retention-samples.ts";

/** The keep rules of successful snapshots, alone and combined, at their period edges (restic's forget). */

const rows: RetentionRow[] = [
  // successful snapshots, each rule alone
  [
    "last 2 of 3",
    [ok("a", "2026-11-26T10:00:00Z"), ok("b", "2026-11-26T11:00:00Z"), ok("c", "2026-11-26T12:00:00Z")],
    last(2),
    ["c", "b"],
    ["a"],
  ],
  [
    "last 0 alone is no rule: keep all",
    [ok("a", "2026-11-26T10:00:00Z"), ok("b", "2026-11-26T11:00:00Z")],
    last(0),
    ["b", "a"],
    [],
  ],
  [
    "hourly 2: the newest of each of the two newest hours",
    [ok("a", "2026-11-26T10:15:00Z"), ok("b", "2026-11-26T10:45:00Z"), ok("c", "2026-11-26T11:05:00Z")],
    keepOnly({ hourly: 2 }),
    ["c", "b"],
    ["a"],
  ],
  [
    "hourly edge: 09:59:59 and 10:00:00 are two hours",
    [ok("a", "2026-11-26T09:59:59Z"), ok("b", "2026-11-26T10:00:00Z")],
    keepOnly({ hourly: 2 }),
    ["b", "a"],
    [],
  ],
  [
    "daily 2 (spec example: D1 twice, D2, D3)",
    [
      ok("d1a", "2026-11-21T09:00:00Z"),
      ok("d1b", "2026-11-21T18:00:00Z"),
      ok("d2", "2026-11-22T08:00:00Z"),
      ok("d3", "2026-11-23T07:00:00Z"),
    ],
    keepOnly({ daily: 2 }),
    ["d3", "d2"],
    ["d1b", "d1a"],
  ],
  [
    "daily edge at midnight: 23:59:59 and 00:00:00 are two days",
    [ok("a", "2026-11-24T23:59:59Z"), ok("b", "2026-11-25T00:00:00Z")],
    keepOnly({ daily: 2 }),
    ["b", "a"],
    [],
  ],
  [
    "weekly edge: Sunday 23:59 and Monday 00:00 are two ISO weeks",
    [ok("sun", "2026-11-22T23:59:00Z"), ok("mon", "2026-11-23T00:00:00Z")],
    keepOnly({ weekly: 2 }),
    ["mon", "sun"],
    [],
  ],
  [
    "weekly across a new year: 2026-12-31 and 2027-01-01 share ISO week 2026-W53",
    [ok("w52", "2026-12-27T12:00:00Z"), ok("thu", "2026-12-31T12:00:00Z"), ok("fri", "2027-01-01T12:00:00Z")],
    keepOnly({ weekly: 2 }),
    ["fri", "w52"],
    ["thu"],
  ],
  [
    "weekly: 2025-12-31 is in ISO week 2026-W01 with 2026-01-01",
    [ok("dec", "2025-12-31T12:00:00Z"), ok("jan", "2026-01-01T12:00:00Z")],
    keepOnly({ weekly: 2 }),
    ["jan"],
    ["dec"],
  ],
  [
    "monthly edge: 11-30 23:59:59 and 12-01 00:00 are two months",
    [
      ok("nov", "2026-11-30T23:59:59Z"),
      ok("dec", "2026-12-01T00:00:00Z"),
      ok("nov1", "2026-11-01T00:00:00Z"),
    ],
    keepOnly({ monthly: 2 }),
    ["dec", "nov"],
    ["nov1"],
  ],
  [
    "yearly edge: 2025-12-31 23:59:59 and 2026-01-01 00:00 are two years",
    [
      ok("y25", "2025-12-31T23:59:59Z"),
      ok("y26", "2026-01-01T00:00:00Z"),
      ok("y26b", "2026-06-01T00:00:00Z"),
    ],
    keepOnly({ yearly: 2 }),
    ["y26b", "y25"],
    ["y26"],
  ],
  [
    "leap year: 02-28, 02-29, 03-01 are three days",
    [ok("28", "2028-02-28T12:00:00Z"), ok("29", "2028-02-29T12:00:00Z"), ok("01", "2028-03-01T12:00:00Z")],
    keepOnly({ daily: 3 }),
    ["01", "29", "28"],
    [],
  ],
  [
    "leap year: monthly keeps 02-29, the last of February",
    [ok("28", "2028-02-28T12:00:00Z"), ok("29", "2028-02-29T12:00:00Z"), ok("01", "2028-03-01T12:00:00Z")],
    keepOnly({ monthly: 2 }),
    ["01", "29"],
    ["28"],
  ],
  [
    "no leap day in 2027: 02-28 then 03-01",
    [ok("28", "2027-02-28T23:00:00Z"), ok("01", "2027-03-01T01:00:00Z")],
    keepOnly({ daily: 1, monthly: 2 }),
    ["01", "28"],
    [],
  ],
  // combined rules: a snapshot kept by any rule is kept
  [
    "last 1 + daily 2 (restic's example)",
    [
      ok("a", "2026-11-24T08:00:00Z"),
      ok("b", "2026-11-24T18:00:00Z"),
      ok("c", "2026-11-25T07:00:00Z"),
      ok("d", "2026-11-25T09:00:00Z"),
    ],
    keepOnly({ last: 1, daily: 2 }),
    ["d", "b"],
    ["c", "a"],
  ],
  [
    "last 3 + weekly 2 overlap: the union",
    [
      ok("a", "2026-11-10T00:00:00Z"),
      ok("b", "2026-11-20T00:00:00Z"),
      ok("c", "2026-11-24T00:00:00Z"),
      ok("d", "2026-11-25T00:00:00Z"),
      ok("e", "2026-11-26T00:00:00Z"),
    ],
    keepOnly({ last: 3, weekly: 2 }),
    ["e", "d", "c", "b"],
    ["a"],
  ],
  [
    "more periods asked than exist: keep all",
    [ok("a", "2026-01-01T00:00:00Z"), ok("b", "2026-02-01T00:00:00Z")],
    keepOnly({ daily: 30, monthly: 12, yearly: 5 }),
    ["b", "a"],
    [],
  ],
  [
    "successfulSnapshots absent: keep all",
    [ok("a", "2026-01-01T00:00:00Z"), ok("b", "2026-02-01T00:00:00Z")],
    {},
    ["b", "a"],
    [],
  ],
  [
    "successfulSnapshots empty: keep all",
    [ok("a", "2026-01-01T00:00:00Z"), ok("b", "2026-02-01T00:00:00Z")],
    keepOnly({}),
    ["b", "a"],
    [],
  ],
  [
    "all counts zero: keep all (restic: empty policy)",
    [ok("a", "2026-01-01T00:00:00Z")],
    keepOnly({ last: 0, daily: 0, yearly: 0 }),
    ["a"],
    [],
  ],
  // equal timestamps: snapshotID, then name decides which counts as newer
  [
    "equal times, last 1: the greater snapshotID",
    [
      ok("x", "2026-11-26T10:00:00Z", { snapshotID: "01J2" }),
      ok("y", "2026-11-26T10:00:00Z", { snapshotID: "01J1" }),
    ],
    last(1),
    ["x"],
    ["y"],
  ],
  [
    "equal times and IDs, last 1: the greater name",
    [
      ok("a", "2026-11-26T10:00:00Z", { snapshotID: "01J1" }),
      ok("b", "2026-11-26T10:00:00Z", { snapshotID: "01J1" }),
    ],
    last(1),
    ["b"],
    ["a"],
  ],
  [
    "equal times, daily 1: one per day all the same",
    [
      ok("p", "2026-11-26T10:00:00Z", { snapshotID: "01J5" }),
      ok("q", "2026-11-26T10:00:00Z", { snapshotID: "01J9" }),
    ],
    keepOnly({ daily: 1 }),
    ["q"],
    ["p"],
  ],
];

describe("decideRetention: keep rules", () => {
  it.each(rows)("%s", (_scenario, snapshots, spec, keep, prune) => {
    const plan = decideRetention(snapshots, spec, NOW);
    expect({ keep: names(plan.keep), prune: names(plan.prune) }).toEqual({ keep, prune });
  });

  it("names the rules and periods that keep a snapshot, and the rules one failed", () => {
    const snapshots = [1, 2, 3, 4, 5].map((d) => ok(`s${d}`, `2026-11-2${d}T10:00:00Z`));
    const plan = decideRetention(snapshots, keepOnly({ last: 1, daily: 2, weekly: 1 }), NOW);
    expect(plan.keep).toEqual([
      { name: "s5", reason: "kept: last 1 of 1, daily 2026-11-25, weekly 2026-W48" },
      { name: "s4", reason: "kept: daily 2026-11-24" },
    ]);
    expect(plan.prune[0]).toEqual({ name: "s3", reason: "pruned: not kept by last 1, daily 2, weekly 1" });
  });

  it("buckets by the wall clock of a time zone when given one", () => {
    // 22:30Z on the 24th is 23:30 in Berlin; 23:30Z is 00:30 on the 25th there.
    const snapshots = [ok("a", "2026-11-24T22:30:00Z"), ok("b", "2026-11-24T23:30:00Z")];
    const utc = decideRetention(snapshots, keepOnly({ daily: 2 }), NOW);
    const berlin = decideRetention(snapshots, keepOnly({ daily: 2 }), NOW, { timeZone: "Europe/Berlin" });
    expect(names(utc.keep)).toEqual(["b"]);
    expect(berlin.keep).toEqual([
      { name: "b", reason: "kept: daily 2026-11-25" },
      { name: "a", reason: "kept: daily 2026-11-24" },
    ]);
  });

  it("is the same plan whatever the input order", () => {
    const snapshots = [
      ok("a", "2026-11-26T10:00:00Z", { snapshotID: "2" }),
      ok("b", "2026-11-26T10:00:00Z", { snapshotID: "1" }),
      ok("c", "2026-11-25T10:00:00Z", { repository: "other" }),
      failed("d", "2026-11-26T09:00:00Z"),
    ];
    const spec = keepOnly({ daily: 1 });
    expect(decideRetention([...snapshots].reverse(), spec, NOW)).toEqual(
      decideRetention(snapshots, spec, NOW),
    );
  });
});
