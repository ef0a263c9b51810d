// biome-ignore-all lint/suspicious/noTemplateCurlyInString: KubeStash Function args carry ${name:=default} variables

import { absenceKey } from "../../shared/decide/session/absence.ts";
import {
  decideReconcile,
  type SessionDecision,
  type SessionReconcileInput,
} from "../../shared/decide/session/reconcile-session.ts";
import { metadataJobName } from "../../shared/decide/session/snapshot-metadata-job.ts";
import { applySnapshotStatusUpdate } from "../../shared/decide/session/snapshot-progress.ts";
import type {
  Addon,
  BackupConfiguration,
  BackupSession,
  BackupStorage,
  HookInfo,
  HookTemplate,
  Job,
  KubeStashFunction,
  Repository,
  SessionConfig,
  SnapshotPhase,
} from "../../shared/model/index.ts";
import {
  Annotation,
  backupSessionLabels,
  CLEANUP_FINALIZER,
  CORE_API_VERSION,
  toKubeTime,
} from "../../shared/model/index.ts";
import { clockFrom } from "./clock.ts";

/**
 * A small world for the session decision: a Ready configuration with one session, its Repository, Addon,
 * Function and HookTemplate, built through the model types; and a stand-in for the use case that applies a
 * decision's actions to the world, as the API server would see them, plus the executor's part (Snapshot
 * status) and the Job controller's part (Job conditions).
 */

export const NS = "demo";
export const T0 = new Date("2026-11-26T12:00:00Z");
export const { atSeconds } = clockFrom(T0);
/** The names of the world's session at T0 and of what it makes: its s3 and gcs Snapshots, its executor Job. */
export const SESSION = `app-backup-daily-${T0.getTime() / 1000}`;
export const S3_SNAPSHOT = `s3-repo-${SESSION}`;
export const GCS_SNAPSHOT = `gcs-repo-${SESSION}`;
export const EXECUTOR = `upload-${SESSION}`;

export function hook(name: string, over: Partial<HookInfo> = {}): HookInfo {
  return { name, hookTemplate: { name: "notify" }, maxRetry: 0, executionPolicy: "Always", ...over };
}

export function sessionConfig(over: Partial<SessionConfig> = {}): SessionConfig {
  return {
    name: "daily",
    scheduler: { schedule: "0 * * * *", jobTemplate: {} },
    sessionHistoryLimit: 1,
    addon: { name: "pvc-addon", tasks: [{ name: "logical-backup", params: { paths: "/data" } }] },
    repositories: [{ name: "s3-repo", backend: "s3" }],
    ...over,
  };
}

export function configuration(session: SessionConfig = sessionConfig(), paused = false): BackupConfiguration {
  const ready = (type: string) => ({ type, status: "True" as const, lastTransitionTime: toKubeTime(T0) });
  return {
    apiVersion: CORE_API_VERSION,
    kind: "BackupConfiguration",
    metadata: { name: "app-backup", namespace: NS, uid: "uid-config" },
    spec: {
      target: { kind: "PersistentVolumeClaim", name: "db-data", namespace: NS },
      backends: [{ name: "s3", storageRef: { name: "s3-storage" }, retentionPolicy: { name: "keep-5" } }],
      sessions: [session],
      paused,
    },
    status: {
      phase: "Ready",
      targetFound: true,
      backends: [{ name: "s3", ready: true, retentionPolicy: { ref: { name: "keep-5", namespace: NS } } }],
      sessions: [{ name: session.name, conditions: [ready("SchedulerEnsured")] }],
      conditions: [ready("ValidationPassed")],
    },
  };
}

export function repository(name = "s3-repo"): Repository {
  return {
    apiVersion: "storage.kubestash.com/v1alpha1",
    kind: "Repository",
    metadata: { name, namespace: NS, uid: `uid-${name}` },
    spec: { storageRef: { name: "s3-storage" }, deletionPolicy: "WipeOut" },
  };
}

