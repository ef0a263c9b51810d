import { OBJECT_NAME_MAX, validNameWithPrefixAndSuffix } from "./names.ts";

/**
 * The vocabulary of a backup verification (docs/verification.md): KubeStash's condition types and reasons
 * on a BackupVerificationSession and a RestoreSession (kubestash/apimachinery
 * `backupverificationsession_types.go`, `restoresession_types.go`), the names of what a verification
 * creates, and our annotations where KubeStash has no key.
 */

/** Conditions on `BackupVerificationSession.status.conditions`: KubeStash's five types. */
export const VerificationCondition = {
  /** True: the session did not run (reason says why). */
  Skipped: "BackupVerificationSkipped",
  /** The history of the verifier's sessions was cleaned to `sessionHistoryLimit`: the final step. */
  HistoryCleaned: "VerificationSessionHistoryCleaned",
  /** The verifier Job (Query, Script) was created. */
  ExecutorEnsured: "VerificationExecutorEnsured",
  /** The RestoreSession succeeded (True) or failed (False). */
  RestoreSucceeded: "RestoreSucceeded",
  /** The check the verifier's type asks for passed; written by the verifier Job for Query/Script. */
  BackupVerified: "BackupVerified",
} as const;

export const VerificationReason = {
  /** KubeStash's: the newest Snapshot was verified already. */
  SnapshotAlreadyVerified: "SnapshotAlreadyVerified",
  /** Ours: the repository has no Succeeded Snapshot to verify (docs/verification.md#snapshot-choice). */
  NoSucceededSnapshot: "NoSucceededSnapshot",
  /** Ours: the Snapshot the session names does not exist, or is not Succeeded. */
  SnapshotNotVerifiable: "SnapshotNotVerifiable",
  /** Ours: another verification of the same repository is running and concurrencyPolicy is Forbid. */
  ConcurrentVerification: "ConcurrentVerificationRunning",
  /** Ours: inside a Skip exclusion window, or not started within its start window (docs/windows.md#verifications). */
  ScheduleWindow: "SkippedByScheduleWindow",
  SuccessfullyCleanedVerificationSessionHistory: "SuccessfullyCleanedVerificationSessionHistory",
  FailedToCleanVerificationSessionHistory: "FailedToCleanVerificationSessionHistory",
  SuccessfullyEnsuredVerificationExecutor: "SuccessfullyEnsuredVerificationExecutor",
  FailedToEnsureVerificationExecutor: "FailedToEnsureVerificationExecutor",
  SuccessfullyRestoredBackup: "SuccessfullyRestoredBackup",
  FailedToRestoreBackup: "FailedToRestoreBackup",
  SuccessfullyVerifiedBackup: "SuccessfullyVerifiedBackup",
  FailedToVerifyBackup: "FailedToVerifyBackup",
  /** Ours: the configuration is paused; a session that has not started does not start. */
  ConfigurationPaused: "ConfigurationPaused",
  /** Ours: concurrencyPolicy Replace started a newer session of the same repository. */
  Replaced: "ReplacedByNewerSession",
  /** Ours: the session ran past the verifier's deadline (docs/verification.md#deadline). */
  FailedToCompleteWithinDeadline: "FailedToCompleteWithinDeadline",
} as const;

/** Conditions on `RestoreSession.status.conditions` (KubeStash's types). */
export const RestoreSessionCondition = {
  RestoreExecutorEnsured: "RestoreExecutorEnsured",
  RestoreTargetFound: "RestoreTargetFound",
  /** True when an executor ended without reporting its component. */
  RestoreIncomplete: "RestoreIncomplete",
  /** The final step; once present, the phase is the components' phase. */
  MetricsPushed: "MetricsPushed",
} as const;

export const RestoreSessionReason = {
  SuccessfullyEnsuredRestoreExecutor: "SuccessfullyEnsuredRestoreExecutor",
  FailedToEnsureRestoreExecutor: "FailedToEnsureRestoreExecutor",
  TargetAvailable: "TargetAvailable",
  TargetNotAvailable: "TargetNotAvailable",
  RestoreExecutorTerminatedBeforeCompletion: "RestoreExecutorTerminatedBeforeCompletion",
  SuccessfullyPushedMetrics: "SuccessfullyPushedMetrics",
} as const;

