import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decideRetention,
  type RetentionPlan,
  type RetentionPolicySpec,
  retentionPhase,
} from "../../../shared/decide/retention/retention.ts";
import type { Snapshot, SnapshotPhase } from "../../../shared/model/index.ts";
import { parseRetentionPeriod, retentionPeriodMinutes } from "../../../shared/model/index.ts";
import { NOW, snapshotAt } from "../../support/retention-samples.ts";

/** Properties of the retention decision over random snapshots, policies and time zones. */

const START = Date.parse("2023-01-01T00:00:00Z");
const SPAN_MINUTES = Math.floor((NOW.getTime() - START) / 60_000);
const RULES = ["last", "hourly", "daily", "weekly", "monthly", "yearly"] as const;
const UNITS = ["y", "mo", "w", "d", "h", "m"] as const;

const snapshotsArb = fc
  .array(
    fc.record({
      // Few distinct minutes on purpose: equal timestamps happen often.
      minute: fc.oneof(fc.integer({ min: 0, max: SPAN_MINUTES }), fc.constantFrom(0, 60, 1440, SPAN_MINUTES)),
      phase: fc.constantFrom<SnapshotPhase>(
        "Succeeded",
        "Succeeded",
        "Succeeded",
        "Failed",
        "Running",
        "Pending",
      ),
      repository: fc.constantFrom("a", "b"),
      session: fc.constantFrom("hourly", "daily"),
      snapshotID: fc.constantFrom("01A", "01B", "01C"),
    }),
    { maxLength: 60 },
  )
  .map((records) =>
    records.map((r, i) =>
      snapshotAt(`s${i}`, {
        time: new Date(START + r.minute * 60_000).toISOString(),
        phase: r.phase,
        repository: r.repository,
        session: r.session,
        snapshotID: r.snapshotID,
      }),
    ),
  );

const periodArb = fc
  .record({ n: fc.integer({ min: 0, max: 30 }), unit: fc.constantFrom(...UNITS) })
  .map(({ n, unit }) => `${n}${unit}`);

const policyArb: fc.Arbitrary<RetentionPolicySpec> = fc.record(
  {
    successfulSnapshots: fc.record(
      Object.fromEntries(RULES.map((r) => [r, fc.integer({ min: 0, max: 6 })])),
      {
        requiredKeys: [],
      },
    ),
    failedSnapshots: fc.record({ last: fc.integer({ min: 0, max: 3 }) }),
    maxRetentionPeriod: periodArb,
  },
  { requiredKeys: [] },
);

const zoneArb = fc.constantFrom(undefined, "Europe/Berlin", "America/New_York", "Australia/Adelaide");

const decide = (snapshots: Snapshot[], spec: RetentionPolicySpec, zone: string | undefined) =>
  decideRetention(snapshots, spec, NOW, zone ? { timeZone: zone } : {});

const nameSet = (plan: RetentionPlan, which: "keep" | "prune") => new Set(plan[which].map((e) => e.name));
const time = (s: Snapshot) => Date.parse(s.status?.snapshotTime ?? "");
const sameGroup = (a: Snapshot, b: Snapshot) =>
  a.spec.repository === b.spec.repository && a.spec.session === b.spec.session;

/** The newest successful snapshot of each repository and session (ties as the decision breaks them). */
function newestSuccessful(snapshots: Snapshot[]): Snapshot[] {
  const good = snapshots.filter((s) => retentionPhase(s) === "Succeeded");
  return good.filter((s) => good.every((o) => o === s || !sameGroup(o, s) || newer(s, o)));
}
const newer = (a: Snapshot, b: Snapshot) =>
  time(a) !== time(b)
    ? time(a) > time(b)
    : (a.spec.snapshotID ?? "") !== (b.spec.snapshotID ?? "")
      ? (a.spec.snapshotID ?? "") > (b.spec.snapshotID ?? "")
      : a.metadata.name > b.metadata.name;

const counts = (spec: RetentionPolicySpec) => RULES.map((r) => spec.successfulSnapshots?.[r] ?? 0);
const minutesOf = (spec: RetentionPolicySpec) =>
  spec.maxRetentionPeriod === undefined
    ? Number.POSITIVE_INFINITY
    : retentionPeriodMinutes(parseRetentionPeriod(spec.maxRetentionPeriod));

describe("decideRetention properties", () => {
  it("puts every snapshot in keep or prune, exactly once, and never prunes a running one", () => {
    fc.assert(
      fc.property(snapshotsArb, policyArb, zoneArb, (snapshots, spec, zone) => {
        const plan = decide(snapshots, spec, zone);
        const all = [...plan.keep, ...plan.prune].map((e) => e.name);
        expect(all.sort()).toEqual(snapshots.map((s) => s.metadata.name).sort());
        const pruned = nameSet(plan, "prune");
        for (const s of snapshots.filter((x) => !["Succeeded", "Failed"].includes(retentionPhase(x)))) {
          expect(pruned.has(s.metadata.name)).toBe(false);
        }
      }),
    );
  });

  it("always keeps the newest successful snapshot of each repository and session", () => {
    fc.assert(
      fc.property(snapshotsArb, policyArb, zoneArb, (snapshots, spec, zone) => {
        const kept = nameSet(decide(snapshots, spec, zone), "keep");
        for (const s of newestSuccessful(snapshots)) expect(kept.has(s.metadata.name)).toBe(true);
      }),
    );
  });

  it("is idempotent: applying the plan and deciding again prunes nothing more", () => {
    fc.assert(
      fc.property(snapshotsArb, policyArb, zoneArb, (snapshots, spec, zone) => {
        const pruned = nameSet(decide(snapshots, spec, zone), "prune");
        const left = snapshots.filter((s) => !pruned.has(s.metadata.name));
        expect(decide(left, spec, zone).prune).toEqual([]);
      }),
    );
  });

  it("never keeps more when the policy shrinks (lower counts, shorter maxRetentionPeriod)", () => {
    const shrunkArb = policyArb.chain((spec) =>
      fc
        .record({
          factors: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 7, maxLength: 7 }),
          period: fc.option(periodArb, { nil: undefined }),
        })
        .map(({ factors, period }) => {
          const scale = (n: number, i: number) => Math.floor(n * (factors[i] ?? 1));
          const smaller: RetentionPolicySpec = {
            successfulSnapshots: Object.fromEntries(RULES.map((r, i) => [r, scale(counts(spec)[i] ?? 0, i)])),
            failedSnapshots: { last: scale(spec.failedSnapshots?.last ?? 1, 6) },
            ...(period !== undefined && minutesOf({ maxRetentionPeriod: period }) <= minutesOf(spec)
              ? { maxRetentionPeriod: period }
              : spec.maxRetentionPeriod !== undefined
                ? { maxRetentionPeriod: spec.maxRetentionPeriod }
                : {}),
          };
          return { spec, smaller };
        }),
    );
    fc.assert(
      fc.property(snapshotsArb, shrunkArb, zoneArb, (snapshots, { spec, smaller }, zone) => {
        // All counts zero is restic's empty policy (keep all): not a smaller policy than one with a rule.
        fc.pre(!(counts(smaller).every((c) => c === 0) && counts(spec).some((c) => c > 0)));
        const before = nameSet(decide(snapshots, spec, zone), "keep");
        const after = nameSet(decide(snapshots, smaller, zone), "keep");
        for (const name of after) expect(before.has(name)).toBe(true);
      }),
    );
  });
});
