// biome-ignore-all lint/suspicious/noTemplateCurlyInString: KubeStash Function args carry ${name:=default} variables
import { describe, expect, it } from "vitest";
import {
  decideVerification,
  type VerificationAction,
  type VerificationDecision,
  type VerificationReconcileInput,
} from "../../../shared/decide/verification/reconcile-verification.ts";
import {
  restoreSessionPhase,
  verificationPhase,
} from "../../../shared/decide/verification/verification-phase.ts";
import { Addon, KubeStashFunction } from "../../../shared/model/addon.ts";
import { BackupConfiguration } from "../../../shared/model/backup-configuration.ts";
import { BackupVerificationSession, BackupVerifier } from "../../../shared/model/backup-verifier.ts";
import type { Condition } from "../../../shared/model/common.ts";
import type { Job } from "../../../shared/model/job.ts";
import type { PersistentVolumeClaim } from "../../../shared/model/persistent-volume-claim.ts";
import { RestoreSession } from "../../../shared/model/restore-session.ts";
import { Snapshot } from "../../../shared/model/snapshot.ts";
import { completedSnapshotStatus } from "../../support/snapshot-states.ts";

/**
 * The verification lifecycle, decided on objects with a fixed clock (docs/verification.md#lifecycle): each row
 * a world and what the decision does — the actions, the conditions, the phase — the way the backup tables
 * (reconcile-session*.test.ts) read.
 */

const NOW = new Date("2026-12-01T03:10:00Z");
const CREATED = "2026-12-01T03:00:00Z";
const NS = "demo";

const configuration = BackupConfiguration.parse({
  apiVersion: "core.kubestash.com/v1alpha1",
  kind: "BackupConfiguration",
  metadata: { name: "app", namespace: NS, uid: "cfg-uid", creationTimestamp: "2026-11-01T00:00:00Z" },
  spec: {
    target: { kind: "PersistentVolumeClaim", name: "data", namespace: NS },
    backends: [
      { name: "b", storageRef: { name: "s", namespace: NS }, retentionPolicy: { name: "r", namespace: NS } },
    ],
    sessions: [
      {
        name: "daily",
        scheduler: { schedule: "0 2 * * *", jobTemplate: { backoffLimit: 1 } },
        repositories: [
          {
            name: "repo",
            backend: "b",
            directory: "/app",
            backupVerifier: { name: "verifier", namespace: NS },
          },
        ],
        addon: { name: "pvc-addon", tasks: [{ name: "logical-backup" }] },
      },
    ],
  },
});

function verifier(
  spec: Record<string, unknown> = {},
  annotations: Record<string, string> = {},
): BackupVerifier {
  return BackupVerifier.parse({
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "BackupVerifier",
    metadata: { name: "verifier", namespace: NS, annotations },
    spec: {
      restoreOption: {
        addonInfo: { name: "pvc-addon", tasks: [{ name: "logical-backup-restore" }] },
        target: { kind: "PersistentVolumeClaim", name: "data-verify", namespace: "verify" },
      },
      scheduler: { schedule: "*/10 * * * *", jobTemplate: { backoffLimit: 1 } },
      type: "RestoreOnly",
      retryConfig: { maxRetry: 1 },
      sessionHistoryLimit: 2,
      ...spec,
    },
  });
}

const addon = Addon.parse({
  apiVersion: "addons.kubestash.com/v1alpha1",
  kind: "Addon",
  metadata: { name: "pvc-addon" },
  spec: {
    backupTasks: [{ name: "logical-backup", function: "pvc-backup", executor: "Job" }],
    restoreTasks: [
      {
        name: "logical-backup-restore",
        function: "pvc-restore",
        executor: "Job",
        volumeTemplate: [{ name: "data", source: { persistentVolumeClaim: { claimName: "${PVC_NAME}" } } }],
        volumeMounts: [{ name: "data", mountPath: "/kubestash-data" }],
      },
    ],
  },
});
const functions = [
  KubeStashFunction.parse({
    apiVersion: "addons.kubestash.com/v1alpha1",
    kind: "Function",
    metadata: { name: "pvc-restore" },
    spec: {
      image: "ghcr.io/kubestash/pvc:v0.28.0",
      args: [
        "restore",
        "--namespace=${namespace:=default}",
        "--restoresession=${restoreSession:=}",
        "--snapshot=${snapshot:=}",
      ],
    },
  }),
  KubeStashFunction.parse({
    apiVersion: "addons.kubestash.com/v1alpha1",
    kind: "Function",
    metadata: { name: "pvc-verifier" },
    spec: { image: "example.com/verifier:1", args: ["verify", "--session=${backupVerificationSession}"] },
  }),
];