export const storage: BackupStorage = {
  apiVersion: "storage.kubestash.com/v1alpha1",
  kind: "BackupStorage",
  metadata: { name: "s3-storage", namespace: NS, uid: "uid-s3-storage" },
  spec: {
    storage: { provider: "s3", s3: { bucket: "backups", prefix: "demo", secretName: "s3-secret" } },
    deletionPolicy: "Delete",
  },
};

export const addon: Addon = {
  apiVersion: "addons.kubestash.com/v1alpha1",
  kind: "Addon",
  metadata: { name: "pvc-addon" },
  spec: {
    backupTasks: [
      {
        name: "logical-backup",
        function: "pvc-backup",
        executor: "Job",
        parameters: [
          { name: "paths", required: true, default: "/kubestash-data" },
          { name: "enableCache", default: "true" },
          { name: "scratchDir", default: "/kubestash-tmp" },
        ],
        volumeTemplate: [{ name: "kubestash-tmp-volume", source: { emptyDir: {} } }],
        volumeMounts: [{ name: "kubestash-tmp-volume", mountPath: "/kubestash-tmp" }],
      },
    ],
  },
};

export const pvcBackup: KubeStashFunction = {
  apiVersion: "addons.kubestash.com/v1alpha1",
  kind: "Function",
  metadata: { name: "pvc-backup" },
  spec: {
    image: "ghcr.io/kubestash/pvc:v0.13.0",
    args: [
      "backup",
      "--namespace=${namespace:=default}",
      "--backupsession=${backupSession:=}",
      "--paths=${paths:=}",
    ],
  },
};

export const hookFunction: KubeStashFunction = {
  apiVersion: "addons.kubestash.com/v1alpha1",
  kind: "Function",
  metadata: { name: "notify-fn" },
  spec: { image: "curlimages/curl:8", args: ["${url:=http://hooks}", "--data=${backupSession:=}"] },
};

export const hookTemplate: HookTemplate = {
  apiVersion: CORE_API_VERSION,
  kind: "HookTemplate",
  metadata: { name: "notify", namespace: NS },
  spec: {
    params: [{ name: "url", default: "http://notify.demo" }],
    executor: { type: "Function", function: { name: "notify-fn" } },
  },
};

/** A BackupSession the scheduler created for `at` (name `<config>-<session>-<unix seconds>`). */
export function backupSession(when: Date = T0, over: Partial<BackupSession["spec"]> = {}): BackupSession {
  const name = `app-backup-daily-${Math.floor(when.getTime() / 1000)}`;
  return {
    apiVersion: CORE_API_VERSION,
    kind: "BackupSession",
    metadata: {
      name,
      namespace: NS,
      uid: `uid-${name}`,
      creationTimestamp: toKubeTime(when),
      labels: backupSessionLabels({ kind: "BackupConfiguration", name: "app-backup", sessionName: "daily" }),
      annotations: { [Annotation.ScheduledTime]: toKubeTime(when) },
      finalizers: [CLEANUP_FINALIZER],
    },
    spec: {
      invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: "app-backup" },
      session: "daily",
      retryLeft: 0,
      ...over,
    },
  };
}

export function world(over: Partial<SessionReconcileInput> = {}): SessionReconcileInput {
  const session = over.session ?? backupSession();
  const config = "configuration" in over ? over.configuration : configuration();
  return {
    session,
    configuration: config,
    repositories: [repository(), repository("gcs-repo")],
    storages: [storage],
    snapshots: [],
    jobs: [],
    addon,
    functions: [pvcBackup, hookFunction],
    hookTemplates: [hookTemplate],
    siblings: [],
    ...over,
  };
}

