import type { KubeClient } from "../../shared/kube/client.ts";
import { BackupVerificationSession, BackupVerifier } from "../../shared/model/backup-verifier.ts";
import { parseWith, Snapshot } from "../../shared/model/index.ts";
import { Annotation, Label } from "../../shared/model/labels.ts";
import { toKubeTime } from "../../shared/model/time.ts";
import {
  VerificationCondition as VC,
  VerificationAnnotation,
  VerificationReason as VR,
  verificationSessionName,
} from "../../shared/model/verification.ts";
import { evaluateFailure } from "../../shared/usecases/evaluate-failure.ts";
import type { ClusterInfo } from "../controlplane/index.ts";
import { clockFrom } from "./clock.ts";
import { clientFor, ensureNamespace, installRbac } from "./kube.ts";
import {
  installBackend,
  installCatalog,
  installConfiguration,
  RecordingPublisher,
  scheduleSession,
} from "./lifecycle.ts";

/**
 * A small fleet on the test control plane for `kss fleet` and the dashboard: per cluster a namespace with a
 * storage, a repository and an hourly configuration "app", then sessions in the phases a scenario needs.
 */

export interface SeededCluster {
  cluster: ClusterInfo;
  admin: KubeClient;
}

/** RBAC for the functions' identity, the namespace, the backend and the hourly configuration "app". */
export async function seedCluster(cluster: ClusterInfo, namespace: string): Promise<SeededCluster> {
  const admin = await clientFor(cluster, "admin");
  await installRbac(admin);
  await ensureNamespace(admin, namespace);
  await installBackend(admin, namespace, ["repo-a"]);
  await installConfiguration(admin, namespace, "app");
  return { cluster, admin };
}

/** The scheduler's session of "app" for `at`, then moved to `phase` as the session function would. */
export async function sessionInPhase(
  admin: KubeClient,
  namespace: string,
  at: Date,
  phase: "Succeeded" | "Failed" | "Running",
): Promise<string> {
  const name = await scheduleSession(admin, "app", at);
  await admin.patch("BackupSession", namespace, name, { status: { phase } }, { subresource: "status" });
  return name;
}

/** A Succeeded Snapshot of "app" in repo-a for `session`, taken at `takenAt` (the executor's report). */
export async function succeededSnapshot(
  admin: KubeClient,
  namespace: string,
  session: string,
  takenAt: Date,
): Promise<void> {
  const snapshot = parseWith(
    Snapshot,
    {
      apiVersion: "storage.kubestash.com/v1alpha1",
      kind: "Snapshot",
      metadata: { name: `repo-a-${session}`, namespace },
      spec: {
        repository: "repo-a",
        session: "hourly",
        backupSession: session,
        appRef: { kind: "PersistentVolumeClaim", name: "data", namespace },
      },
    },
    "snapshot",
  );
  await admin.create("Snapshot", snapshot);
  await admin.patch(
    "Snapshot",
    namespace,
    snapshot.metadata.name,
    { status: { phase: "Succeeded", snapshotTime: toKubeTime(takenAt) } },
    { subresource: "status" },
  );
}

/**
 * The sessions {@link seedRunHistory} made, due at +0 (Succeeded, 1m10s), +5 (Failed, retried), +7 (its retry,
 * Succeeded, 1m40s), +15 (Skipped), +20 (Succeeded, 50s) and +25 (left as created: running) minutes.
 */
export interface RunHistorySeed {
  succeeded: string;
  retried: string;
  retry: string;
  skipped: string;
  succeededLast: string;
  running: string;
}

/**
 * A configuration "history" on `*\/5 * * * *` (Allow, sessionHistoryLimit 10, one retry after 1m) with a run of
 * each kind, made by the functions' own code where it has a part: the scheduler at +0, +5, +15, +20 and +25
 * minutes after `due` (not at +10, so the tick at +15 finds +10 superseded and records it in ScheduleMissed),
 * the failure at +5 retried by evaluate-failure's use case; the phases a finished run ends in are written as
 * reconcile-session would. The last one is left to the functions: with no executor it stays Running.
 */