function snapshot(
  name: string,
  outcome: "Succeeded" | "Failed",
  at: string,
  extra: Record<string, unknown> = {},
): Snapshot {
  const base = Snapshot.parse({
    apiVersion: "storage.kubestash.com/v1alpha1",
    kind: "Snapshot",
    metadata: { name, namespace: NS, creationTimestamp: at },
    spec: {
      repository: "repo",
      session: "daily",
      backupSession: `app-daily-${Date.parse(at) / 1000}`,
      snapshotID: name,
    },
  });
  return { ...base, status: { ...completedSnapshotStatus(base, outcome, new Date(at)), ...extra } };
}

const OLD = snapshot("repo-app-daily-1764464400", "Succeeded", "2026-11-30T01:00:00Z");
const NEWEST_GOOD = snapshot("repo-app-daily-1764550800", "Succeeded", "2026-12-01T01:00:00Z");
const NEWER_FAILED = snapshot("repo-app-daily-1764554400", "Failed", "2026-12-01T02:00:00Z");

function session(
  extra: {
    spec?: Record<string, unknown>;
    status?: Record<string, unknown>;
    meta?: Record<string, unknown>;
  } = {},
) {
  return BackupVerificationSession.parse({
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "BackupVerificationSession",
    metadata: {
      name: "repo-daily-1764558000",
      namespace: NS,
      uid: "bvs-uid",
      resourceVersion: "7",
      creationTimestamp: CREATED,
      labels: { "kubestash.com/invoker-name": "app" },
      annotations: { "serverless.kubestash.com/origin": "schedule" },
      finalizers: ["kubestash.com/cleanup"],
      ...extra.meta,
    },
    spec: {
      invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: "app" },
      session: "daily",
      repository: "repo",
      retryLeft: 1,
      ...extra.spec,
    },
    ...(extra.status ? { status: extra.status } : {}),
  });
}

function condition(type: string, status: "True" | "False", reason = "R", message = ""): Condition {
  return { type, status, reason, message, lastTransitionTime: "2026-12-01T03:05:00Z" };
}

function restoreSession(status?: Record<string, unknown>): RestoreSession {
  return RestoreSession.parse({
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "RestoreSession",
    metadata: {
      name: "repo-daily-1764558000",
      namespace: "verify",
      creationTimestamp: "2026-12-01T03:00:05Z",
      labels: {
        "kubestash.com/invoker-name": "repo-daily-1764558000",
        "kubestash.com/invoker-namespace": NS,
      },
    },
    spec: {
      dataSource: { repository: "repo", snapshot: NEWEST_GOOD.metadata.name, namespace: NS },
      target: { kind: "PersistentVolumeClaim", name: "data-verify", namespace: "verify" },
      addon: { name: "pvc-addon", tasks: [{ name: "logical-backup-restore" }] },
    },
    ...(status ? { status } : {}),
  });
}

function job(
  name: string,
  namespace: string,
  component: string,
  invoker: string,
  end?: "Complete" | "Failed",
): Job {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      namespace,
      uid: `${name}-uid`,
      labels: { "app.kubernetes.io/component": component, "kubestash.com/invoker-name": invoker },
    },
    spec: { template: { spec: { containers: [{ name: "c", image: "i" }] } } },
    ...(end ? { status: { conditions: [{ type: end, status: "True" }] } } : {}),
  } as Job;
}

function claim(
  name: string,
  namespace: string,
  scratchFor?: string,
  deleting = false,
): PersistentVolumeClaim {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name,
      namespace,
      uid: `${name}-uid`,
      ...(scratchFor
        ? {
            labels: { "app.kubernetes.io/managed-by": "kubestash-serverless" },
            annotations: { "serverless.kubestash.com/scratch-for": scratchFor },
          }
        : {}),
      ...(deleting ? { deletionTimestamp: "2026-12-01T03:09:00Z" } : {}),
    },
    spec: {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "5Gi" } },
      storageClassName: "fast",
    },
  };
}

function world(overrides: Partial<VerificationReconcileInput> = {}): VerificationReconcileInput {
  return {
    verification: session(),
    configuration,
    verifier: verifier(),
    repository: undefined,
    snapshots: [OLD, NEWEST_GOOD, NEWER_FAILED],
    restoreSession: undefined,
    jobs: [],
    targetClaim: claim("data-verify", "verify"),
    sourceClaim: claim("data", NS),
    history: [],
    addon,
    functions,
    retryExists: false,
    ...overrides,
  };
}

const types = (d: VerificationDecision) => d.actions.map((a) => a.type);
const cond = (d: VerificationDecision, type: string) => d.status.conditions?.find((c) => c.type === type);
const action = <T extends VerificationAction["type"]>(d: VerificationDecision, type: T) =>
  d.actions.find((a) => a.type === type) as Extract<VerificationAction, { type: T }> | undefined;

