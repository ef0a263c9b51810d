import { parseRetentionPeriod, retentionPeriodMinutes } from "../../model/retention-period.ts";
import type { RetentionPolicy } from "../../model/retention-policy.ts";
import type { Snapshot, SnapshotPhase } from "../../model/snapshot.ts";
import { snapshotPhase } from "../session/phase.ts";
import {
  PERIOD_RULES,
  type PeriodRule,
  periodKey,
  periodLabel,
  type WallFields,
  wallClockIn,
} from "./retention-periods.ts";

/**
 * Which Snapshots a RetentionPolicy keeps and which it prunes, and why
 * (docs/decisions.md#retention-selection, docs/decisions.md#maxretentionperiod,
 * docs/decisions.md#failed-snapshots). Per Repository and session (`spec.repository`, `spec.session`):
 * - snapshots not completed (Pending, Running) are never touched: kept, reason "running";
 * - successful ones follow restic `forget`: `last` keeps the newest N; hourly/daily/weekly/monthly/yearly walk
 *   newest → oldest and keep the newest of each new period until N periods are kept; a snapshot kept by any
 *   rule is kept; no rule set (absent, empty or all zero) keeps them all, as restic does;
 * - failed ones: the newest `failedSnapshots.last` (default 1) are kept, older ones pruned;
 * - maxRetentionPeriod prunes every completed snapshot older than now − period, whatever keeps it, except the
 *   newest successful snapshot of the repository and session (a policy never leaves it without a good backup).
 * Newest first is by status.snapshotTime (else creationTimestamp), equal times by snapshotID then name (the
 * greater counts as newer, as ULIDs sort). O(n log n); the same input always gives the same plan, in order.
 */

export interface RetentionEntry {
  name: string;
  reason: string;
}

export interface RetentionPlan {
  keep: RetentionEntry[];
  prune: RetentionEntry[];
}

export interface RetentionOptions {
  /** IANA zone whose wall clock the periods follow; UTC when absent. */
  timeZone?: string;
}

export type RetentionPolicySpec = RetentionPolicy["spec"];

export const RUNNING_REASON = "running";
const DEFAULT_FAILED_LAST = 1;

interface Item {
  name: string;
  id: string;
  /** Epoch ms; NaN when the snapshot has neither snapshotTime nor creationTimestamp. */
  time: number;
  phase: SnapshotPhase;
  group: string;
  repository: string;
  reason?: string;
  pruned?: boolean;
}

/** The phase retention goes by: the status's, else the one its components and conditions give. */
export function retentionPhase(snapshot: Snapshot): SnapshotPhase {
  return snapshot.status?.phase ?? snapshotPhase(snapshot);
}

