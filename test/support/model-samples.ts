import type { z } from "zod";
import type {
  Addon,
  BackupConfiguration,
  BackupSession,
  BackupStorage,
  BackupVerificationSession,
  BackupVerifier,
  HookTemplate,
  KubeStashFunction,
  Repository,
  RestoreSession,
  RetentionPolicy,
  Snapshot,
} from "../../shared/model/index.ts";

/**
 * One object per kind with every field the model declares set (spec and status), built through the
 * model's own types: if a model field is renamed, these stop compiling; if a model field is not in the
 * CRD, the conformance test that validates them against the CRD fails.
 */

const T = "2026-11-24T10:00:00Z";
const cond = (type: string, status: "True" | "False" = "True") => ({
  type,
  status,
  reason: `${type}Reason`,
  message: `${type} message`,
  lastTransitionTime: T,
  observedGeneration: 2,
  severity: "Info",
});
const meta = (name: string, namespace?: string) => ({
  name,
  ...(namespace ? { namespace } : {}),
  labels: { app: "demo" },
  annotations: { note: "sample" },
});

export const backupSession: z.input<typeof BackupSession> = {
  apiVersion: "core.kubestash.com/v1alpha1",
  kind: "BackupSession",
  metadata: meta("sample-backup-daily-1764064800", "demo"),
  spec: {
    invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: "sample-backup" },
    session: "daily",
    retryLeft: 2,
    backupTimeout: "30m",
  },
  status: {
    phase: "Failed",
    duration: "1m2.5s",
    backupDeadline: T,
    totalSnapshots: 1,
    snapshots: [
      {
        name: "s3-repo-sample-backup-daily-1764064800",
        phase: "Failed",
        appRef: { apiGroup: "apps", kind: "StatefulSet", name: "db", namespace: "demo" },
        repository: "s3-repo",
      },
    ],
    hooks: {
      preHooks: [{ name: "freeze", phase: "Succeeded" }],
      postHooks: [{ name: "unfreeze", phase: "Pending" }],
    },
    retentionPolicy: [
      {
        ref: { name: "keep-5", namespace: "demo" },
        repository: "s3-repo",
        phase: "FailedToApply",
        error: "denied",
      },
    ],
    retried: false,
    nextRetry: T,
    conditions: [cond("SnapshotsEnsured"), cond("MetricsPushed", "False")],
  },
};

export const snapshot: z.input<typeof Snapshot> = {
  apiVersion: "storage.kubestash.com/v1alpha1",
  kind: "Snapshot",
  metadata: meta("s3-repo-sample-backup-daily-1764064800", "demo"),
  spec: {
    snapshotID: "01JDQ5X7Z8K9M0N1P2Q3R4S5T6",
    type: "FullBackup",
    repository: "s3-repo",
    session: "daily",
    backupSession: "sample-backup-daily-1764064800",
    version: "v1",
    appRef: { apiGroup: "apps", kind: "StatefulSet", name: "db", namespace: "demo" },
    deletionPolicy: "WipeOut",
    paused: false,
  },
  status: {
    phase: "Succeeded",
    verificationStatus: "Verified",
    verificationSession: "verify-1",
    snapshotTime: T,
    lastUpdateTime: T,
    size: "1.5 GiB",
    integrity: true,
    totalComponents: 1,
    components: {
      dump: {
        path: "repository/v1/daily/dump",
        phase: "Succeeded",
        size: "1.5 GiB",
        duration: "32s",
        integrity: true,
        error: "",
        driver: "Restic",
        resticStats: [
          {
            progress: { percentDone: "100" },
            summary: {
              id: "abc",
              hostPath: "/data",
              size: "1.5 GiB",
              uploaded: "1 GiB",
              startTime: T,
              endTime: T,
            },
          },
        ],
        walGStats: { id: "w1" },
        volumeSnapshotterStats: [{ pvcName: "data" }],
        solrStats: [{ backupName: "s" }],
        medusaStats: { backupName: "m" },
        clickHouseStats: [{ host: "h" }],
        neo4jStats: [{ database: "neo4j" }],
        logStats: { lsn: "0/1" },
      },
    },
    conditions: [cond("SnapshotMetadataUploaded")],
  },
};

