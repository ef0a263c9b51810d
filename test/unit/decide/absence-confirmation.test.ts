import { describe, expect, it } from "vitest";
import { type Absence, absenceKey, executorJobsAbsence } from "../../../shared/decide/session/absence.ts";
import {
  decideReconcile,
  type SessionReconcileInput,
} from "../../../shared/decide/session/reconcile-session.ts";
import { findCondition, type SnapshotStatus } from "../../../shared/model/index.ts";
import {
  atSeconds,
  backupSession,
  configuration,
  EXECUTOR,
  finishJob,
  NS,
  reportSnapshot,
  S3_SNAPSHOT,
  sessionConfig,
  step,
  world,
} from "../../support/session-world.ts";

/**
 * Absence is confirmed by a fresh read (docs/consistency.md#absence-is-confirmed-by-a-fresh-read): an object
 * missing from the load (or a Snapshot read before its executor reported) turns the decision into a request to
 * read it again — no status change, no action — and only the decision made with the absence confirmed fails
 * (or skips) the session; what the fresh read found makes it wait or go on instead. Fixed clock: T0 + seconds.
 */

const confirmed = (...absences: Absence[]) => new Set(absences.map(absenceKey));
const withoutJob = (input: SessionReconcileInput, name: string) => ({
  ...input,
  jobs: input.jobs.filter((j) => j.metadata.name !== name),
});

/** Started at 5 s, the executor reporting Running at 30 s: a healthy running backup. */
const running = () =>
  step(reportSnapshot(step(world(), atSeconds(5)).next, S3_SNAPSHOT, "Running", atSeconds(30)), atSeconds(30))
    .next;
/** A running backup whose executor Job ended (Complete) at 60 s while the Snapshot, as read, lacks its report. */
const executorEnded = () => finishJob(step(world(), atSeconds(5)).next, EXECUTOR, "Complete");

const executorJobs = executorJobsAbsence(backupSession());
const invoker: Absence = { kind: "BackupConfiguration", namespace: NS, name: "app-backup" };
const snapshot: Absence = { kind: "Snapshot", namespace: NS, name: S3_SNAPSHOT };
const repository: Absence = { kind: "Repository", namespace: NS, name: "s3-repo" };

describe("an absence the load may only be stale about: a request to read it again, nothing else", () => {
  it.each<[string, () => SessionReconcileInput, Absence[]]>([
    ["the executor Job missing from the Jobs read", () => withoutJob(running(), EXECUTOR), [executorJobs]],
    ["the configuration missing, session not started", () => world({ configuration: undefined }), [invoker]],
    [
      "the configuration missing, session running",
      () => ({ ...running(), configuration: undefined }),
      [invoker],
    ],
    [
      "the configuration read without the session's entry",
      () => ({ ...running(), configuration: configuration(sessionConfig({ name: "weekly" })) }),
      [invoker],
    ],
    ["the executor ended, the Snapshot read without its report", executorEnded, [snapshot]],
    [
      "the Repository missing when the metadata upload is due",
      () => {
        const reported = reportSnapshot(
          step(world(), atSeconds(5)).next,
          S3_SNAPSHOT,
          "Succeeded",
          atSeconds(20),
          {
            upload: false,
          },
        );
        return { ...reported, repositories: [] };
      },
      [repository],
    ],
  ])("%s", (_name, input, expected) => {
    // Act
    const given = input();
    const decision = decideReconcile(given, atSeconds(60));
    // Assess: the reads, and the session's own status, untouched
    expect(decision.confirm).toEqual(expected);
    expect(decision.actions).toEqual([]);
    expect(decision.status).toEqual({ ...given.session.status });
    expect(decision.phaseChange).toBeUndefined();
  });
});