function toItem(snapshot: Snapshot): Item {
  const repository = snapshot.spec.repository ?? "";
  const time = Date.parse(snapshot.status?.snapshotTime ?? snapshot.metadata.creationTimestamp ?? "");
  return {
    name: snapshot.metadata.name,
    id: snapshot.spec.snapshotID ?? "",
    time,
    phase: retentionPhase(snapshot),
    group: `${repository}\u0000${snapshot.spec.session ?? ""}`,
    repository,
  };
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Newest first; undated ones (only ever kept) first of all. */
function newestFirst(a: Item, b: Item): number {
  const ta = Number.isNaN(a.time) ? Number.POSITIVE_INFINITY : a.time;
  const tb = Number.isNaN(b.time) ? Number.POSITIVE_INFINITY : b.time;
  if (ta !== tb) return tb > ta ? 1 : -1;
  return compareText(b.id, a.id) || compareText(b.name, a.name);
}

type Rule = "last" | PeriodRule;
const RULES: readonly Rule[] = ["last", ...PERIOD_RULES];

/** restic's bucket walk over one group's successful snapshots, newest first. */
function applyKeepRules(items: Item[], spec: RetentionPolicySpec, timeZone: string | undefined): void {
  const counts = spec.successfulSnapshots ?? {};
  const buckets = RULES.map((rule) => ({
    rule,
    total: counts[rule] ?? 0,
    left: counts[rule] ?? 0,
    last: NaN,
  }));
  const active = buckets.filter((b) => b.total > 0);
  if (active.length === 0) {
    for (const item of items) item.reason = "kept: successfulSnapshots sets no rule (keep all)";
    return;
  }
  const described = active.map((b) => `${b.rule} ${b.total}`).join(", ");
  const wallClock = wallClockIn(timeZone);
  const pruneReason = `pruned: not kept by ${described}`;
  for (const [index, item] of items.entries()) {
    let wall: WallFields | undefined;
    let matches: string[] | undefined;
    for (const bucket of active) {
      if (bucket.left <= 0) continue;
      const rule = bucket.rule;
      if (rule !== "last") wall ??= wallClock(item.time);
      const key = rule === "last" || wall === undefined ? index : periodKey(rule, wall);
      if (key === bucket.last) continue;
      bucket.last = key;
      bucket.left--;
      matches ??= [];
      matches.push(
        rule === "last" || wall === undefined
          ? `last ${bucket.total - bucket.left} of ${bucket.total}`
          : `${rule} ${periodLabel(rule, wall)}`,
      );
    }
    if (matches) item.reason = `kept: ${matches.join(", ")}`;
    else {
      item.reason = pruneReason;
      item.pruned = true;
    }
  }
}

function applyFailedLast(items: Item[], spec: RetentionPolicySpec): void {
  const last = spec.failedSnapshots?.last ?? DEFAULT_FAILED_LAST;
  items.forEach((item, index) => {
    if (index < last) item.reason = `kept: failedSnapshots.last ${index + 1} of ${last}`;
    else {
      item.reason = `pruned: beyond failedSnapshots.last ${last}`;
      item.pruned = true;
    }
  });
}

/** maxRetentionPeriod over one group's completed snapshots; the newest successful one stays. */
function applyMaxRetention(items: Item[], period: string, cutoff: number): void {
  const newestGood = items.find((i) => i.phase === "Succeeded");
  for (const item of items) {
    if (!(item.time < cutoff)) continue;
    if (item === newestGood) {
      const repository = item.repository === "" ? "(none)" : item.repository;
      item.reason = `kept: newest successful snapshot of repository ${repository}, never pruned by maxRetentionPeriod ${period}`;
      item.pruned = false;
    } else {
      item.reason = `pruned: older than maxRetentionPeriod ${period}`;
      item.pruned = true;
    }
  }
}

/** now − maxRetentionPeriod; an empty period is no limit (the grammar reads it as zero: everything would go). */
function cutoffOf(spec: RetentionPolicySpec, now: Date): { period: string; cutoff: number } | undefined {
  const period = spec.maxRetentionPeriod?.trim();
  if (period === undefined || period === "") return undefined;
  return { period, cutoff: now.getTime() - retentionPeriodMinutes(parseRetentionPeriod(period)) * 60_000 };
}

/** The plan for `snapshots` under the policy's spec at `now`: every snapshot is in keep or prune, once. */
export function decideRetention(
  snapshots: ReadonlyArray<Snapshot>,
  spec: RetentionPolicySpec,
  now: Date,
  options: RetentionOptions = {},
): RetentionPlan {
  const groups = new Map<string, Item[]>();
  for (const snapshot of snapshots) {
    const item = toItem(snapshot);
    const group = groups.get(item.group);
    if (group) group.push(item);
    else groups.set(item.group, [item]);
  }
  const max = cutoffOf(spec, now);
  const plan: RetentionPlan = { keep: [], prune: [] };
  for (const key of [...groups.keys()].sort(compareText)) {
    const items = (groups.get(key) ?? []).sort(newestFirst);
    const dated = items.filter((i) => !Number.isNaN(i.time));
    for (const item of items) {
      if (item.phase !== "Succeeded" && item.phase !== "Failed") item.reason = RUNNING_REASON;
      else if (Number.isNaN(item.time)) item.reason = "kept: no snapshotTime or creationTimestamp to date it";
    }
    const completed = dated.filter((i) => i.phase === "Succeeded" || i.phase === "Failed");
    applyKeepRules(
      completed.filter((i) => i.phase === "Succeeded"),
      spec,
      options.timeZone,
    );
    applyFailedLast(
      completed.filter((i) => i.phase === "Failed"),
      spec,
    );
    if (max) applyMaxRetention(completed, max.period, max.cutoff);
    for (const item of items) {
      (item.pruned ? plan.prune : plan.keep).push({ name: item.name, reason: item.reason ?? RUNNING_REASON });
    }
  }
  return plan;
}