const hook = {
  name: "freeze",
  hookTemplate: { name: "freeze-db", namespace: "demo" },
  params: { mode: "fast" },
  maxRetry: 1,
  timeout: "30s",
  executionPolicy: "Always" as const,
  variables: [{ name: "A", value: "b" }],
  volumes: [{ name: "v", emptyDir: {} }],
  volumeMounts: [{ name: "v", mountPath: "/v" }],
  runtimeSettings: { container: {} },
};

export const backupConfiguration: z.input<typeof BackupConfiguration> = {
  apiVersion: "core.kubestash.com/v1alpha1",
  kind: "BackupConfiguration",
  metadata: meta("sample-backup", "demo"),
  spec: {
    target: { apiGroup: "apps", kind: "StatefulSet", name: "db", namespace: "demo" },
    backends: [
      {
        name: "s3-backend",
        storageRef: { name: "s3", namespace: "demo" },
        retentionPolicy: { name: "keep-5" },
      },
    ],
    sessions: [
      {
        name: "daily",
        scheduler: {
          schedule: "CRON_TZ=Europe/Berlin 0 2 * * *",
          jobTemplate: { backoffLimit: 1, template: {} },
          startingDeadlineSeconds: 300,
          concurrencyPolicy: "Forbid",
          suspend: false,
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 1,
        },
        hooks: {
          preBackup: [hook],
          postBackup: [{ ...hook, name: "unfreeze", executionPolicy: "OnSuccess" }],
        },
        retryConfig: { maxRetry: 2, delay: "5m" },
        backupTimeout: "1h",
        sessionHistoryLimit: 3,
        addon: {
          name: "pvc-addon",
          tasks: [
            {
              name: "logical-backup",
              variables: [{ name: "X", value: "1" }],
              params: { paths: "/data" },
              targetVolumes: { volumes: [] },
              addonVolumes: [{ name: "kubestash-tmp-volume", source: { emptyDir: {} } }],
            },
          ],
          containerRuntimeSettings: { nice: { adjustment: 5 } },
          jobTemplate: { spec: {} },
        },
        repositories: [
          {
            name: "s3-repo",
            backend: "s3-backend",
            directory: "/demo/db",
            backupVerifier: { name: "verifier" },
            encryptionSecret: { name: "encrypt", namespace: "demo" },
            deletionPolicy: "Retain",
          },
        ],
      },
    ],
    paused: false,
  },
  status: {
    phase: "Ready",
    targetFound: true,
    backends: [
      {
        name: "s3-backend",
        ready: true,
        storage: { ref: { name: "s3", namespace: "demo" }, phase: "Ready", reason: "" },
        retentionPolicy: { ref: { name: "keep-5", namespace: "demo" }, found: true, reason: "" },
      },
    ],
    repositories: [{ name: "s3-repo", phase: "Ready", reason: "", verificationConfigured: false }],
    dependencies: [{ apiGroup: "apps", kind: "StatefulSet", name: "db", namespace: "demo", found: true }],
    sessions: [{ name: "daily", nextSchedule: T, conditions: [cond("SchedulerEnsured")] }],
    conditions: [cond("ValidationPassed")],
  },
};

export const repository: z.input<typeof Repository> = {
  apiVersion: "storage.kubestash.com/v1alpha1",
  kind: "Repository",
  metadata: meta("s3-repo", "demo"),
  spec: {
    appRef: { apiGroup: "apps", kind: "StatefulSet", name: "db", namespace: "demo" },
    storageRef: { name: "s3", namespace: "demo" },
    path: "/demo/db",
    deletionPolicy: "Delete",
    encryptionSecret: { name: "encrypt", namespace: "demo" },
    paused: false,
  },
  status: {
    phase: "Ready",
    lastBackupTime: T,
    integrity: true,
    snapshotCount: 4,
    size: "6 GiB",
    componentPaths: ["repository/v1/daily/dump"],
    recentSnapshots: [{ name: "s1", phase: "Succeeded", session: "daily", size: "1 GiB", snapshotTime: T }],
    conditions: [cond("RepositoryInitialized")],
  },
};

export const retentionPolicy: z.input<typeof RetentionPolicy> = {
  apiVersion: "storage.kubestash.com/v1alpha1",
  kind: "RetentionPolicy",
  metadata: meta("keep-5", "demo"),
  spec: {
    maxRetentionPeriod: "2mo",
    usagePolicy: {
      allowedNamespaces: {
        from: "Selector",
        selector: {
          matchLabels: { backup: "yes" },
          matchExpressions: [{ key: "tier", operator: "In", values: ["a"] }],
        },
      },
    },
    successfulSnapshots: { last: 5, hourly: 1, daily: 2, weekly: 3, monthly: 4, yearly: 5 },
    failedSnapshots: { last: 2 },
    default: true,
  },
};

