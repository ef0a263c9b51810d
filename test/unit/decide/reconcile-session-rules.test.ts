import { describe, expect, it } from "vitest";
import {
  decideReconcile,
  type SessionAction,
  type SessionReconcileInput,
} from "../../../shared/decide/session/reconcile-session.ts";
import {
  Annotation,
  type BackupSession,
  findCondition,
  type Job,
  toKubeTime,
} from "../../../shared/model/index.ts";
import {
  atSeconds,
  backupSession,
  configuration,
  decideConfirmed,
  finishJob,
  hook,
  NS,
  reportSnapshot,
  S3_SNAPSHOT,
  SESSION,
  sessionConfig,
  sibling,
  step,
  world,
} from "../../support/session-world.ts";

const ok = (type: string) => ({
  type,
  status: "True" as const,
  lastTransitionTime: toKubeTime(atSeconds(0)),
});
const succeeded: BackupSession["status"] = {
  phase: "Succeeded",
  snapshots: [{ name: "x", phase: "Succeeded" }],
  conditions: [ok("MetricsPushed")],
};
const failed: BackupSession["status"] = {
  ...succeeded,
  phase: "Failed",
  snapshots: [{ name: "x", phase: "Failed" }],
};
const running: BackupSession["status"] = { phase: "Running", snapshots: [{ name: "x", phase: "Running" }] };

/** As the use case decides: a configuration missing from the load is read again first (docs/consistency.md). */
const skipMessage = (input: SessionReconcileInput) => {
  const { status } = decideConfirmed(input, atSeconds(5));
  const skipped = findCondition(status.conditions, "BackupSkipped");
  return { phase: status.phase, reason: skipped?.reason, message: skipped?.message };
};

const executorOf = (session: BackupSession): Job => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: {
    name: `upload-${session.metadata.name}`,
    namespace: "demo",
    uid: `uid-job-${session.metadata.name}`,
    labels: { "kubestash.com/invoker-name": session.metadata.name },
  },
  spec: { template: {} },
});

/** A session the tick created Skipped (docs/decisions.md#created-skipped) whose status write failed. */
function createdSkipped(): BackupSession {
  const session = backupSession();
  const reason =
    'inside exclusion window "freeze" (2026-11-26T11:00:00Z to 2026-11-26T13:00:00Z, policy Skip)';
  return {
    ...session,
    metadata: {
      ...session.metadata,
      annotations: { ...session.metadata.annotations, [Annotation.SkipReason]: reason },
    },
  };
}