/** A running session whose Snapshot is chosen and whose restore is under way. */
const running = (status: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) =>
  session({
    spec: { snapshot: NEWEST_GOOD.metadata.name, ...spec },
    status: { phase: "Running", ...status },
  });

const restored = (extra: Condition[] = []) =>
  running({ conditions: [condition("RestoreSucceeded", "True", "SuccessfullyRestoredBackup"), ...extra] });

const finishedRestore = (phase: "Succeeded" | "Failed") =>
  restoreSession({
    totalComponents: 1,
    components: {
      dump: { phase, duration: "3s", ...(phase === "Failed" ? { error: "restic: wrong password" } : {}) },
    },
    conditions: [condition("RestoreExecutorEnsured", "True"), condition("RestoreTargetFound", "True")],
  });

describe("choosing the Snapshot", () => {
  it.each([
    {
      name: "the newest Succeeded Snapshot of the repository, not a newer Failed one",
      input: world(),
      snapshot: NEWEST_GOOD.metadata.name,
    },
    {
      name: "a triggered run verifies the newest even when it was verified already",
      input: world({
        verification: session({ meta: { annotations: { "serverless.kubestash.com/origin": "trigger" } } }),
        snapshots: [
          snapshot(NEWEST_GOOD.metadata.name, "Succeeded", "2026-12-01T01:00:00Z", {
            verificationStatus: "Verified",
          }),
        ],
      }),
      snapshot: NEWEST_GOOD.metadata.name,
    },
  ])("$name", ({ input, snapshot: expected }) => {
    const d = decideVerification(input, NOW);
    expect(action(d, "set-snapshot")?.snapshot).toBe(expected);
    expect(d.status.phase).toBe("Running");
    expect(action(d, "create-restore-session")?.restoreSession.spec.dataSource?.snapshot).toBe(expected);
    expect(d.again).toBe(true);
  });

  it.each([
    { name: "no Succeeded Snapshot", snapshots: [NEWER_FAILED], spec: {}, reason: "NoSucceededSnapshot" },
    { name: "no Snapshot at all", snapshots: [], spec: {}, reason: "NoSucceededSnapshot" },
    {
      name: "the newest was verified already (scheduled run)",
      snapshots: [
        snapshot(NEWEST_GOOD.metadata.name, "Succeeded", "2026-12-01T01:00:00Z", {
          verificationStatus: "Verified",
          verificationSession: "old",
        }),
      ],
      spec: {},
      reason: "SnapshotAlreadyVerified",
    },
    {
      name: "the named Snapshot does not exist",
      snapshots: [OLD],
      spec: { snapshot: "gone" },
      reason: "SnapshotNotVerifiable",
    },
    {
      name: "the named Snapshot Failed",
      snapshots: [NEWER_FAILED],
      spec: { snapshot: NEWER_FAILED.metadata.name },
      reason: "SnapshotNotVerifiable",
    },
  ])("skipped: $name", ({ snapshots, spec, reason }) => {
    const d = decideVerification(world({ snapshots, verification: session({ spec }) }), NOW);
    expect(d.status.phase).toBe("Skipped");
    expect(cond(d, "BackupVerificationSkipped")).toMatchObject({ status: "True", reason });
    expect(cond(d, "VerificationSessionHistoryCleaned")?.status).toBe("True");
    expect(types(d)).not.toContain("create-restore-session");
    expect(types(d)).not.toContain("update-snapshot-verification");
    expect(d.phaseChange).toMatchObject({ to: "Skipped", reasons: [reason] });
    expect(d.retry).toBeUndefined();
  });
});

describe("what must not run", () => {
  it.each([
    {
      name: "the configuration is gone",
      input: world({ configuration: undefined }),
      text: "BackupConfiguration demo/app not found",
    },
    {
      name: "the verifier is gone",
      input: world({ verifier: undefined }),
      text: "BackupVerifier demo/verifier not found",
    },
    {
      name: "the target is the backup's own source",
      input: world({
        verifier: verifier({
          restoreOption: {
            addonInfo: { name: "pvc-addon", tasks: [{ name: "logical-backup-restore" }] },
            target: { kind: "PersistentVolumeClaim", name: "data", namespace: NS },
          },
        }),
      }),
      text: "never restores into the source",
    },
    {
      name: "a scratch target over a claim the verification did not make",
      input: world({ verifier: verifier({}, { "serverless.kubestash.com/scratch-target": "Delete" }) }),
      text: "was not made by a verification",
    },
  ])("fails: $name", ({ input, text }) => {
    const d = decideVerification(input, NOW);
    expect(d.status.phase).toBe("Failed");
    expect(cond(d, "RestoreSucceeded")).toMatchObject({ status: "False" });
    expect(cond(d, "RestoreSucceeded")?.message).toContain(text);
    expect(types(d)).not.toContain("create-restore-session");
    expect(types(d)).not.toContain("delete-claim");
  });
});