export const backupStorage: z.input<typeof BackupStorage> = {
  apiVersion: "storage.kubestash.com/v1alpha1",
  kind: "BackupStorage",
  metadata: meta("s3", "demo"),
  spec: {
    storage: {
      provider: "s3",
      local: { mountPath: "/m", hostPath: { path: "/h" } },
      s3: { bucket: "b", region: "eu-west-1", secretName: "s3-secret" },
      gcs: { bucket: "g" },
      azure: { container: "c" },
    },
    usagePolicy: { allowedNamespaces: { from: "All" } },
    default: true,
    deletionPolicy: "WipeOut",
    runtimeSettings: { pod: {} },
  },
  status: {
    phase: "Ready",
    totalSize: "6 GiB",
    repositories: [{ name: "s3-repo", namespace: "demo", path: "/demo/db", size: "6 GiB", synced: true }],
    conditions: [cond("BackendInitialized")],
  },
};

export const addon: z.input<typeof Addon> = {
  apiVersion: "addons.kubestash.com/v1alpha1",
  kind: "Addon",
  metadata: meta("pvc-addon"),
  spec: {
    backupTasks: [
      {
        name: "logical-backup",
        function: "pvc-backup",
        driver: "Restic",
        executor: "Job",
        singleton: true,
        parameters: [
          { name: "paths", usage: "paths to back up", required: true, default: "/kubestash-data" },
        ],
        volumeTemplate: [{ name: "kubestash-tmp-volume", usage: "scratch", source: { emptyDir: {} } }],
        volumeMounts: [{ name: "kubestash-tmp-volume", mountPath: "/kubestash-tmp" }],
      },
    ],
    restoreTasks: [
      { name: "logical-backup-restore", function: "pvc-restore", driver: "Restic", executor: "Job" },
    ],
  },
};

export const kubeStashFunction: z.input<typeof KubeStashFunction> = {
  apiVersion: "addons.kubestash.com/v1alpha1",
  kind: "Function",
  metadata: meta("pvc-backup"),
  spec: {
    image: "ghcr.io/kubestash/pvc:v0.1.0",
    command: ["/pvc"],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: KubeStash's own placeholder syntax in Function args
    args: ["backup", "--paths=${paths:=/kubestash-data}"],
    workingDir: "/",
    ports: [{ containerPort: 8080 }],
    volumeMounts: [{ name: "v", mountPath: "/v" }],
    volumeDevices: [{ name: "d", devicePath: "/dev/x" }],
    runtimeSettings: { nice: { adjustment: 5 } },
    availableVersions: ["v0.1.0"],
  },
};

export const hookTemplate: z.input<typeof HookTemplate> = {
  apiVersion: "core.kubestash.com/v1alpha1",
  kind: "HookTemplate",
  metadata: meta("freeze-db", "demo"),
  spec: {
    usagePolicy: { allowedNamespaces: { from: "Same" } },
    params: [{ name: "mode", usage: "freeze mode", required: false, default: "fast" }],
    action: { exec: { command: ["/bin/sh", "-c", "sync"] } },
    executor: {
      type: "Function",
      function: { name: "hook-fn", env: [{ name: "A", value: "b" }], volumeMounts: [], volumes: [] },
      pod: {
        selector: "app=db",
        owner: { apiVersion: "apps/v1", kind: "StatefulSet", name: "db", uid: "u" },
        strategy: "ExecuteOnAll",
      },
    },
  },
};

