import { describe, expect, it } from "vitest";
import {
  CLEANUP_MAX_ATTEMPTS,
  type CleanupAction,
  cleanupRetryDelayMs,
  decideSnapshotCleanup,
  type SnapshotCleanupInput,
} from "../../../shared/decide/retention/snapshot-cleanup.ts";
import { CLEANER_IMAGE, cleanerJobName } from "../../../shared/decide/retention/snapshot-cleanup-job.ts";
import type { BackupStorage, Job, Repository, Snapshot } from "../../../shared/model/index.ts";
import { toKubeTime } from "../../../shared/model/index.ts";

/**
 * The cleanup of a deleted Snapshot's data (docs/retention-cleanup.md), decided from the objects and a fixed
 * clock: what deletionPolicy keeps, the cleaner Job per provider, waiting, success, failure, back-off, the
 * attempt limit, and what blocks a cleaner.
 */

const NOW = new Date("2026-11-26T12:00:00Z");
const minutes = (m: number) => new Date(NOW.getTime() + m * 60_000);
const T = toKubeTime(minutes(-10));
const NS = "demo";
const NAME = "repo-a-app-hourly-1764158400";
const ID1 = "a".repeat(64);
const ID2 = "b1b2b3b4";
const ID3 = "c".repeat(64);

function snapshot(
  change: {
    spec?: Partial<Snapshot["spec"]>;
    meta?: Partial<Snapshot["metadata"]>;
    components?: object;
  } = {},
): Snapshot {
  return {
    apiVersion: "storage.kubestash.com/v1alpha1",
    kind: "Snapshot",
    metadata: {
      name: NAME,
      namespace: NS,
      uid: "uid-snap",
      resourceVersion: "7",
      deletionTimestamp: T,
      finalizers: ["kubestash.com/cleanup"],
      ...change.meta,
    },
    spec: {
      repository: "repo-a",
      session: "hourly",
      version: "v1",
      deletionPolicy: "WipeOut",
      ...change.spec,
    },
    status: {
      phase: "Succeeded",
      components: (change.components ?? {
        manifest: {
          path: "repository/v1/hourly/manifest",
          phase: "Succeeded",
          driver: "Restic",
          resticStats: [{ summary: { id: ID3 } }],
        },
        dump: {
          path: "repository/v1/hourly/dump",
          phase: "Succeeded",
          driver: "Restic",
          resticStats: [{ summary: { id: ID1 } }, { summary: { id: ID2 } }],
        },
      }) as NonNullable<Snapshot["status"]>["components"],
    },
  };
}

const repository = (
  spec: Partial<Repository["spec"]> = {},
  meta: Partial<Repository["metadata"]> = {},
): Repository => ({
  apiVersion: "storage.kubestash.com/v1alpha1",
  kind: "Repository",
  metadata: { name: "repo-a", namespace: NS, ...meta },
  spec: {
    storageRef: { name: "storage", namespace: NS },
    path: "/repo-a",
    encryptionSecret: { name: "encrypt-secret", namespace: NS },
    deletionPolicy: "Delete",
    ...spec,
  },
});

const storage = (
  storageSpec: object,
  extra: Partial<BackupStorage["spec"]> = {},
  namespace = NS,
): BackupStorage => ({
  apiVersion: "storage.kubestash.com/v1alpha1",
  kind: "BackupStorage",
  metadata: { name: "storage", namespace },
  spec: { storage: storageSpec as BackupStorage["spec"]["storage"], deletionPolicy: "Delete", ...extra },
});
const LOCAL = storage({
  provider: "local",
  local: { mountPath: "/safe/data", hostPath: { path: "/var/backups" } },
});

const job = (attempt: number, outcome: "Running" | "Succeeded" | "Failed", at = T): Job => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: {
    name: cleanerJobName(NAME, attempt),
    namespace: NS,
    uid: `uid-job-${attempt}`,
    labels: { "serverless.kubestash.com/snapshot-uid": "uid-snap" },
  },
  spec: { template: {} },
  status: {
    startTime: T,
    ...(outcome === "Running" ? { active: 1 } : {}),
    ...(outcome === "Succeeded"
      ? {
          succeeded: 1,
          conditions: [
            { type: "SuccessCriteriaMet", status: "True" as const },
            { type: "Complete", status: "True" as const, lastTransitionTime: at },
          ],
        }
      : {}),
    ...(outcome === "Failed"
      ? {
          failed: 1,
          conditions: [
            { type: "FailureTarget", status: "True" as const },
            {
              type: "Failed",
              status: "True" as const,
              reason: "BackoffLimitExceeded",
              message: "Job has reached the specified backoff limit",
              lastTransitionTime: at,
            },
          ],
        }
      : {}),
  },
});

