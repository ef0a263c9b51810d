import { describe, expect, it } from "vitest";
import {
  compareSessionsOldestFirst,
  selectHistoryToDelete,
  sessionTime,
} from "../../../shared/decide/session/session-history.ts";
import { Annotation, type BackupSession, type Job, toKubeTime } from "../../../shared/model/index.ts";
import { atSeconds, backupSession, sibling } from "../../support/session-world.ts";

const T = toKubeTime(atSeconds(0));
const done = (phase: "Succeeded" | "Failed"): BackupSession["status"] => ({
  phase,
  snapshots: [{ name: "x", phase }],
  conditions: [{ type: "MetricsPushed", status: "True", lastTransitionTime: T }],
});
const skipped: BackupSession["status"] = {
  phase: "Skipped",
  conditions: [{ type: "BackupSkipped", status: "True", lastTransitionTime: T }],
};
const running: BackupSession["status"] = { phase: "Running", snapshots: [{ name: "x", phase: "Running" }] };
const hours = (h: number) => atSeconds(h * 3600);
const jobOf = (session: BackupSession, purpose: string): Job => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: {
    name: `${purpose}-${session.metadata.name}`,
    labels: { "kubestash.com/invoker-name": session.metadata.name },
  },
  spec: { template: {} },
});

describe("selectHistoryToDelete", () => {
  const current = backupSession(hours(0));
  const s1 = sibling(hours(-4), done("Succeeded"));
  const s2 = sibling(hours(-3), done("Failed"));
  const s3 = sibling(hours(-2), skipped);
  const busy = sibling(hours(-1), running);
  const siblings = [busy, s3, s1, s2];
  const names = (list: BackupSession[]) => list.map((s) => s.metadata.name);

  it.each<[string, number, BackupSession[]]>([
    ["limit 1 (default) keeps only the current one", 1, [s1, s2, s3]],
    ["limit 2 keeps the current and the newest completed", 2, [s1, s2]],
    ["limit 4 keeps all", 4, []],
    ["limit 0 deletes every other completed one, never the current", 0, [s1, s2, s3]],
  ])("%s", (_name, limit, expected) => {
    const selection = selectHistoryToDelete({ current, siblings, jobs: [], limit });
    expect(names(selection.sessions)).toEqual(names(expected));
  });

  describe("never the newest scheduled session: the schedule counts from it (docs/decisions.md#history-cleanup)", () => {
    const withOrigin = (session: BackupSession, origin: string): BackupSession => ({
      ...session,
      metadata: {
        ...session.metadata,
        name: origin === "schedule" ? session.metadata.name : `${session.metadata.name}-${origin}`,
        annotations: { ...session.metadata.annotations, [Annotation.Origin]: origin },
      },
    });
    const scheduled = withOrigin(sibling(hours(-2), done("Failed")), "schedule");
    const older = withOrigin(sibling(hours(-26), done("Succeeded")), "schedule");
    it.each<[string, BackupSession, BackupSession[], BackupSession[]]>([
      [
        "limit 1, its retry finishing: the failed scheduled one stays (else the next tick re-creates its slot)",
        withOrigin(backupSession(hours(0)), "retry"),
        [scheduled, older],
        [older],
      ],
      [
        "limit 1, a trigger finishing: the same",
        withOrigin(backupSession(hours(0)), "trigger"),
        [scheduled],
        [],
      ],
      [
        "limit 1, the next scheduled one finishing: the older scheduled one goes as before",
        withOrigin(backupSession(hours(0)), "schedule"),
        [scheduled],
        [scheduled],
      ],
    ])("%s", (_name, finishing, others, expected) => {
      const selection = selectHistoryToDelete({ current: finishing, siblings: others, jobs: [], limit: 1 });
      expect(names(selection.sessions)).toEqual(names(expected));
    });
  });

  it("never deletes running sessions nor ones already being deleted; deletes the Jobs of those it deletes", () => {
    const deleting = { ...s1, metadata: { ...s1.metadata, deletionTimestamp: T } };
    const jobs = [jobOf(s2, "upload"), jobOf(s2, "prehook"), jobOf(busy, "upload"), jobOf(current, "upload")];
    const selection = selectHistoryToDelete({ current, siblings: [busy, deleting, s2], jobs, limit: 1 });
    expect(names(selection.sessions)).toEqual([s2.metadata.name]);
    expect(selection.jobs.map((j) => j.metadata.name)).toEqual([
      `upload-${s2.metadata.name}`,
      `prehook-${s2.metadata.name}`,
    ]);
  });

  it("the current session counts even when it is older than its siblings", () => {
    const newer = sibling(hours(1), done("Succeeded"));
    expect(names(selectHistoryToDelete({ current, siblings: [newer], jobs: [], limit: 1 }).sessions)).toEqual(
      [],
    );
  });
});

describe("session order", () => {
  it("orders by scheduled time, then creationTimestamp, then name", () => {
    const a = backupSession(hours(0));
    const b = { ...backupSession(hours(0)), metadata: { ...backupSession(hours(0)).metadata, name: "b" } };
    const late = backupSession(hours(1));
    expect([late, b, a].sort(compareSessionsOldestFirst).map((s) => s.metadata.name)).toEqual([
      a.metadata.name,
      "b",
      late.metadata.name,
    ]);
  });

  it.each<[string, BackupSession["metadata"], string]>([
    [
      "scheduled-time annotation",
      {
        name: "x",
        annotations: { [Annotation.ScheduledTime]: "2026-01-01T00:00:00Z" },
        creationTimestamp: T,
      },
      "2026-01-01T00:00:00.000Z",
    ],
    [
      "creationTimestamp",
      { name: "x", creationTimestamp: "2026-02-01T00:00:00Z" },
      "2026-02-01T00:00:00.000Z",
    ],
    ["unix seconds at the end of the name", { name: "cfg-daily-1767225600" }, "2026-01-01T00:00:00.000Z"],
    ["nothing: the epoch", { name: "manual" }, "1970-01-01T00:00:00.000Z"],
  ])("sessionTime from %s", (_name, metadata, expected) => {
    expect(sessionTime({ ...backupSession(), metadata }).toISOString()).toBe(expected);
  });
});