describe("the scratch target", () => {
  const scratch = verifier({}, { "serverless.kubestash.com/scratch-target": "Delete" });
  const key = "demo/repo-daily-1764558000";

  it("is made in the backed-up claim's shape before the restore", () => {
    const d = decideVerification(world({ verifier: scratch, targetClaim: undefined }), NOW);
    const made = action(d, "create-claim")?.claim;
    expect(made?.metadata).toMatchObject({
      name: "data-verify",
      namespace: "verify",
      annotations: { "serverless.kubestash.com/scratch-for": key },
      labels: { "app.kubernetes.io/managed-by": "kubestash-serverless" },
    });
    expect(made?.spec).toEqual({
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "5Gi" } },
      storageClassName: "fast",
    });
    expect(types(d)).not.toContain("create-restore-session");
  });

  it("waits while an earlier verification's scratch claim is still there or going", () => {
    for (const other of [
      claim("data-verify", "verify", "demo/earlier"),
      claim("data-verify", "verify", key, true),
    ]) {
      const d = decideVerification(
        world({ verifier: scratch, targetClaim: other, verification: running() }),
        NOW,
      );
      expect(d.status.phase).toBe("Running");
      expect(types(d)).toEqual([]);
    }
  });

  it("is deleted once the verification is done, and only its own", () => {
    const d = decideVerification(
      world({
        verifier: scratch,
        targetClaim: claim("data-verify", "verify", key),
        verification: restored(),
        restoreSession: finishedRestore("Succeeded"),
      }),
      NOW,
    );
    expect(action(d, "delete-claim")).toMatchObject({
      namespace: "verify",
      name: "data-verify",
      uid: "data-verify-uid",
    });
    expect(d.status.phase).toBe("Succeeded");
  });
});

describe("the RestoreSession, driven as the operator drives it", () => {
  it("gets its executor Job from the addon's restore task, with its RBAC, and how many components to expect", () => {
    const d = decideVerification(world({ verification: running(), restoreSession: restoreSession() }), NOW);
    const update = action(d, "update-restore-session-status");
    expect(update?.status.totalComponents).toBe(1);
    expect(update?.status.conditions?.find((c) => c.type === "RestoreExecutorEnsured")?.status).toBe("True");
    expect(update?.status.conditions?.find((c) => c.type === "RestoreTargetFound")?.status).toBe("True");
    // KubeStash's rule: no component reported yet is Pending, whatever the operator did.
    expect(update?.status.phase).toBe("Pending");
    const created = action(d, "create-job")?.job;
    expect(created?.metadata.namespace).toBe("verify");
    expect(created?.metadata.labels?.["app.kubernetes.io/component"]).toBe("kubestash-restore");
    const podSpec = created?.spec.template.spec as { containers: Array<{ args: string[] }> } | undefined;
    const args = podSpec?.containers[0]?.args;
    expect(args).toContain(`--snapshot=${NEWEST_GOOD.metadata.name}`);
    expect(types(d)).toContain("ensure-executor-rbac");
    expect(d.status.phase).toBe("Running");
  });

  it("then waits for the executor's component: deciding again on what it wrote changes nothing", () => {
    const first = decideVerification(
      world({ verification: running(), restoreSession: restoreSession() }),
      NOW,
    );
    const written = { ...restoreSession(), status: action(first, "update-restore-session-status")?.status };
    const jobs = [action(first, "create-job")?.job as Job];
    const d = decideVerification(world({ verification: running(), restoreSession: written, jobs }), NOW);
    expect(d.actions).toEqual([]);
    expect(d.status).toEqual(running().status);
    const reporting = {
      ...written,
      status: { ...written.status, components: { dump: { phase: "Running" as const } } },
    };
    const update = action(
      decideVerification(world({ verification: running(), restoreSession: reporting, jobs }), NOW),
      "update-restore-session-status",
    );
    expect(update?.status.phase).toBe("Running");
  });

  it.each([
    { outcome: "Succeeded" as const, restore: "True", phase: "Succeeded", verification: "Verified" },
    { outcome: "Failed" as const, restore: "False", phase: "Failed", verification: "VerificationFailed" },
  ])(
    "a component $outcome: the restore ends, then the session ($phase)",
    ({ outcome, restore, phase, verification }) => {
      const d = decideVerification(
        world({ verification: running(), restoreSession: finishedRestore(outcome) }),
        NOW,
      );
      const update = action(d, "update-restore-session-status");
      expect(update?.status.phase).toBe(outcome);
      expect(update?.status.conditions?.find((c) => c.type === "MetricsPushed")?.status).toBe("True");
      expect(cond(d, "RestoreSucceeded")?.status).toBe(restore);
      expect(d.status.phase).toBe(phase);
      expect(d.status.duration).toBe("10m0s");
      expect(action(d, "update-snapshot-verification")).toEqual({
        type: "update-snapshot-verification",
        name: NEWEST_GOOD.metadata.name,
        verificationStatus: verification,
        verificationSession: "repo-daily-1764558000",
      });
      if (outcome === "Failed")
        expect(cond(d, "RestoreSucceeded")?.message).toContain("restic: wrong password");
    },
  );

  it("an executor that ended without its component: read again first, then the restore is incomplete", () => {
    const rs = restoreSession({
      totalComponents: 1,
      phase: "Running",
      targetFound: true,
      conditions: [condition("RestoreExecutorEnsured", "True"), condition("RestoreTargetFound", "True")],
    });
    const jobs = [
      job("restore-repo-daily-1764558000", "verify", "kubestash-restore", rs.metadata.name, "Failed"),
    ];
    const first = decideVerification(world({ verification: running(), restoreSession: rs, jobs }), NOW);
    expect(first).toEqual({ status: running().status, actions: [], confirm: true });
    const confirmed = decideVerification(
      world({ verification: running(), restoreSession: rs, jobs, confirmed: true }),
      NOW,
    );
    const update = action(confirmed, "update-restore-session-status");
    expect(update?.status.conditions?.find((c) => c.type === "RestoreIncomplete")?.status).toBe("True");
    expect(update?.status.phase).toBe("Failed");
    expect(confirmed.status.phase).toBe("Failed");
  });
});