export async function seedRunHistory(
  admin: KubeClient,
  namespace: string,
  due: Date,
): Promise<RunHistorySeed> {
  const { atMinutes } = clockFrom(due);
  // The addon, so that reconcile-session (the dashboard's runtime runs it) keeps the last session Running.
  await installCatalog(admin);
  await installConfiguration(admin, namespace, "history", {
    scheduler: { schedule: "*/5 * * * *", jobTemplate: {}, concurrencyPolicy: "Allow" },
    sessionHistoryLimit: 10,
    retryConfig: { maxRetry: 1, delay: "1m" },
  });
  const names: string[] = [];
  for (const minute of [0, 5, 15, 20, 25])
    names.push(await scheduleSession(admin, "history", atMinutes(minute)));
  const [succeeded, retried, skipped, succeededLast, running] = names;
  if (!succeeded || !retried || !skipped || !succeededLast || !running) throw new Error("five sessions");
  const status = (name: string, value: Record<string, unknown>) =>
    admin.patch("BackupSession", namespace, name, { status: value }, { subresource: "status" });
  await status(succeeded, { phase: "Succeeded", duration: "1m10s" });
  await status(skipped, { phase: "Skipped" });
  await status(succeededLast, { phase: "Succeeded", duration: "50s" });
  const failedAt = toKubeTime(atMinutes(6));
  await status(retried, {
    phase: "Failed",
    duration: "1m",
    conditions: [
      {
        type: "MetricsPushed",
        status: "True",
        reason: "SuccessfullyPushedMetrics",
        lastTransitionTime: failedAt,
      },
    ],
  });
  const outcome = await evaluateFailure(
    { client: admin, publisher: new RecordingPublisher() },
    namespace,
    retried,
    () => atMinutes(27),
  );
  if (outcome.result !== "created" || !outcome.retry) throw new Error(`no retry: ${JSON.stringify(outcome)}`);
  await status(outcome.retry, { phase: "Succeeded", duration: "1m40s" });
  return { succeeded, retried, retry: outcome.retry, skipped, succeededLast, running };
}

/** The objects {@link seedVerifications} made: the BackupVerificationSessions by what they show. */
export interface VerificationSeed {
  /** repo-a: Succeeded 3 h before `now`, Snapshot `repo-a-snapshot-3h`, took 1m5s. */
  succeeded: string;
  /** repo-b: Succeeded a day before `now` (the last verified restore of repo-b). */
  olderSucceeded: string;
  /** repo-b: Failed 10 min before `now` (RestoreSucceeded False, FailedToRestoreBackup). */
  failed: string;
  /** repo-c: Skipped 2 h before `now` (SnapshotAlreadyVerified). */
  skipped: string;
  /** repo-a: Running since a minute before `now` (only with `running`). */
  running?: string;
}

/** The failure message of {@link VerificationSeed.failed}. */
export const RESTORE_FAILURE = "restic: wrong password or no key found";

/**
 * A configuration "verified" whose session "hourly" (on a yearly schedule, so no scheduler makes a session
 * during a test) names a BackupVerifier per repository — repo-a verify-a, repo-b verify-b, repo-c verify-c,
 * repo-d verify-d (never run), repo-e verify-gone (does not exist) — each verifier on "0 3 1 1 *" (yearly) with
 * a history limit of 10; and BackupVerificationSessions as the functions would leave them, created directly
 * (status through the status subresource): times relative to `now`, the fleet view's clock.
 */