describe("decideReconcile: skip rules", () => {
  it.each<[string, Partial<SessionReconcileInput>, RegExp]>([
    ["paused configuration → Skipped", { configuration: configuration(sessionConfig(), true) }, /paused/],
    ["missing configuration → Skipped", { configuration: undefined }, /app-backup not found/],
    [
      "configuration not Ready → Skipped naming why",
      {
        configuration: {
          ...configuration(),
          status: {
            ...configuration().status,
            backends: [{ name: "s3", ready: false, storage: { reason: "denied" } }],
          },
        },
      },
      /is NotReady: backend s3 not ready \(denied\)/,
    ],
    [
      "created Skipped, its status write lost (skip-reason annotation, no phase) → Skipped with that reason",
      { session: createdSkipped() },
      /^inside exclusion window "freeze" \(.*policy Skip\)$/,
    ],
    [
      "created Skipped and the configuration paused since: the created reason, before anything else",
      { session: createdSkipped(), configuration: configuration(sessionConfig(), true) },
      /^inside exclusion window "freeze"/,
    ],
    [
      "Forbid: the newer of two running sessions is skipped",
      { siblings: [sibling(atSeconds(-3600), running)] },
      /BackupSession app-backup-daily-1795690800 .*Forbid/,
    ],
  ])("%s", (_name, over, message) => {
    const result = skipMessage(world(over));
    expect(result).toEqual({
      phase: "Skipped",
      reason: "PreRequisitesNotSatisfied",
      message: expect.stringMatching(message),
    });
  });

  describe("a configuration whose first status is not written yet (docs/decisions.md#first-status)", () => {
    const fresh = (createdSecondsBeforeNow: number) => ({
      ...configuration(),
      metadata: {
        ...configuration().metadata,
        creationTimestamp: toKubeTime(atSeconds(5 - createdSecondsBeforeNow)),
      },
      status: undefined,
    });
    it.each<[string, number, "waits" | "skips"]>([
      ["created a second ago: the session waits, Pending, writing nothing", 1, "waits"],
      ["created 119 s ago: still waits", 119, "waits"],
      ["created 120 s ago: Skipped, the status never came", 120, "skips"],
    ])("%s", (_name, age, expected) => {
      const { status, actions, phaseChange } = decideReconcile(
        world({ configuration: fresh(age) }),
        atSeconds(5),
      );
      if (expected === "waits") {
        expect(status.phase).toBe("Pending");
        expect(findCondition(status.conditions, "BackupSkipped")).toBeUndefined();
        expect(actions.map((a) => a.type)).toEqual([]);
        expect(phaseChange).toEqual({ to: "Pending", reasons: [] });
      } else {
        expect(skipMessage(world({ configuration: fresh(age) }))).toEqual({
          phase: "Skipped",
          reason: "PreRequisitesNotSatisfied",
          message: expect.stringMatching(
            /is NotReady: .*status not reported yet|is NotReady: target not found/,
          ),
        });
      }
    });

    it("a paused new configuration skips at once: the spec decides, no status needed", () => {
      const paused = fresh(1);
      const input = world({ configuration: { ...paused, spec: { ...paused.spec, paused: true } } });
      expect(skipMessage(input)).toEqual({
        phase: "Skipped",
        reason: "PreRequisitesNotSatisfied",
        message: expect.stringMatching(/is paused/),
      });
    });
  });

  it("a Skipped session creates nothing, records the skip and its duration", () => {
    const { status, actions, phaseChange } = decideReconcile(
      world({ configuration: configuration(sessionConfig(), true) }),
      atSeconds(5),
    );
    // Only Events for `kubectl describe`: the skip (Warning), the history cleanup, and the phase.
    expect(actions.map((a) => (a.type === "record-event" ? [a.eventType, a.reason] : [a.type]))).toEqual([
      ["Warning", "PreRequisitesNotSatisfied"],
      ["Normal", "SuccessfullyCleanedSessionHistory"],
      ["Normal", "BackupSessionSkipped"],
    ]);
    expect(status.duration).toBe("5s");
    expect(phaseChange).toEqual({ to: "Skipped", reasons: ["PreRequisitesNotSatisfied"] });
  });

  it.each<[string, "Forbid" | "Allow", BackupSession[]]>([
    [
      "Forbid: the older of two running sessions keeps running",
      "Forbid",
      [sibling(atSeconds(3600), running)],
    ],
    ["Forbid: a completed older session does not block", "Forbid", [sibling(atSeconds(-3600), failed)]],
    ["Allow: both run", "Allow", [sibling(atSeconds(-3600), running)]],
  ])("%s", (_name, concurrencyPolicy, siblings) => {
    const config = configuration(
      sessionConfig({ scheduler: { schedule: "0 * * * *", jobTemplate: {}, concurrencyPolicy } }),
    );
    const { status, actions } = decideReconcile(world({ configuration: config, siblings }), atSeconds(5));
    expect(status.phase).toBe("Pending");
    expect(actions.map((a) => a.type).filter((t) => t !== "record-event")).toEqual([
      "create-snapshot",
      "update-snapshot-status",
      "update-repository-status",
      "ensure-executor-rbac",
      "create-job",
    ]);
  });

  it("Forbid does not skip a session that already started", () => {
    const started = step(world(), atSeconds(5)).next;
    const { status } = decideReconcile(
      { ...started, siblings: [sibling(atSeconds(-3600), running)] },
      atSeconds(10),
    );
    expect(findCondition(status.conditions, "BackupSkipped")).toBeUndefined();
  });

  it("replaced: a running session annotated replaced-by → Failed naming the replacement", () => {
    const started = step(world(), atSeconds(5)).next;
    const annotations = {
      ...started.session.metadata.annotations,
      [Annotation.ReplacedBy]: "app-backup-daily-1795698000",
    };
    const input = {
      ...started,
      session: { ...started.session, metadata: { ...started.session.metadata, annotations } },
    };
    const { status, actions } = decideReconcile(input, atSeconds(60));
    expect(actions[0]).toMatchObject({
      type: "update-snapshot-status",
      name: S3_SNAPSHOT,
      update: {
        conditions: [
          {
            type: "BackupIncomplete",
            message: expect.stringMatching(/replaced by BackupSession app-backup-daily-1795698000/),
          },
        ],
      },
    });
    expect(actions).toContainEqual(
      expect.objectContaining({
        type: "record-event",
        message: expect.stringMatching(/app-backup-daily-1795698000/),
      }),
    );
    expect(status.phase).toBe("Failed");
  });
});