const failedBefore = (failures: number, lastFailure: Date) => ({
  meta: {
    annotations: {
      "serverless.kubestash.com/cleanup-failures": String(failures),
      "serverless.kubestash.com/cleanup-last-failure": toKubeTime(lastFailure),
    },
  },
});

const input = (over: Partial<SnapshotCleanupInput> = {}): SnapshotCleanupInput => ({
  snapshot: snapshot(),
  repository: repository(),
  storage: LOCAL,
  jobs: [],
  ...over,
});
const types = (actions: CleanupAction[]) => actions.map((a) => a.type);
const created = (actions: CleanupAction[]) =>
  actions.flatMap((a) => (a.type === "create-job" ? [a.job] : []));
const podOf = (j: Job | undefined) =>
  (j?.spec.template as { spec?: Record<string, unknown> } | undefined)?.spec ?? {};

describe("decideSnapshotCleanup: what deletionPolicy keeps", () => {
  it.each<[string, Partial<SnapshotCleanupInput>, string, string | undefined]>([
    [
      "a Snapshot not being deleted is not ours to clean",
      { snapshot: snapshot({ meta: { deletionTimestamp: undefined } }) },
      "ignored",
      undefined,
    ],
    [
      "a Snapshot without kubestash.com/cleanup is left to others",
      { snapshot: snapshot({ meta: { finalizers: ["other"] } }) },
      "ignored",
      undefined,
    ],
    [
      "deletionPolicy Delete keeps the data: released without a Job",
      { snapshot: snapshot({ spec: { deletionPolicy: "Delete" } }) },
      "released",
      "data-kept",
    ],
    [
      "WipeOut without restic snapshots (a VolumeSnapshot backup): nothing to remove",
      {
        snapshot: snapshot({
          components: { volumesnapshot: { driver: "VolumeSnapshotter", phase: "Succeeded" } },
        }),
      },
      "released",
      "nothing-to-remove",
    ],
    [
      "the Repository is gone: its deletionPolicy decided",
      { repository: undefined },
      "released",
      "repository-gone",
    ],
    [
      "the Repository is being deleted: its deletionPolicy decides",
      { repository: repository({}, { deletionTimestamp: T }) },
      "released",
      "repository-gone",
    ],
  ])("%s", (_scenario, over, state, release) => {
    const decision = decideSnapshotCleanup(input(over), NOW);
    expect(decision.state).toBe(state);
    expect(decision.release).toBe(release);
    expect(created(decision.actions)).toEqual([]);
    if (state === "released") {
      expect(types(decision.actions)).toEqual(["remove-finalizer", "record-event"]);
    } else {
      expect(decision.actions).toEqual([]);
    }
  });

  it("a paused Snapshot is not processed: the finalizer stays, one Event says why", () => {
    const decision = decideSnapshotCleanup(input({ snapshot: snapshot({ spec: { paused: true } }) }), NOW);
    expect(decision.state).toBe("paused");
    expect(types(decision.actions)).toEqual(["record-event"]);
  });
});