export async function seedVerifications(
  admin: KubeClient,
  namespace: string,
  now: Date,
  options: { running?: boolean } = {},
): Promise<VerificationSeed> {
  const repositories = ["a", "b", "c", "d", "e"].map((r) => ({
    name: `repo-${r}`,
    backend: "local",
    directory: `/repo-${r}`,
    backupVerifier: { name: r === "e" ? "verify-gone" : `verify-${r}` },
  }));
  await installConfiguration(admin, namespace, "verified", {
    scheduler: { schedule: "0 3 1 1 *", jobTemplate: {}, concurrencyPolicy: "Allow" },
    repositories,
  });
  for (const r of ["a", "b", "c", "d"]) {
    const verifier = parseWith(
      BackupVerifier,
      {
        apiVersion: "core.kubestash.com/v1alpha1",
        kind: "BackupVerifier",
        metadata: { name: `verify-${r}`, namespace },
        spec: {
          restoreOption: {
            addonInfo: { name: "pvc-addon", tasks: [{ name: "logical-backup-restore" }] },
            target: { kind: "PersistentVolumeClaim", name: `scratch-${r}` },
          },
          scheduler: { schedule: "0 3 1 1 *", jobTemplate: {} },
          type: "RestoreOnly",
          sessionHistoryLimit: 10,
        },
      },
      "verifier",
    );
    await admin.create("BackupVerifier", verifier);
  }
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const MINUTE = 60_000;
  const HOUR = 60 * MINUTE;
  const make = async (
    repository: string,
    due: Date,
    status: Record<string, unknown>,
    snapshot?: string,
  ): Promise<string> => {
    const object = parseWith(
      BackupVerificationSession,
      {
        apiVersion: "core.kubestash.com/v1alpha1",
        kind: "BackupVerificationSession",
        metadata: {
          name: verificationSessionName(repository, "hourly", due),
          namespace,
          labels: {
            [Label.InvokerName]: "verified",
            [Label.SessionName]: "hourly",
            [Label.RepoName]: repository,
          },
          annotations: {
            [VerificationAnnotation.Verifier]: `${namespace}/verify-${repository.slice(-1)}`,
            [Annotation.ScheduledTime]: toKubeTime(due),
            [Annotation.Origin]: "schedule",
          },
        },
        spec: {
          invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: "verified" },
          session: "hourly",
          repository,
          ...(snapshot ? { snapshot } : {}),
          retryLeft: 0,
        },
      },
      "verification session",
    );
    await admin.create("BackupVerificationSession", object);
    await admin.patch(
      "BackupVerificationSession",
      namespace,
      object.metadata.name,
      { status },
      { subresource: "status" },
    );
    return object.metadata.name;
  };
  const condition = (type: string, status: string, reason: string, at: Date, message?: string) => ({
    type,
    status,
    reason,
    ...(message ? { message } : {}),
    lastTransitionTime: toKubeTime(at),
  });
  const cleaned = (at: Date) =>
    condition(VC.HistoryCleaned, "True", VR.SuccessfullyCleanedVerificationSessionHistory, at);
  const restored = (at: Date) => condition(VC.RestoreSucceeded, "True", VR.SuccessfullyRestoredBackup, at);

  const succeeded = await make(
    "repo-a",
    ago(3 * HOUR + 70_000),
    {
      phase: "Succeeded",
      duration: "1m5s",
      conditions: [restored(ago(3 * HOUR + 5_000)), cleaned(ago(3 * HOUR))],
    },
    "repo-a-snapshot-3h",
  );
  const olderSucceeded = await make(
    "repo-b",
    ago(24 * HOUR + 2 * MINUTE),
    { phase: "Succeeded", duration: "2m", conditions: [restored(ago(24 * HOUR)), cleaned(ago(24 * HOUR))] },
    "repo-b-snapshot-1d",
  );
  const failed = await make(
    "repo-b",
    ago(11 * MINUTE),
    {
      phase: "Failed",
      duration: "40s",
      conditions: [
        condition(
          VC.RestoreSucceeded,
          "False",
          VR.FailedToRestoreBackup,
          ago(10 * MINUTE + 5_000),
          RESTORE_FAILURE,
        ),
        cleaned(ago(10 * MINUTE)),
      ],
    },
    "repo-b-snapshot-11m",
  );
  const skipped = await make("repo-c", ago(2 * HOUR), {
    phase: "Skipped",
    conditions: [
      condition(
        VC.Skipped,
        "True",
        VR.SnapshotAlreadyVerified,
        ago(2 * HOUR),
        "Snapshot repo-c-snapshot-1d was verified already",
      ),
    ],
  });
  const running = options.running
    ? await make("repo-a", ago(MINUTE), { phase: "Running" }, "repo-a-snapshot-1m")
    : undefined;
  return { succeeded, olderSucceeded, failed, skipped, ...(running ? { running } : {}) };
}