describe("decideReconcile: history, completion and deletion", () => {
  it("history limit 2 deletes the 3rd oldest completed and its jobs, keeps running ones", () => {
    // Prepare: three older completed sessions, one running, the current one about to succeed
    const oldest = sibling(atSeconds(-4 * 3600), succeeded);
    const older = sibling(atSeconds(-3 * 3600), failed);
    const old = sibling(atSeconds(-2 * 3600), succeeded);
    const busy = sibling(atSeconds(-3600), running);
    const config = configuration(
      sessionConfig({
        sessionHistoryLimit: 2,
        scheduler: { schedule: "0 * * * *", jobTemplate: {}, concurrencyPolicy: "Allow" },
      }),
    );
    const started = step(world({ configuration: config }), atSeconds(5)).next;
    const input = reportSnapshot(
      {
        ...started,
        siblings: [busy, old, older, oldest],
        jobs: [...started.jobs, ...[oldest, older, old, busy].map(executorOf)],
      },
      S3_SNAPSHOT,
      "Succeeded",
      atSeconds(30),
    );

    // Act
    const { status, actions } = decideReconcile(input, atSeconds(30));

    // Assess
    const deletions = actions.filter((a) => a.type === "delete-session" || a.type === "delete-job");
    expect(deletions).toEqual([
      {
        type: "delete-job",
        namespace: NS,
        name: `upload-${oldest.metadata.name}`,
        uid: `uid-job-${oldest.metadata.name}`,
      },
      {
        type: "delete-job",
        namespace: NS,
        name: `upload-${older.metadata.name}`,
        uid: `uid-job-${older.metadata.name}`,
      },
      { type: "delete-session", name: oldest.metadata.name, uid: oldest.metadata.uid },
      { type: "delete-session", name: older.metadata.name, uid: older.metadata.uid },
    ]);
    expect(findCondition(status.conditions, "SessionHistoryCleaned")).toMatchObject({
      status: "True",
      reason: "SuccessfullyCleanedSessionHistory",
    });
    expect(status.phase).toBe("Succeeded");
  });

  it("a completed session only cleans history: no hooks, snapshots or metrics again", () => {
    const cleaned = {
      ...ok("SessionHistoryCleaned"),
      reason: "SuccessfullyCleanedSessionHistory",
      message: "Session history has been cleaned successfully.",
    };
    const done = { ...backupSession(), status: { ...succeeded, conditions: [ok("MetricsPushed"), cleaned] } };
    const old = sibling(atSeconds(-3600), failed);
    const { actions, status } = decideReconcile(world({ session: done, siblings: [old] }), atSeconds(600));
    expect(actions).toEqual([{ type: "delete-session", name: old.metadata.name, uid: old.metadata.uid }]);
    expect(status).toEqual(done.status);
  });

  it("deletion: jobs deleted, then finalizer removed", () => {
    const config = configuration(sessionConfig({ hooks: { preBackup: [hook("freeze")] } }));
    let input = step(world({ configuration: config }), atSeconds(5)).next;
    input = step(finishJob(input, `prehook-${SESSION}-freeze`, "Complete"), atSeconds(10)).next;
    expect(input.jobs.map((j) => j.metadata.name)).toEqual([
      `prehook-${SESSION}-freeze`,
      `upload-${SESSION}`,
    ]);
    input = {
      ...input,
      session: {
        ...input.session,
        metadata: { ...input.session.metadata, deletionTimestamp: toKubeTime(atSeconds(20)) },
      },
    };

    const first = step(input, atSeconds(20));
    const second = step(first.next, atSeconds(21));

    expect(first.decision.actions.map((a) => [a.type, "name" in a ? a.name : ""])).toEqual([
      ["delete-job", `prehook-${SESSION}-freeze`],
      ["delete-job", `upload-${SESSION}`],
    ]);
    expect(second.decision.actions).toEqual([
      { type: "remove-finalizer", finalizer: "kubestash.com/cleanup" },
    ]);
    expect(decideReconcile(second.next, atSeconds(22)).actions).toEqual([]);
  });
});

describe("decideReconcile: re-deciding on the result is a fixed point (no actions)", () => {
  const hooked = configuration(
    sessionConfig({
      hooks: { preBackup: [hook("freeze")], postBackup: [hook("notify")] },
      backupTimeout: "1m",
    }),
  );
  const scenarios: Array<[string, () => { input: SessionReconcileInput; now: Date }]> = [
    ["a new session", () => ({ input: world(), now: atSeconds(5) })],
    ["a pre-hook running", () => ({ input: world({ configuration: hooked }), now: atSeconds(5) })],
    [
      "a snapshot succeeded",
      () => ({
        input: reportSnapshot(step(world(), atSeconds(5)).next, S3_SNAPSHOT, "Succeeded", atSeconds(9)),
        now: atSeconds(9),
      }),
    ],
    [
      "a snapshot failed",
      () => ({
        input: reportSnapshot(step(world(), atSeconds(5)).next, S3_SNAPSHOT, "Failed", atSeconds(9)),
        now: atSeconds(9),
      }),
    ],
    [
      "the deadline passed",
      () => {
        const started = step(
          world({ session: backupSession(atSeconds(0), { backupTimeout: "1m" }) }),
          atSeconds(5),
        ).next;
        return { input: started, now: atSeconds(120) };
      },
    ],
    [
      "a paused configuration",
      () => ({ input: world({ configuration: configuration(sessionConfig(), true) }), now: atSeconds(5) }),
    ],
    ["a missing Addon", () => ({ input: world({ addon: undefined }), now: atSeconds(5) })],
    [
      "a history to clean",
      () => ({
        input: world({
          siblings: [sibling(atSeconds(-7200), succeeded), sibling(atSeconds(-3600), failed)],
          configuration: configuration(sessionConfig({ repositories: [] })),
        }),
        now: atSeconds(5),
      }),
    ],
  ];

  it.each(scenarios)("%s", (_name, scenario) => {
    const { input, now } = scenario();
    const first = step(input, now);
    const again = decideReconcile(first.next, now);
    expect(again.actions).toEqual<SessionAction[]>([]);
    expect(again.status).toEqual(first.decision.status);
    expect(again.phaseChange).toBeUndefined();
  });
});
