import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { decideRetention, type RetentionPolicySpec } from "../../../shared/decide/retention/retention.ts";
import { names, snapshotAt } from "../../support/retention-samples.ts";

/**
 * The retention decision against restic itself: 30 snapshots at fabricated times (midnights, the ISO week
 * 2026-W53 spanning a new year, a leap day, month ends) were backed up with `restic backup --time`, once taken
 * in UTC and once in Europe/Berlin, and `restic forget --dry-run --json` was run with each policy. The
 * expected keep and remove lists, in restic's order, and the rules restic names for each kept snapshot, come
 * from restic's output recorded under test/fixtures/restic (generate.sh rebuilds them; README.md says how).
 */

const FIXTURES = path.resolve(import.meta.dirname, "../../fixtures/restic");
const NOW = new Date("2028-03-02T00:00:00Z");

interface ResticSnapshot {
  time: string;
  tags: string[];
}
interface ResticGroup {
  keep: ResticSnapshot[];
  remove: ResticSnapshot[] | null;
  reasons: Array<{ snapshot: ResticSnapshot; matches: string[] }>;
}

const times = JSON.parse(readFileSync(path.join(FIXTURES, "snapshots.json"), "utf8")) as Array<{
  name: string;
  time: string;
}>;
const snapshots = times.map((t) => snapshotAt(t.name, { time: t.time }));

const FLAG_TO_RULE: Record<string, keyof NonNullable<RetentionPolicySpec["successfulSnapshots"]>> = {
  "--keep-last": "last",
  "--keep-hourly": "hourly",
  "--keep-daily": "daily",
  "--keep-weekly": "weekly",
  "--keep-monthly": "monthly",
  "--keep-yearly": "yearly",
};

/** The policy the restic command line stands for: `--keep-daily 2 --keep-last 1` → `{daily: 2, last: 1}`. */
function policyOf(command: string): RetentionPolicySpec {
  const successfulSnapshots: Record<string, number> = {};
  for (const [, flag = "", count = ""] of command.matchAll(/(--keep-[a-z]+) (\d+)/g)) {
    const rule = FLAG_TO_RULE[flag];
    if (!rule) throw new Error(`unknown restic flag ${flag}`);
    successfulSnapshots[rule] = Number(count);
  }
  return { successfulSnapshots };
}

const tag = (s: ResticSnapshot) => s.tags[0] ?? "";
/** "kept: last 1 of 2, daily 2028-03-01" → ["last", "daily"]. */
const rulesOf = (reason: string) =>
  reason
    .replace(/^kept: /, "")
    .split(", ")
    .map((part) => part.split(" ")[0]);

const cases = readdirSync(FIXTURES)
  .filter((f) => f.startsWith("forget-") && f.endsWith(".json"))
  .sort()
  .map((file) => {
    const base = file.replace(/\.json$/, "");
    const command = readFileSync(path.join(FIXTURES, `${base}.cmd`), "utf8").trim();
    const zone = base.startsWith("forget-europe-berlin-") ? "Europe/Berlin" : undefined;
    const output = readFileSync(path.join(FIXTURES, file), "utf8").trim();
    return { file, command, zone, groups: output === "" ? [] : (JSON.parse(output) as ResticGroup[]) };
  });

describe("retention decision = restic 0.14 forget on the same timestamps", () => {
  it("has the recorded fixtures (2 time zones × 16 policies)", () => {
    expect(cases).toHaveLength(32);
  });

  it.each(cases)("$file: $command", ({ command, zone, groups }) => {
    // Prepare
    const spec = policyOf(command);
    // Act
    const plan = decideRetention(snapshots, spec, NOW, zone ? { timeZone: zone } : {});
    // Assess
    if (groups.length === 0) {
      // restic prints nothing when no --keep-* flag is given: it removes nothing.
      expect(plan.prune).toEqual([]);
      expect(plan.keep).toHaveLength(snapshots.length);
      return;
    }
    expect(groups).toHaveLength(1);
    const restic = groups[0] as ResticGroup;
    expect(names(plan.keep)).toEqual(restic.keep.map(tag));
    expect(names(plan.prune)).toEqual((restic.remove ?? []).map(tag));
    const resticRules = Object.fromEntries(
      restic.reasons.map((r) => [tag(r.snapshot), r.matches.map((m) => m.replace(/ snapshot$/, ""))]),
    );
    const ourRules = Object.fromEntries(plan.keep.map((k) => [k.name, rulesOf(k.reason)]));
    expect(ourRules).toEqual(resticRules);
  });
});