export const backupVerifier: z.input<typeof BackupVerifier> = {
  apiVersion: "core.kubestash.com/v1alpha1",
  kind: "BackupVerifier",
  metadata: meta("verify-db", "demo"),
  spec: {
    restoreOption: {
      addonInfo: {
        name: "postgres-addon",
        tasks: [{ name: "logical-backup-restore", params: { args: "--clean" } }],
        containerRuntimeSettings: { resources: { limits: { memory: "1Gi" } } },
        jobTemplate: { spec: { serviceAccountName: "restorer" } },
      },
      target: { apiGroup: "kubedb.com", kind: "Postgres", name: "db-verify", namespace: "verify" },
    },
    scheduler: {
      schedule: "0 3 * * *",
      jobTemplate: { backoffLimit: 1 },
      startingDeadlineSeconds: 300,
      concurrencyPolicy: "Forbid",
      suspend: false,
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 1,
    },
    function: "postgres-verifier",
    volumes: [{ name: "scratch", emptyDir: {} }],
    volumeMounts: [{ name: "scratch", mountPath: "/scratch" }],
    type: "Query",
    query: { sql: "select count(*) from orders" },
    script: { location: "/scripts/check.sh", args: ["--strict"] },
    retryConfig: { maxRetry: 2, delay: "5m" },
    sessionHistoryLimit: 3,
    runtimeSettings: { pod: { serviceAccountName: "verifier" } },
  },
};

export const backupVerificationSession: z.input<typeof BackupVerificationSession> = {
  apiVersion: "core.kubestash.com/v1alpha1",
  kind: "BackupVerificationSession",
  metadata: meta("verify-db-1764558000", "demo"),
  spec: {
    invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: "app-backup" },
    repository: "s3-repo",
    session: "daily",
    snapshot: "s3-repo-app-backup-daily-1764554400",
    retryLeft: 1,
  },
  status: {
    phase: "Succeeded",
    duration: "2m10s",
    retried: false,
    conditions: [
      {
        type: "RestoreSucceeded",
        status: "True",
        reason: "RestoreSucceeded",
        message: "restored into verify/db-verify",
        lastTransitionTime: "2026-12-01T03:02:10Z",
        observedGeneration: 1,
        severity: "Info",
      },
    ],
  },
};

export const restoreSession: z.input<typeof RestoreSession> = {
  apiVersion: "core.kubestash.com/v1alpha1",
  kind: "RestoreSession",
  metadata: meta("restore-db", "demo"),
  spec: {
    target: { apiGroup: "kubedb.com", kind: "Postgres", name: "db-verify", namespace: "verify" },
    dataSource: {
      namespace: "demo",
      repository: "s3-repo",
      snapshot: "latest",
      pitr: { targetTime: T, exclusive: false },
      components: ["dump"],
      encryptionSecret: { name: "encrypt", namespace: "demo" },
    },
    addon: {
      name: "postgres-addon",
      tasks: [{ name: "logical-backup-restore", params: { args: "--clean" } }],
      containerRuntimeSettings: { resources: { limits: { memory: "1Gi" } } },
      jobTemplate: { spec: { serviceAccountName: "restorer" } },
    },
    hooks: {
      preRestore: [{ name: "pre", hookTemplate: { name: "freeze-db" }, maxRetry: 1, timeout: "5m" }],
      postRestore: [{ name: "post", hookTemplate: { name: "freeze-db" }, executionPolicy: "OnSuccess" }],
    },
    restoreTimeout: "30m",
    manifestOptions: { postgres: { db: true } },
  },
  status: {
    phase: "Succeeded",
    targetFound: true,
    totalComponents: 1,
    components: {
      dump: {
        phase: "Succeeded",
        duration: "1m2s",
        error: "",
        progress: {
          totalFiles: 3,
          filesDone: 3,
          total: "10 MiB",
          restoreDone: "10 MiB",
          percentDone: "100%",
          speed: "5 MiB/s",
          secondsElapsed: 2,
        },
      },
    },
    restoreDeadline: T,
    duration: "1m5s",
    hooks: {
      preHooks: [{ name: "pre", phase: "Succeeded" }],
      postHooks: [{ name: "post", phase: "Succeeded" }],
    },
    dependencies: [
      {
        apiGroup: "storage.kubestash.com",
        kind: "Repository",
        name: "s3-repo",
        namespace: "demo",
        found: true,
      },
    ],
    pausedBackups: [
      { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: "app-backup", namespace: "demo" },
    ],
    conditions: [cond("RestoreExecutorEnsured")],
  },
};

export const SAMPLES = {
  RestoreSession: restoreSession,
  BackupVerifier: backupVerifier,
  BackupVerificationSession: backupVerificationSession,
  BackupSession: backupSession,
  Snapshot: snapshot,
  BackupConfiguration: backupConfiguration,
  Repository: repository,
  RetentionPolicy: retentionPolicy,
  BackupStorage: backupStorage,
  Addon: addon,
  Function: kubeStashFunction,
  HookTemplate: hookTemplate,
} as const;