describe("the check the verifier's type asks for", () => {
  const query = verifier({ type: "Query", function: "pvc-verifier", query: { rows: 1 } });

  it("RestoreOnly: verified by the restore", () => {
    const d = decideVerification(
      world({ verification: running(), restoreSession: finishedRestore("Succeeded") }),
      NOW,
    );
    expect(cond(d, "BackupVerified")).toMatchObject({ status: "True", reason: "SuccessfullyVerifiedBackup" });
  });

  it("Query: a verifier Job in the session's namespace after the restore", () => {
    const d = decideVerification(
      world({ verifier: query, verification: restored(), restoreSession: finishedRestore("Succeeded") }),
      NOW,
    );
    const created = action(d, "create-job")?.job;
    expect(created?.metadata.namespace).toBe(NS);
    expect(created?.metadata.labels?.["app.kubernetes.io/component"]).toBe("kubestash-backup-verifier");
    expect(cond(d, "VerificationExecutorEnsured")?.status).toBe("True");
    expect(d.status.phase).toBe("Running");
  });

  it("Query: the verifier's own result decides", () => {
    const written = restored([
      condition("VerificationExecutorEnsured", "True"),
      condition(
        "BackupVerified",
        "False",
        "FailedToVerifyBackup",
        'Failed to verify backup. Reason: "rows 0 < 1"',
      ),
    ]);
    const d = decideVerification(
      world({
        verifier: query,
        verification: written,
        restoreSession: finishedRestore("Succeeded"),
        jobs: [
          job(
            "verify-repo-daily-1764558000",
            NS,
            "kubestash-backup-verifier",
            written.metadata.name,
            "Failed",
          ),
        ],
      }),
      NOW,
    );
    expect(d.status.phase).toBe("Failed");
    expect(action(d, "update-snapshot-verification")?.verificationStatus).toBe("VerificationFailed");
    expect(d.retry?.action).toBe("retry-now");
  });

  it("Query: a Job that ended without a result is read again, then judged by how it ended", () => {
    const ensured = restored([condition("VerificationExecutorEnsured", "True")]);
    const jobs = [
      job("verify-repo-daily-1764558000", NS, "kubestash-backup-verifier", ensured.metadata.name, "Complete"),
    ];
    const input = world({
      verifier: query,
      verification: ensured,
      restoreSession: finishedRestore("Succeeded"),
      jobs,
    });
    expect(decideVerification(input, NOW).confirm).toBe(true);
    const d = decideVerification({ ...input, confirmed: true }, NOW);
    expect(cond(d, "BackupVerified")?.status).toBe("True");
    expect(d.status.phase).toBe("Succeeded");
  });
});