describe("decideSnapshotCleanup: the cleaner Job", () => {
  it("WipeOut with restic snapshots starts attempt 1: forget then prune per component, the last step the container", () => {
    // Act
    const decision = decideSnapshotCleanup(input(), NOW);
    // Assess
    expect(decision).toMatchObject({ state: "started", attempt: 1, job: `cleanup-${NAME}-1` });
    expect(decision.status).toBeUndefined();
    const [j] = created(decision.actions);
    expect(j?.metadata).toEqual({
      name: `cleanup-${NAME}-1`,
      namespace: NS,
      labels: {
        "app.kubernetes.io/managed-by": "kubestash.com",
        "app.kubernetes.io/component": "kubestash-cleaner",
        "kubestash.com/invoker-kind": "Snapshot",
        "kubestash.com/invoker-name": NAME,
        "kubestash.com/invoker-namespace": NS,
        "serverless.kubestash.com/snapshot-uid": "uid-snap",
        "serverless.kubestash.com/cleanup-attempt": "1",
      },
    });
    expect(j?.spec).toMatchObject({
      backoffLimit: 0,
      activeDeadlineSeconds: 14_400,
      ttlSecondsAfterFinished: 86_400,
    });
    const pod = podOf(j);
    expect(pod).toMatchObject({
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      securityContext: {
        runAsUser: 65534,
        runAsGroup: 65534,
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
      },
      volumes: [
        { name: "kubestash-tmp-volume", emptyDir: {} },
        { name: "kubestash-backend", hostPath: { path: "/var/backups" } },
      ],
    });
    const steps = [
      ...(pod.initContainers as Array<Record<string, unknown>>),
      ...(pod.containers as Array<Record<string, unknown>>),
    ];
    expect(steps.map((c) => [c.name, c.image, c.args])).toEqual([
      ["forget-dump", CLEANER_IMAGE, ["forget", ID1, ID2]],
      ["prune-dump", CLEANER_IMAGE, ["prune"]],
      ["forget-manifest", CLEANER_IMAGE, ["forget", ID3]],
      ["prune-manifest", CLEANER_IMAGE, ["prune"]],
    ]);
    expect((pod.containers as unknown[]).length).toBe(1);
    expect(steps[0]?.env).toEqual([
      {
        name: "RESTIC_PASSWORD",
        valueFrom: { secretKeyRef: { name: "encrypt-secret", key: "RESTIC_PASSWORD" } },
      },
      { name: "RESTIC_CACHE_DIR", value: "/kubestash-tmp/restic-cache" },
      { name: "TMPDIR", value: "/kubestash-tmp" },
      { name: "RESTIC_REPOSITORY", value: "/safe/data/repo-a/repository/v1/hourly/dump" },
    ]);
    expect(steps[2]?.env).toContainEqual({
      name: "RESTIC_REPOSITORY",
      value: "/safe/data/repo-a/repository/v1/hourly/manifest",
    });
    expect(steps[0]).toMatchObject({
      volumeMounts: [
        { name: "kubestash-tmp-volume", mountPath: "/kubestash-tmp" },
        { name: "kubestash-backend", mountPath: "/safe/data" },
      ],
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
      },
    });
    expect(decision.actions.at(-1)).toMatchObject({
      type: "record-event",
      eventType: "Normal",
      reason: "SnapshotCleanupStarted",
    });
  });

  it.each<[string, object, string, object[]]>([
    [
      "s3: endpoint, bucket, prefix; keys from the storage Secret by reference",
      {
        provider: "s3",
        s3: {
          endpoint: "https://minio.example:9000/",
          bucket: "b",
          prefix: "/backups/",
          region: "eu-west-1",
          secretName: "s3-creds",
        },
      },
      "s3:https://minio.example:9000/b/backups/repo-a/repository/v1/hourly/dump",
      [
        { name: "AWS_DEFAULT_REGION", value: "eu-west-1" },
        {
          name: "AWS_ACCESS_KEY_ID",
          valueFrom: { secretKeyRef: { name: "s3-creds", key: "AWS_ACCESS_KEY_ID" } },
        },
        {
          name: "AWS_SECRET_ACCESS_KEY",
          valueFrom: { secretKeyRef: { name: "s3-creds", key: "AWS_SECRET_ACCESS_KEY" } },
        },
        {
          name: "AWS_SESSION_TOKEN",
          valueFrom: { secretKeyRef: { name: "s3-creds", key: "AWS_SESSION_TOKEN", optional: true } },
        },
      ],
    ],
    [
      "s3 without a Secret (an IAM role) and without an endpoint",
      { provider: "s3", s3: { bucket: "b" } },
      "s3:s3.amazonaws.com/b/repo-a/repository/v1/hourly/dump",
      [],
    ],
    [
      "gcs: the service account key as a Secret volume",
      { provider: "gcs", gcs: { bucket: "g", prefix: "p", secretName: "gcs-creds" } },
      "gs:g:/p/repo-a/repository/v1/hourly/dump",
      [
        {
          name: "GOOGLE_APPLICATION_CREDENTIALS",
          value: "/kubestash-credentials/GOOGLE_SERVICE_ACCOUNT_JSON_KEY",
        },
        {
          name: "GOOGLE_PROJECT_ID",
          valueFrom: { secretKeyRef: { name: "gcs-creds", key: "GOOGLE_PROJECT_ID", optional: true } },
        },
      ],
    ],
    [
      "azure: the account by value, its key by reference",
      { provider: "azure", azure: { storageAccount: "acct", container: "c", prefix: "x", secretName: "az" } },
      "azure:c:/x/repo-a/repository/v1/hourly/dump",
      [
        { name: "AZURE_ACCOUNT_NAME", value: "acct" },
        { name: "AZURE_ACCOUNT_KEY", valueFrom: { secretKeyRef: { name: "az", key: "AZURE_ACCOUNT_KEY" } } },
      ],
    ],
  ])("%s", (_scenario, storageSpec, location, providerEnv) => {
    const decision = decideSnapshotCleanup(input({ storage: storage(storageSpec) }), NOW);
    const pod = podOf(created(decision.actions)[0]);
    const first = (pod.initContainers as Array<{ env: object[] }>)[0];
    expect(first?.env.slice(3, -1)).toEqual(providerEnv);
    expect(first?.env.at(-1)).toEqual({ name: "RESTIC_REPOSITORY", value: location });
    if ((storageSpec as { provider: string }).provider === "gcs") {
      expect(pod.volumes).toContainEqual({
        name: "kubestash-credentials",
        secret: {
          secretName: "gcs-creds",
          items: [{ key: "GOOGLE_SERVICE_ACCOUNT_JSON_KEY", path: "GOOGLE_SERVICE_ACCOUNT_JSON_KEY" }],
        },
      });
    }
  });

  it("honours the BackupStorage's runtimeSettings (user, node, resources) and a local subPath", () => {
    const tuned = storage(
      {
        provider: "local",
        local: { mountPath: "/safe/data", subPath: "kss", persistentVolumeClaim: { claimName: "nfs" } },
      },
      {
        runtimeSettings: {
          pod: { securityContext: { runAsUser: 1000, fsGroup: 1000 }, nodeSelector: { disk: "backup" } },
          container: {
            resources: { limits: { memory: "512Mi" } },
            env: [{ name: "HTTPS_PROXY", value: "http://proxy:3128" }],
          },
        },
      },
    );
    const pod = podOf(created(decideSnapshotCleanup(input({ storage: tuned }), NOW).actions)[0]);
    expect(pod.securityContext).toEqual({
      runAsUser: 1000,
      fsGroup: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.nodeSelector).toEqual({ disk: "backup" });
    expect(pod.volumes).toContainEqual({
      name: "kubestash-backend",
      persistentVolumeClaim: { claimName: "nfs" },
    });
    const container = (pod.containers as Array<Record<string, unknown>>)[0];
    expect(container?.resources).toEqual({ limits: { memory: "512Mi" } });
    expect(container?.volumeMounts).toContainEqual({
      name: "kubestash-backend",
      mountPath: "/safe/data",
      subPath: "kss",
    });
    expect((container?.env as object[] | undefined)?.[0]).toEqual({
      name: "HTTPS_PROXY",
      value: "http://proxy:3128",
    });
  });

  it("reads the restic ids of KubeStash's older builds too (flat resticStats items)", () => {
    const old = snapshot({
      components: {
        manifest: {
          path: "repository/v1/hourly/manifest",
          resticStats: [{ id: ID2, hostPath: "/kubestash-tmp/manifest" }],
        },
      },
    });
    const pod = podOf(created(decideSnapshotCleanup(input({ snapshot: old }), NOW).actions)[0]);
    expect((pod.initContainers as Array<{ args: string[] }>)[0]?.args).toEqual(["forget", ID2]);
  });

  it("derives a missing component path as KubeStash lays it out", () => {
    const noPath = snapshot({ components: { dump: { resticStats: [{ summary: { id: ID2 } }] } } });
    const pod = podOf(created(decideSnapshotCleanup(input({ snapshot: noPath }), NOW).actions)[0]);
    expect((pod.initContainers as Array<{ env: object[] }>)[0]?.env.at(-1)).toEqual({
      name: "RESTIC_REPOSITORY",
      value: "/safe/data/repo-a/repository/v1/hourly/dump",
    });
  });

  it("keeps a long Snapshot name's Job name within 63 characters, deterministically", () => {
    const long = `${"x".repeat(60)}-1764158400`;
    expect(cleanerJobName(long, 3)).toHaveLength(63);
    expect(cleanerJobName(long, 3)).toBe(cleanerJobName(long, 3));
    expect(cleanerJobName(long, 3)).toMatch(/-3$/);
  });
});

