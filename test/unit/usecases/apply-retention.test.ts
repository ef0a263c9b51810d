import { describe, expect, it } from "vitest";
import { mergeRetentionEntries, retentionEventMessage } from "../../../shared/usecases/apply-retention.ts";
import type { RepositoryRetention } from "../../../shared/usecases/prune-snapshots.ts";

/** What apply-retention writes: the session's status.retentionPolicy[] entries and its Event messages. */

const result = (extra: Partial<RepositoryRetention>): RepositoryRetention => ({
  namespace: "demo",
  repository: "repo-a",
  sessionName: "hourly",
  trigger: "session-succeeded",
  ref: { name: "keep", namespace: "demo" },
  phase: "Applied",
  kept: [{ name: "s3", reason: "kept: last 1 of 1" }],
  deleted: [],
  alreadyGone: [],
  replaced: [],
  ...extra,
});

describe("mergeRetentionEntries", () => {
  it("replaces the entry of each repository applied, keeps the others in place, appends new ones", () => {
    const existing = [
      { repository: "repo-a", phase: "Pending" as const },
      { repository: "repo-z", phase: "Applied" as const, ref: { name: "other" } },
    ];
    const merged = mergeRetentionEntries(existing, [
      result({}),
      result({
        repository: "repo-b",
        phase: "FailedToApply",
        error: "denied",
        ref: { name: "p", namespace: "x" },
      }),
    ]);
    expect(merged).toEqual([
      { ref: { name: "keep", namespace: "demo" }, repository: "repo-a", phase: "Applied" },
      { repository: "repo-z", phase: "Applied", ref: { name: "other" } },
      { ref: { name: "p", namespace: "x" }, repository: "repo-b", phase: "FailedToApply", error: "denied" },
    ]);
  });

  it("drops a stale error once the repository is applied", () => {
    const existing = [{ repository: "repo-a", phase: "FailedToApply" as const, error: "denied" }];
    expect(mergeRetentionEntries(existing, [result({})])).toEqual([
      { ref: { name: "keep", namespace: "demo" }, repository: "repo-a", phase: "Applied" },
    ]);
  });
});

describe("retentionEventMessage", () => {
  it.each([
    [
      "what was pruned, and why",
      result({
        deleted: [
          { name: "s1", reason: "pruned: not kept by last 1" },
          { name: "f1", reason: "pruned: beyond failedSnapshots.last 1" },
        ],
      }),
      "Pruned 2 Snapshot(s) of repository repo-a per RetentionPolicy demo/keep, kept 1: s1 (not kept by last 1), f1 (beyond failedSnapshots.last 1)",
    ],
    [
      "a name taken by a newer object",
      result({ deleted: [], replaced: ["s0"] }),
      "Pruned 0 Snapshot(s) of repository repo-a per RetentionPolicy demo/keep, kept 1; left s0 (a newer object has the name)",
    ],
    [
      "why nothing could be applied",
      result({ phase: "FailedToApply", error: "RetentionPolicy demo/keep (…) not found", kept: [] }),
      "Retention not applied to repository repo-a: RetentionPolicy demo/keep (…) not found",
    ],
  ])("says %s", (_scenario, input, message) => {
    expect(retentionEventMessage(input)).toBe(message);
  });
});