describe("retries, exactly once", () => {
  const failed = () => world({ verification: running(), restoreSession: finishedRestore("Failed") });

  it("a failure with a retry left: the retry restores the same Snapshot, one retry less", () => {
    const d = decideVerification(failed(), NOW);
    const retry = action(d, "create-retry")?.verification;
    expect(retry?.metadata.name).toBe("repo-daily-1764558000-retry-1");
    expect(retry?.spec).toMatchObject({
      snapshot: NEWEST_GOOD.metadata.name,
      retryLeft: 0,
      repository: "repo",
      session: "daily",
    });
    expect(retry?.metadata.annotations).toMatchObject({
      "serverless.kubestash.com/origin": "retry",
      "serverless.kubestash.com/retry-of": "repo-daily-1764558000",
    });
    expect(retry?.metadata.finalizers).toEqual(["kubestash.com/cleanup"]);
    expect(d.status.retried).toBe(true);
    expect(d.failedForGood).toBeUndefined();
  });

  it("with a delay: due later, nothing created yet", () => {
    const d = decideVerification(
      { ...failed(), verifier: verifier({ retryConfig: { maxRetry: 1, delay: "5m" } }) },
      NOW,
    );
    expect(d.retry).toEqual({ action: "retry-at", at: new Date("2026-12-01T03:15:00Z") });
    expect(types(d)).not.toContain("create-retry");
  });

  it("due inside an exclusion window: waits for its end", () => {
    const end = new Date("2026-12-01T04:00:00Z");
    const d = decideVerification(
      {
        ...failed(),
        windows: {
          clusterWindows: [
            {
              kind: "once",
              name: "freeze",
              start: Date.parse("2026-12-01T03:00:00Z"),
              end: end.getTime(),
              policy: "Wait",
            },
          ],
        },
      },
      NOW,
    );
    expect(d.retry).toEqual({ action: "retry-at", at: end });
    expect(types(d)).not.toContain("create-retry");
  });

  it("a retry that exists already is not made again", () => {
    const d = decideVerification({ ...failed(), retryExists: true }, NOW);
    expect(types(d)).not.toContain("create-retry");
    expect(d.status.retried).toBe(true);
  });

  it("no retry left: Verification Failed, once, with the reasons", () => {
    const last = world({
      verification: running({}, { retryLeft: 0 }),
      restoreSession: finishedRestore("Failed"),
    });
    const d = decideVerification(last, NOW);
    expect(d.failedForGood?.reasons).toEqual(["FailedToRestoreBackup"]);
    expect(d.failedForGood?.error).toContain("restic: wrong password");
    const again = decideVerification(
      { ...last, verification: { ...last.verification, status: d.status } },
      NOW,
    );
    expect(again.failedForGood).toBeUndefined();
    expect(again.actions).toEqual([]);
  });
});

describe("deadline, history, deletion", () => {
  it("past the deadline: unfinished Jobs deleted, the RestoreSession ended, the session Failed", () => {
    const rs = restoreSession({
      totalComponents: 1,
      conditions: [condition("RestoreExecutorEnsured", "True")],
    });
    const d = decideVerification(
      world({
        verification: running(),
        restoreSession: rs,
        jobs: [job("restore-repo-daily-1764558000", "verify", "kubestash-restore", rs.metadata.name)],
      }),
      new Date("2026-12-01T04:00:01Z"),
    );
    expect(action(d, "delete-job")).toMatchObject({ name: "restore-repo-daily-1764558000" });
    expect(action(d, "update-restore-session-status")?.status.phase).toBe("Failed");
    expect(cond(d, "RestoreSucceeded")).toMatchObject({
      status: "False",
      reason: "FailedToCompleteWithinDeadline",
    });
    expect(d.status.phase).toBe("Failed");
  });

  it("replaced (concurrencyPolicy Replace): cut short like a deadline, with its own reason", () => {
    const rs = restoreSession({
      totalComponents: 1,
      conditions: [condition("RestoreExecutorEnsured", "True")],
    });
    const replaced = running();
    replaced.metadata.annotations = {
      ...replaced.metadata.annotations,
      "serverless.kubestash.com/replaced-by": "repo-daily-1764558600",
    };
    const d = decideVerification(
      world({
        verification: replaced,
        restoreSession: rs,
        jobs: [job("restore-repo-daily-1764558000", "verify", "kubestash-restore", rs.metadata.name)],
      }),
      NOW,
    );
    expect(action(d, "delete-job")).toMatchObject({ name: "restore-repo-daily-1764558000" });
    expect(cond(d, "RestoreSucceeded")).toMatchObject({ status: "False", reason: "ReplacedByNewerSession" });
    expect(cond(d, "RestoreSucceeded")?.message).toContain("repo-daily-1764558600");
    expect(d.status.phase).toBe("Failed");
  });

  it("keeps sessionHistoryLimit finished sessions of the repository, this one counted", () => {
    const old = (n: number, phase = "Succeeded") =>
      session({
        meta: { name: `repo-daily-17645${n}`, uid: `u${n}`, creationTimestamp: `2026-11-2${n}T03:00:00Z` },
        status: { phase },
      });
    const d = decideVerification(
      world({
        verification: running(),
        restoreSession: finishedRestore("Succeeded"),
        history: [old(1), old(3), old(2), old(4, "Running"), running()],
      }),
      NOW,
    );
    expect(
      d.actions.filter((a) => a.type === "delete-verification").map((a) => (a as { name: string }).name),
    ).toEqual(["repo-daily-176452", "repo-daily-176451"]);
  });

  it("being deleted: its RestoreSession, Jobs and scratch claim go first, then the finalizer", () => {
    const key = "demo/repo-daily-1764558000";
    const deleting = session({
      meta: { deletionTimestamp: "2026-12-01T03:09:00Z" },
      status: { phase: "Succeeded" },
    });
    const d = decideVerification(
      world({
        verification: deleting,
        restoreSession: finishedRestore("Succeeded"),
        jobs: [
          job(
            "restore-repo-daily-1764558000",
            "verify",
            "kubestash-restore",
            "repo-daily-1764558000",
            "Complete",
          ),
        ],
        targetClaim: claim("data-verify", "verify", key),
      }),
      NOW,
    );
    expect(types(d).sort()).toEqual(["delete-claim", "delete-job", "delete-restore-session"]);
    const gone = decideVerification(
      world({ verification: deleting, targetClaim: claim("data-verify", "verify") }),
      NOW,
    );
    expect(types(gone)).toEqual(["remove-finalizer"]);
  });

  it("a finished session decided again: nothing to do", () => {
    const first = decideVerification(
      world({ verification: running(), restoreSession: finishedRestore("Succeeded") }),
      NOW,
    );
    const again = decideVerification(
      world({
        verification: { ...running(), status: first.status },
        restoreSession: finishedRestore("Succeeded"),
      }),
      NOW,
    );
    expect(again.actions).toEqual([]);
    expect(again.status).toEqual(first.status);
  });
});