describe("decideSnapshotCleanup: waiting, success, failure and retries", () => {
  it("waits while the attempt runs", () => {
    const decision = decideSnapshotCleanup(input({ jobs: [job(1, "Running")] }), NOW);
    expect(decision).toMatchObject({ state: "running", attempt: 1, actions: [] });
  });

  it("releases the finalizer only after the cleaner succeeded, then deletes the finished Jobs", () => {
    const decision = decideSnapshotCleanup(input({ jobs: [job(1, "Succeeded")] }), NOW);
    expect(decision).toMatchObject({ state: "released", release: "data-removed" });
    expect(decision.actions).toEqual([
      { type: "remove-finalizer", finalizer: "kubestash.com/cleanup" },
      { type: "delete-job", name: `cleanup-${NAME}-1`, uid: "uid-job-1" },
      expect.objectContaining({ type: "record-event", eventType: "Normal", reason: "SnapshotDataRemoved" }),
    ]);
  });

  it("records a failed attempt on the Snapshot: annotations, condition, Warning Event; the finalizer stays", () => {
    const decision = decideSnapshotCleanup(input({ jobs: [job(1, "Failed", toKubeTime(minutes(-1)))] }), NOW);
    expect(decision.state).toBe("failed");
    expect(types(decision.actions)).toEqual(["record-failure", "record-event"]);
    expect(decision.actions[0]).toEqual({
      type: "record-failure",
      annotations: {
        "serverless.kubestash.com/cleanup-failures": "1",
        "serverless.kubestash.com/cleanup-last-failure": toKubeTime(minutes(-1)),
      },
    });
    const condition = decision.status?.conditions?.find((c) => c.type === "SnapshotCleanupIncomplete");
    expect(condition).toMatchObject({
      status: "True",
      reason: "SnapshotCleanupTerminatedBeforeCompletion",
      lastTransitionTime: toKubeTime(NOW),
      message: `cleaner Job cleanup-${NAME}-1 (attempt 1 of ${CLEANUP_MAX_ATTEMPTS}) failed: BackoffLimitExceeded: Job has reached the specified backoff limit; see kubectl logs -n ${NS} job/cleanup-${NAME}-1 --all-containers; next attempt at ${toKubeTime(minutes(4))}`,
    });
  });

  it("backs off without writing anything: the failure's condition is already there", () => {
    const failed = decideSnapshotCleanup(input({ jobs: [job(1, "Failed", toKubeTime(minutes(-1)))] }), NOW);
    const recorded = snapshot({ ...failedBefore(1, minutes(-1)) });
    const next: Snapshot = { ...recorded, status: failed.status };
    const decision = decideSnapshotCleanup(
      input({ snapshot: next, jobs: [job(1, "Failed", toKubeTime(minutes(-1)))] }),
      minutes(3),
    );
    expect(decision).toMatchObject({ state: "backing-off", actions: [] });
    expect(decision.status).toBeUndefined();
  });

  it("starts the next attempt once the back-off passed, deleting the failed one", () => {
    const decision = decideSnapshotCleanup(
      input({
        snapshot: snapshot(failedBefore(1, minutes(-1))),
        jobs: [job(1, "Failed", toKubeTime(minutes(-1)))],
      }),
      minutes(4),
    );
    expect(decision).toMatchObject({ state: "started", attempt: 2, job: `cleanup-${NAME}-2` });
    expect(types(decision.actions)).toEqual(["create-job", "delete-job", "record-event"]);
    expect(created(decision.actions)[0]?.metadata.labels?.["serverless.kubestash.com/cleanup-attempt"]).toBe(
      "2",
    );
    expect(decision.status?.conditions?.[0]).toMatchObject({
      status: "True",
      message: `1 attempt(s) failed; attempt 2 of ${CLEANUP_MAX_ATTEMPTS} (Job cleanup-${NAME}-2) is running`,
    });
  });

  it("stops after the last attempt: keeps reporting, starts nothing", () => {
    const last = decideSnapshotCleanup(
      input({ snapshot: snapshot(failedBefore(7, minutes(-300))), jobs: [job(8, "Failed")] }),
      NOW,
    );
    expect(last.status?.conditions?.[0]).toMatchObject({ reason: "CleanupAttemptsExhausted" });
    const after = decideSnapshotCleanup(
      input({
        snapshot: { ...snapshot(failedBefore(8, minutes(-10))), status: last.status },
        jobs: [job(8, "Failed")],
      }),
      minutes(24 * 60),
    );
    expect(after.state).toBe("exhausted");
    expect(types(after.actions)).toEqual(["record-event"]);
    expect(after.status).toBeUndefined();
  });

  it.each<[number, number]>([
    [1, 5],
    [2, 10],
    [3, 20],
    [6, 160],
    [7, 240],
    [12, 240],
  ])("the next attempt after %i failure(s) waits %i minutes", (failures, waited) => {
    expect(cleanupRetryDelayMs(failures)).toBe(waited * 60_000);
  });
});

