import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PROJECT_ROOT, runKssInProcess } from "../../../support/kss.ts";

/** `kss retention plan` from files: every snapshot with keep/prune and why, as a table or JSON. */

const FIXTURES = "test/fixtures/retention";
const POLICY = `${FIXTURES}/keep-last-2.yaml`;
const SNAPSHOTS = `${FIXTURES}/snapshots.yaml`;
const NOW = "2026-11-26T12:00:00Z";
const plan = (...args: string[]) => runKssInProcess(["retention", "plan", ...args]);

const expectedPlan = {
  keep: [
    { name: "demo-repo-daily-1764115200", reason: "running" },
    { name: "demo-repo-daily-1764028800", reason: "kept: last 1 of 2" },
    { name: "demo-repo-daily-1763942400", reason: "kept: failedSnapshots.last 1 of 1" },
    { name: "demo-repo-daily-1763856000", reason: "kept: last 2 of 2" },
  ],
  prune: [
    { name: "demo-repo-daily-1763769600", reason: "pruned: beyond failedSnapshots.last 1" },
    { name: "demo-repo-daily-1763683200", reason: "pruned: not kept by last 2" },
    { name: "demo-repo-daily-1759276800", reason: "pruned: older than maxRetentionPeriod 30d" },
  ],
};

/** The fixture's Snapshots as a plain JSON array (what `jq .items` gives), for stdin. */
function snapshotsAsJsonArray(): string {
  const list = parse(readFileSync(path.join(PROJECT_ROOT, SNAPSHOTS), "utf8")) as { items: unknown[] };
  return JSON.stringify(list.items);
}

describe("kss retention plan --policy --snapshots", () => {
  it("prints { keep, prune } with a reason for each snapshot (--output json)", async () => {
    const run = await plan("--policy", POLICY, "--snapshots", SNAPSHOTS, "--now", NOW, "-o", "json");
    expect(run).toMatchObject({ exitCode: 0, stderr: "" });
    expect(JSON.parse(run.stdout)).toEqual(expectedPlan);
  });

  it("prints a table, newest first, with the action, phase, time and reason of every snapshot", async () => {
    const run = await plan("--policy", POLICY, "--snapshots", SNAPSHOTS, "--now", NOW);
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines.slice(0, 4)).toEqual([
      "Retention plan at 2026-11-26T12:00:00Z (dry run: nothing is deleted)",
      "",
      "RetentionPolicy demo/keep-last-2, periods in UTC",
      "ACTION  SNAPSHOT                    PHASE      SNAPSHOT TIME         REASON",
    ]);
    expect(lines[4]).toBe("keep    demo-repo-daily-1764115200  Running    2026-11-26T00:00:00Z  running");
    expect(lines[9]).toBe(
      "prune   demo-repo-daily-1763683200  Succeeded  2026-11-21T00:00:00Z  pruned: not kept by last 2",
    );
    expect(lines[11]).toBe("4 kept, 3 pruned");
  });

  it("reads the Snapshots as a JSON array from stdin", async () => {
    const run = await runKssInProcess(
      ["retention", "plan", "--policy", POLICY, "--snapshots", "-", "--now", NOW, "-o", "json"],
      snapshotsAsJsonArray(),
    );
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(expectedPlan);
  });

  it("buckets periods in the zone --time-zone names", async () => {
    const snapshot = (name: string, time: string) => ({
      apiVersion: "storage.kubestash.com/v1alpha1",
      kind: "Snapshot",
      metadata: { name, namespace: "demo" },
      spec: { repository: "r", session: "s" },
      status: { phase: "Succeeded", snapshotTime: time },
    });
    // 23:30Z on the 24th is already the 25th in Tokyo.
    const snapshots = JSON.stringify([
      snapshot("late", "2026-11-24T23:30:00Z"),
      snapshot("early", "2026-11-24T14:30:00Z"),
    ]);
    const args = [
      "retention",
      "plan",
      "--policy",
      `${FIXTURES}/daily-1.yaml`,
      "--snapshots",
      "-",
      "-o",
      "json",
    ];
    const inUtc = JSON.parse((await runKssInProcess(args, snapshots)).stdout) as typeof expectedPlan;
    const inTokyo = JSON.parse(
      (await runKssInProcess([...args, "--time-zone", "Asia/Tokyo"], snapshots)).stdout,
    ) as typeof expectedPlan;
    expect(inUtc).toEqual({
      keep: [{ name: "late", reason: "kept: daily 2026-11-24" }],
      prune: [{ name: "early", reason: "pruned: not kept by daily 1" }],
    });
    expect(inTokyo.keep).toEqual([{ name: "late", reason: "kept: daily 2026-11-25" }]);
  });

  it.each([
    ["no snapshots source", ["--policy", POLICY], "--snapshots (with --policy) or --cluster"],
    ["snapshots without policy", ["--snapshots", SNAPSHOTS], "--policy is required with --snapshots"],
    [
      "files and a cluster at once",
      ["--policy", POLICY, "--snapshots", SNAPSHOTS, "--cluster", "c", "-n", "x", "--repository", "r"],
      "--cluster cannot be combined",
    ],
    [
      "a missing file",
      ["--policy", POLICY, "--snapshots", `${FIXTURES}/nope.yaml`],
      "cannot read test/fixtures/retention/nope.yaml: no such file",
    ],
    [
      "a file without a policy",
      ["--policy", SNAPSHOTS, "--snapshots", SNAPSHOTS],
      "holds no RetentionPolicy",
    ],
    [
      "a bad time zone",
      ["--policy", POLICY, "--snapshots", SNAPSHOTS, "--time-zone", "Mars/Olympus"],
      "--time-zone must be an IANA time zone",
    ],
    [
      "a bad --now",
      ["--policy", POLICY, "--snapshots", SNAPSHOTS, "--now", "yesterday"],
      "--now must be an RFC 3339 time",
    ],
    [
      "a registry that does not exist",
      ["--cluster", "c1", "-n", "demo", "--repository", "r", "--registry", "nope.yaml"],
      "cannot read the cluster registry",
    ],
  ])("exits 2 for %s", async (_scenario, args, message) => {
    const run = await plan(...args);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it("names the Snapshot and field that do not match the model", async () => {
    const bad = JSON.stringify([
      {
        apiVersion: "storage.kubestash.com/v1alpha1",
        kind: "Snapshot",
        metadata: { name: "x" },
        spec: { deletionPolicy: "Keep" },
      },
    ]);
    const run = await runKssInProcess(["retention", "plan", "--policy", POLICY, "--snapshots", "-"], bad);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/Snapshot \(stdin line 1\) is invalid: spec\.deletionPolicy/);
  });
});