describe("what must not be lost, run twice, or touch the source", () => {
  it("a result already in stands past the deadline: the restore succeeded, the session Succeeds", () => {
    const d = decideVerification(
      world({ verification: running(), restoreSession: finishedRestore("Succeeded") }),
      new Date("2026-12-01T04:00:30Z"),
    );
    expect(cond(d, "RestoreSucceeded")?.status).toBe("True");
    expect(d.status.phase).toBe("Succeeded");
    expect(types(d)).not.toContain("delete-job");
  });

  it("the verifier gone mid-run: Failed, saying so, not Succeeded", () => {
    const d = decideVerification(
      world({ verification: running(), verifier: undefined, restoreSession: restoreSession() }),
      NOW,
    );
    expect(d.status.phase).toBe("Failed");
    expect(cond(d, "RestoreSucceeded")?.message).toContain("BackupVerifier is gone");
  });

  it("history keeps a Failed session owed its retry and the newest scheduled one", () => {
    const at = (n: number) => `2026-11-2${n}T03:00:00Z`;
    const old = (n: number, phase: string, extra: { origin?: string; retryLeft?: number } = {}) =>
      session({
        meta: {
          name: `repo-daily-17645${n}`,
          uid: `u${n}`,
          creationTimestamp: at(n),
          annotations: {
            "serverless.kubestash.com/origin": extra.origin ?? "schedule",
            "serverless.kubestash.com/scheduled-time": at(n),
          },
        },
        spec: { retryLeft: extra.retryLeft ?? 0 },
        status: { phase },
      });
    const d = decideVerification(
      world({
        verifier: verifier({ sessionHistoryLimit: 1 }),
        verification: {
          ...running(),
          metadata: { ...running().metadata, annotations: { "serverless.kubestash.com/origin": "trigger" } },
        },
        restoreSession: finishedRestore("Succeeded"),
        history: [
          old(1, "Succeeded"),
          old(2, "Failed", { retryLeft: 1 }),
          old(3, "Succeeded"),
          old(4, "Succeeded", { origin: "trigger" }),
        ],
      }),
      NOW,
    );
    // Limit 1 keeps only this one, but never the owed retry (2) nor the newest scheduled (3).
    expect(
      d.actions
        .filter((a) => a.type === "delete-verification")
        .map((a) => (a as { name: string }).name)
        .sort(),
    ).toEqual(["repo-daily-176451", "repo-daily-176454"]);
  });

  it("a session Replace cut short is not retried and marks no Snapshot", () => {
    const replaced = running();
    replaced.metadata.annotations = {
      ...replaced.metadata.annotations,
      "serverless.kubestash.com/replaced-by": "repo-daily-1764558600",
    };
    const d = decideVerification(world({ verification: replaced, restoreSession: restoreSession() }), NOW);
    expect(d.status.phase).toBe("Failed");
    expect(types(d)).not.toContain("create-retry");
    expect(types(d)).not.toContain("update-snapshot-verification");
    expect(d.status.retried).toBe(false);
  });

  it.each([
    {
      name: "created Skipped (its skip-reason annotation)",
      input: world({
        verification: session({
          meta: {
            annotations: {
              "serverless.kubestash.com/origin": "schedule",
              "serverless.kubestash.com/skip-reason": 'inside exclusion window "freeze" (policy Skip)',
            },
          },
        }),
      }),
      reason: "SkippedByScheduleWindow",
    },
    {
      name: "its configuration paused",
      input: world({ configuration: { ...configuration, spec: { ...configuration.spec, paused: true } } }),
      reason: "ConfigurationPaused",
    },
    {
      name: "an older one of the repository still running (Forbid)",
      input: world({
        history: [
          session({
            meta: { name: "repo-daily-1764557400", uid: "older", creationTimestamp: "2026-12-01T02:50:00Z" },
            status: { phase: "Running" },
          }),
        ],
      }),
      reason: "ConcurrentVerificationRunning",
    },
  ])("not started: $name", ({ input, reason }) => {
    const d = decideVerification(input, NOW);
    expect(d.status.phase).toBe("Skipped");
    expect(cond(d, "BackupVerificationSkipped")).toMatchObject({ status: "True", reason });
    expect(types(d)).not.toContain("set-snapshot");
    expect(types(d)).not.toContain("create-restore-session");
  });

  it("a claim the backed-up StatefulSet's pods mount is the source: never restored into", () => {
    const sts = {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "db", namespace: NS },
      spec: { replicas: 2, volumeClaimTemplates: [{ metadata: { name: "data" } }], template: {} },
    } as unknown as NonNullable<VerificationReconcileInput["sourceWorkload"]>;
    const d = decideVerification(
      world({
        configuration: {
          ...configuration,
          spec: {
            ...configuration.spec,
            target: { apiGroup: "apps", kind: "StatefulSet", name: "db", namespace: NS },
          },
        },
        sourceWorkload: sts,
        verifier: verifier({
          restoreOption: {
            addonInfo: { name: "pvc-addon", tasks: [{ name: "logical-backup-restore" }] },
            target: { kind: "PersistentVolumeClaim", name: "data-db-1", namespace: NS },
          },
        }),
      }),
      NOW,
    );
    expect(d.status.phase).toBe("Failed");
    expect(cond(d, "RestoreSucceeded")?.message).toContain("never restores into the source");
    expect(types(d)).not.toContain("create-restore-session");
  });

  it("a scratch claim whose session is gone is deleted, then made anew", () => {
    const scratch = verifier({}, { "serverless.kubestash.com/scratch-target": "Delete" });
    const d = decideVerification(
      world({
        verifier: scratch,
        verification: running(),
        targetClaim: claim("data-verify", "verify", "demo/long-gone"),
        scratchOwnerGone: true,
      }),
      NOW,
    );
    expect(action(d, "delete-claim")).toMatchObject({ namespace: "verify", name: "data-verify" });
    expect(d.status.phase).toBe("Running");
  });

  it("records where it restores with its Snapshot, for cleanup after the verifier changed", () => {
    const d = decideVerification(world(), NOW);
    expect(action(d, "set-snapshot")).toEqual({
      type: "set-snapshot",
      snapshot: NEWEST_GOOD.metadata.name,
      restoreTarget: "PersistentVolumeClaim/verify/data-verify",
    });
  });
});