describe("decideSnapshotCleanup: what blocks a cleaner (reported, retried on every tick)", () => {
  it.each<[string, Partial<SnapshotCleanupInput>, string]>([
    [
      "the BackupStorage is not found",
      { storage: undefined },
      `BackupStorage ${NS}/storage of Repository repo-a not found`,
    ],
    [
      "the Repository has no encryption Secret",
      { repository: repository({ encryptionSecret: undefined }) },
      "has no encryptionSecret",
    ],
    [
      "the encryption Secret is in another namespace",
      { repository: repository({ encryptionSecret: { name: "enc", namespace: "vault" } }) },
      "cannot use: copy it into demo",
    ],
    [
      "the storage Secret is in another namespace",
      { storage: storage({ provider: "s3", s3: { bucket: "b", secretName: "s3" } }, {}, "storage-ns") },
      "Secret storage-ns/s3",
    ],
    [
      "a restic id that is not one",
      {
        snapshot: snapshot({
          components: { dump: { path: "p", resticStats: [{ summary: { id: "--keep-last" } }] } },
        }),
      },
      "is not a restic snapshot id",
    ],
    [
      "a component path that leaves the Repository",
      {
        snapshot: snapshot({
          components: { dump: { path: "../other", resticStats: [{ summary: { id: ID2 } }] } },
        }),
      },
      "leaves the Repository",
    ],
    [
      "a local provider without a volume",
      { storage: storage({ provider: "local", local: { mountPath: "/x" } }) },
      "needs a volume source",
    ],
  ])("%s", (_scenario, over, fragment) => {
    const decision = decideSnapshotCleanup(input(over), NOW);
    expect(decision.state).toBe("blocked");
    expect(decision.message).toContain(fragment);
    expect(types(decision.actions)).toEqual(["record-event"]);
    expect(decision.status?.conditions?.[0]).toMatchObject({
      type: "SnapshotCleanupIncomplete",
      status: "True",
      reason: "CleanerNotCreatable",
    });
  });
});