describe("confirmed missing: the failure as before", () => {
  it("the executor Job gone → its Snapshot and the session Failed, naming the Job", () => {
    const input = { ...withoutJob(running(), EXECUTOR), confirmed: confirmed(executorJobs) };
    const { status, actions, confirm } = decideReconcile(input, atSeconds(60));
    expect(confirm).toBeUndefined();
    expect(actions[0]).toMatchObject({
      type: "update-snapshot-status",
      name: S3_SNAPSHOT,
      update: {
        conditions: [
          {
            type: "BackupIncomplete",
            reason: "BackupExecutorTerminatedBeforeCompletion",
            message: `backup executor Job ${EXECUTOR} no longer exists`,
          },
        ],
      },
    });
    expect(status.phase).toBe("Failed");
  });

  it.each<[string, () => SessionReconcileInput, string, RegExp]>([
    ["not started → Skipped", () => world({ configuration: undefined }), "Skipped", /app-backup not found/],
    [
      "running → Failed, aborted",
      () => ({ ...running(), configuration: undefined }),
      "Failed",
      /BackupConfiguration app-backup or its session daily no longer exists/,
    ],
    [
      "read fresh without the session's entry → Failed, aborted",
      () => ({ ...running(), configuration: configuration(sessionConfig({ name: "weekly" })) }),
      "Failed",
      /BackupConfiguration app-backup or its session daily no longer exists/,
    ],
  ])("the configuration gone, %s", (_name, input, phase, message) => {
    const { status, actions } = decideReconcile({ ...input(), confirmed: confirmed(invoker) }, atSeconds(60));
    expect(status.phase).toBe(phase);
    const why = actions.find((a) => a.type === "record-event" && a.eventType === "Warning");
    expect(why).toMatchObject({ message: expect.stringMatching(message) });
  });

  it("the Snapshot read again still lacks its report → BackupIncomplete, the session Failed", () => {
    const { status, actions } = decideReconcile(
      { ...executorEnded(), confirmed: confirmed(snapshot) },
      atSeconds(60),
    );
    expect(actions[0]).toMatchObject({
      type: "update-snapshot-status",
      update: {
        conditions: [{ type: "BackupIncomplete", message: expect.stringMatching(/never reported/) }],
      },
    });
    expect(status.phase).toBe("Failed");
  });

  it("the Repository gone → the metadata upload fails naming it", () => {
    const reported = reportSnapshot(
      step(world(), atSeconds(5)).next,
      S3_SNAPSHOT,
      "Succeeded",
      atSeconds(20),
      {
        upload: false,
      },
    );
    const { actions } = decideReconcile(
      { ...reported, repositories: [], confirmed: confirmed(repository) },
      atSeconds(60),
    );
    expect(actions.find((a) => a.type === "update-snapshot-status")).toMatchObject({
      update: {
        conditions: [
          { type: "SnapshotMetadataUploaded", status: "False", message: expect.stringMatching(/s3-repo/) },
        ],
      },
    });
  });
});

describe("present on the fresh read: the session goes on", () => {
  it("the executor Job found → the session waits, Running, nothing failed", () => {
    const input = { ...running(), confirmed: confirmed(executorJobs) };
    const { status, actions, confirm } = decideReconcile(input, atSeconds(60));
    expect(confirm).toBeUndefined();
    expect(actions).toEqual([]);
    expect(status).toEqual(input.session.status);
    expect(status.phase).toBe("Running");
  });

  it("the configuration found → the session starts as usual", () => {
    const { status, actions } = decideReconcile({ ...world(), confirmed: confirmed(invoker) }, atSeconds(5));
    expect(findCondition(status.conditions, "BackupSkipped")).toBeUndefined();
    expect(actions.map((a) => a.type)).toContain("create-job");
  });

  it("the Snapshot read again carries the report → the metadata upload starts", () => {
    const ended = executorEnded();
    const fresh = ended.snapshots.map((s) => ({
      ...s,
      status: {
        ...s.status,
        components: { dump: { phase: "Succeeded", driver: "Restic" } },
      } satisfies SnapshotStatus,
    }));
    const { status, actions } = decideReconcile(
      { ...ended, snapshots: fresh, confirmed: confirmed(snapshot) },
      atSeconds(60),
    );
    expect(actions).toContainEqual(
      expect.objectContaining({
        type: "create-job",
        job: expect.objectContaining({
          metadata: expect.objectContaining({ name: `snapshot-metadata-${S3_SNAPSHOT}` }),
        }),
      }),
    );
    expect(status.phase).not.toBe("Failed");
  });
});
