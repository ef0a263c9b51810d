import type { RetentionPolicySpec } from "../../shared/decide/retention/retention.ts";
import type { RetentionPolicy, Snapshot, SnapshotPhase } from "../../shared/model/index.ts";

/** Snapshots and RetentionPolicies as retention reads them: a repository, a session, a phase and a time. */

export interface SnapshotFacts {
  time?: string;
  phase?: SnapshotPhase;
  repository?: string;
  session?: string;
  snapshotID?: string;
  namespace?: string;
  uid?: string;
  /** Write the time as creationTimestamp instead of status.snapshotTime. */
  timeAsCreation?: boolean;
}

export function snapshotAt(name: string, facts: SnapshotFacts = {}): Snapshot {
  const phase = facts.phase ?? "Succeeded";
  const time = facts.time;
  return {
    apiVersion: "storage.kubestash.com/v1alpha1",
    kind: "Snapshot",
    metadata: {
      name,
      namespace: facts.namespace ?? "demo",
      ...(facts.uid ? { uid: facts.uid } : {}),
      ...(time && facts.timeAsCreation ? { creationTimestamp: time } : {}),
    },
    spec: {
      repository: facts.repository ?? "repo",
      session: facts.session ?? "daily",
      ...(facts.snapshotID ? { snapshotID: facts.snapshotID } : {}),
      deletionPolicy: "Delete",
    },
    status: { phase, ...(time && !facts.timeAsCreation ? { snapshotTime: time } : {}) },
  };
}

/** A policy object around a spec (for the CLI and the use case). */
export function retentionPolicy(
  name: string,
  namespace: string,
  spec: RetentionPolicySpec,
  extra: Partial<RetentionPolicy["metadata"]> = {},
): RetentionPolicy {
  return {
    apiVersion: "storage.kubestash.com/v1alpha1",
    kind: "RetentionPolicy",
    metadata: { name, namespace, ...extra },
    spec,
  };
}

/** Names of a plan's entries, for compact assertions. */
export const names = (entries: ReadonlyArray<{ name: string }>) => entries.map((e) => e.name);

/** `2026-11-24T10:00:00Z` plus `hours` (may be fractional or negative). */
export function hoursAfter(base: string, hours: number): string {
  return new Date(Date.parse(base) + hours * 3_600_000).toISOString().replace(".000Z", "Z");
}

/** The `now` of the decision tables. */
export const NOW = new Date("2026-11-26T12:00:00Z");

export const ok = (name: string, time: string, facts: SnapshotFacts = {}) =>
  snapshotAt(name, { time, ...facts });
export const failed = (name: string, time: string, facts: SnapshotFacts = {}) =>
  snapshotAt(name, { time, phase: "Failed", ...facts });
export const inPhase = (name: string, time: string, phase: SnapshotPhase) =>
  snapshotAt(name, { time, phase });

type KeepRules = NonNullable<RetentionPolicySpec["successfulSnapshots"]>;
export const last = (n: number): RetentionPolicySpec => ({ successfulSnapshots: { last: n } });
export const keepOnly = (rules: KeepRules): RetentionPolicySpec => ({ successfulSnapshots: rules });
export const max = (period: string, rules: KeepRules = {}): RetentionPolicySpec => ({
  maxRetentionPeriod: period,
  successfulSnapshots: rules,
});

/** One row of a decision table: the snapshots, the policy, and the names kept and pruned (plan order). */
export type RetentionRow = [
  scenario: string,
  snapshots: Snapshot[],
  spec: RetentionPolicySpec,
  keep: string[],
  prune: string[],
];