describe("decideSnapshotCleanup: a Snapshot labelled completed (docs/costs.md#snapshots-being-deleted)", () => {
  const completed = { labels: { "serverless.kubestash.com/completed": "true" } };
  it.each<[string, Partial<SnapshotCleanupInput>, string, string[]]>([
    [
      "a cleaner to start: the label goes first, so every minute's step lists it",
      { snapshot: snapshot({ meta: completed }) },
      "started",
      ["clear-completed-label", "create-job"],
    ],
    [
      "a cleaner running: the label goes, nothing else",
      { snapshot: snapshot({ meta: completed }), jobs: [job(1, "Running")] },
      "running",
      ["clear-completed-label"],
    ],
    [
      "released at once (Delete keeps the data): the label stays, the object is gone in a moment",
      { snapshot: snapshot({ meta: completed, spec: { deletionPolicy: "Delete" } }) },
      "released",
      ["remove-finalizer", "record-event"],
    ],
    [
      "not being deleted: nothing, the label stays",
      { snapshot: snapshot({ meta: { ...completed, deletionTimestamp: undefined } }) },
      "ignored",
      [],
    ],
    ["no label: no label action", { jobs: [job(1, "Running")] }, "running", []],
  ])("%s", (_scenario, over, state, actionTypes) => {
    const decision = decideSnapshotCleanup(input(over), NOW);
    expect(decision.state).toBe(state);
    expect(types(decision.actions).filter((t) => t !== "record-event" || state === "released")).toEqual(
      actionTypes,
    );
  });
});