/** What the use case and the API server make of a decision: objects created, patched, deleted; the new status. */
export function apply(
  input: SessionReconcileInput,
  decision: SessionDecision,
  now: Date,
): SessionReconcileInput {
  let { snapshots, jobs, siblings } = input;
  let session: BackupSession = { ...input.session, status: decision.status };
  const created = { creationTimestamp: toKubeTime(now) };
  for (const action of decision.actions) {
    if (action.type === "create-snapshot") {
      const snapshot = action.snapshot;
      snapshots = [...snapshots, { ...snapshot, metadata: { ...snapshot.metadata, ...created } }];
    } else if (action.type === "create-job") {
      const job = action.job;
      jobs = [
        ...jobs,
        { ...job, metadata: { ...job.metadata, ...created, uid: `uid-${job.metadata.name}` } },
      ];
    } else if (action.type === "update-snapshot-status") {
      snapshots = snapshots.map((s) =>
        s.metadata.name === action.name
          ? { ...s, status: applySnapshotStatusUpdate(s, action.update, now) }
          : s,
      );
    } else if (action.type === "delete-session") {
      siblings = siblings.filter((s) => s.metadata.name !== action.name);
    } else if (action.type === "delete-job") {
      jobs = jobs.filter((j) => j.metadata.name !== action.name);
    } else if (action.type === "remove-finalizer") {
      const finalizers = (session.metadata.finalizers ?? []).filter((f) => f !== action.finalizer);
      session = { ...session, metadata: { ...session.metadata, finalizers } };
    }
  }
  return { ...input, session, snapshots, jobs, siblings };
}

/**
 * Decides as the use case does: absences the decision asks to confirm are read again — here the world is the
 * truth, so each is confirmed as it is — and the decision is made again (docs/consistency.md).
 */
export function decideConfirmed(input: SessionReconcileInput, now: Date): SessionDecision {
  let decision = decideReconcile(input, now);
  for (let round = 0; decision.confirm && round < 4; round++) {
    const confirmed = new Set([...(input.confirmed ?? []), ...decision.confirm.map(absenceKey)]);
    input = { ...input, confirmed };
    decision = decideReconcile(input, now);
  }
  return decision;
}

/** Decides (confirming absences) and applies once; the next input carries no confirmations. */
export function step(input: SessionReconcileInput, now: Date) {
  const decision = decideConfirmed(input, now);
  return { decision, next: apply(input, decision, now) };
}

/**
 * The executor's part — what a real addon writes, and nothing more: its Snapshot's `status.components`
 * (the operator, so the decision, writes the rest). With `upload`, the decision's next step (the metadata
 * Job) is taken and the Job controller ends that Job successfully, so the Snapshot can complete.
 */
export function reportSnapshot(
  input: SessionReconcileInput,
  name: string,
  phase: SnapshotPhase,
  now: Date,
  options: { upload?: boolean } = { upload: true },
): SessionReconcileInput {
  const reported: SessionReconcileInput = {
    ...input,
    snapshots: input.snapshots.map((s) =>
      s.metadata.name === name
        ? { ...s, status: { ...s.status, components: { dump: { phase, driver: "Restic" } } } }
        : s,
    ),
  };
  if (phase === "Running" || options.upload === false) return reported;
  const uploading = apply(reported, decideConfirmed(reported, now), now);
  return finishJob(uploading, metadataJobName(name), "Complete");
}

/** The Job controller's part: a Job's final condition. */
export function finishJob(input: SessionReconcileInput, name: string, outcome: "Complete" | "Failed") {
  const condition = {
    type: outcome,
    status: "True" as const,
    reason: outcome === "Failed" ? "BackoffLimitExceeded" : "",
  };
  return {
    ...input,
    jobs: input.jobs.map(
      (j): Job => (j.metadata.name === name ? { ...j, status: { conditions: [condition] } } : j),
    ),
  };
}

/** A session of the same configuration and session, already in a given state. */
export function sibling(when: Date, status: BackupSession["status"]): BackupSession {
  return { ...backupSession(when), status };
}