/** Our annotations on a BackupVerifier (prefix `serverless.kubestash.com/`). */
export const VerifierAnnotation = {
  /**
   * `Delete`: the restore target is a scratch object made for each run and deleted when the run is done
   * (docs/verification.md#cleanup); `Retain` (default): the target is the user's and is left as it is.
   */
  ScratchTarget: "serverless.kubestash.com/scratch-target",
  /** How long a verification may run, a Kubernetes duration ("30m"); default 1h (docs/verification.md#deadline). */
  Timeout: "serverless.kubestash.com/verification-timeout",
} as const;

/** Our annotations on objects a verification made. */
export const VerificationAnnotation = {
  /** On a scratch target: the BackupVerificationSession (`namespace/name`) that created it. */
  ScratchFor: "serverless.kubestash.com/scratch-for",
  /** On a BackupVerificationSession: the BackupVerifier (`namespace/name`) it ran. */
  Verifier: "serverless.kubestash.com/verifier",
  /**
   * On a BackupVerificationSession: where it restores, `<kind>/<namespace>/<name>`, recorded with its Snapshot,
   * so its RestoreSession, Jobs and scratch claim are found and cleaned even after the verifier changed.
   */
  RestoreTarget: "serverless.kubestash.com/restore-target",
} as const;

/** `app.kubernetes.io/component` of a verification's Jobs: KubeStash's values. */
export const VerificationJobComponent = {
  Restore: "kubestash-restore",
  Verifier: "kubestash-backup-verifier",
} as const;

/** The ClusterRoles KubeStash binds a restore executor and a verifier Job to. */
export const RESTORE_JOB_CLUSTER_ROLE = "kubestash-restore-job";
export const VERIFIER_JOB_CLUSTER_ROLE = "kubestash-backup-verifier-job";

const unixSeconds = (at: Date) => String(Math.floor(at.getTime() / 1000));

/**
 * BackupVerificationSession: `<repository>-<session>-<unix seconds of the scheduled or requested time>`,
 * KubeStash's pattern (it uses the creation time; we use the scheduled time, so a repeated tick names the
 * same session).
 */
export function verificationSessionName(repository: string, sessionName: string, at: Date): string {
  return validNameWithPrefixAndSuffix(repository, sessionName, unixSeconds(at));
}

/** The RestoreSession of a verification: the BackupVerificationSession's own name. */
export function verificationRestoreSessionName(verificationSession: string): string {
  return verificationSession;
}

/**
 * Our ClusterRoles for a verification's Jobs, bound per namespace like the backup executor's
 * (infra/rbac/executor-clusterrole.yaml, docs/verification.md#what-a-verification-creates): what a restore
 * executor and a verifier Job call, where KubeStash's `kubestash-restore-job` and `kubestash-backup-verifier-job`
 * allow every verb on its groups.
 */
export const RESTORE_EXECUTOR_CLUSTER_ROLE = "kubestash-serverless-restore-executor";
export const VERIFIER_CLUSTER_ROLE = "kubestash-serverless-verifier";

/** The ServiceAccounts a restore executor and a verifier Job run as when their settings name none. */
export const RESTORE_EXECUTOR_SERVICE_ACCOUNT = "kubestash-restore-executor";
export const VERIFIER_SERVICE_ACCOUNT = "kubestash-backup-verifier";

/**
 * The RoleBinding that grants one of the ClusterRoles above to one ServiceAccount in one namespace:
 * `<clusterrole>:<sa namespace>:<sa name>`, the backup executor's pattern (`executorRoleBindingName`), so
 * the bindings of the three roles never share a name (a roleRef cannot change).
 */
export function verificationRoleBindingName(
  clusterRole: string,
  serviceAccount: { namespace: string; name: string },
): string {
  const full = `${clusterRole}:${serviceAccount.namespace}:${serviceAccount.name}`;
  return validNameWithPrefixAndSuffix(full, "", "", OBJECT_NAME_MAX);
}