describe("KubeStash's phase rules", () => {
  it.each([
    { conditions: [], phase: "Running" },
    { conditions: [condition("BackupVerificationSkipped", "True")], phase: "Skipped" },
    { conditions: [condition("RestoreSucceeded", "False")], phase: "Running" },
    {
      conditions: [
        condition("RestoreSucceeded", "False"),
        condition("VerificationSessionHistoryCleaned", "True"),
      ],
      phase: "Failed",
    },
    {
      conditions: [
        condition("BackupVerified", "True"),
        condition("VerificationSessionHistoryCleaned", "True"),
      ],
      phase: "Succeeded",
    },
    { conditions: [condition("VerificationSessionHistoryCleaned", "False")], phase: "Failed" },
  ])("verification: $phase", ({ conditions, phase }) => {
    expect(verificationPhase(conditions)).toBe(phase);
  });

  it.each([
    { status: {}, phase: "Pending" },
    { status: { totalComponents: 2, components: { a: { phase: "Succeeded" } } }, phase: "Running" },
    { status: { totalComponents: 1, components: { a: { phase: "Succeeded" } } }, phase: "Running" },
    {
      status: {
        totalComponents: 1,
        components: { a: { phase: "Succeeded" } },
        conditions: [condition("MetricsPushed", "True")],
      },
      phase: "Succeeded",
    },
    {
      status: {
        totalComponents: 1,
        components: { a: { phase: "Failed" } },
        conditions: [condition("MetricsPushed", "True")],
      },
      phase: "Failed",
    },
    {
      status: { conditions: [condition("MetricsPushed", "True"), condition("RestoreIncomplete", "True")] },
      phase: "Failed",
    },
  ])("restore: $phase", ({ status, phase }) => {
    expect(restoreSessionPhase(status as RestoreSession["status"])).toBe(phase);
  });
});
