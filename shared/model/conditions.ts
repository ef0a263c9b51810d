import type { Condition } from "./common.ts";
import { toKubeTime } from "./time.ts";

/**
 * Condition types and reasons KubeStash uses (docs/model.md#backupconfiguration-conditions,
 * docs/model.md#backupsession-conditions, docs/model.md#snapshot-conditions) plus the team's decisions.
 */

export const BackupSessionCondition = {
  BackupSkipped: "BackupSkipped",
  SessionHistoryCleaned: "SessionHistoryCleaned",
  PreBackupHooksExecutionSucceeded: "PreBackupHooksExecutionSucceeded",
  PostBackupHooksExecutionSucceeded: "PostBackupHooksExecutionSucceeded",
  BackupExecutorEnsured: "BackupExecutorEnsured",
  RetentionPolicyExecutorEnsured: "RetentionPolicyExecutorEnsured",
  SnapshotsEnsured: "SnapshotsEnsured",
  SnapshotCleanupIncomplete: "SnapshotCleanupIncomplete",
  PodHasBeenInPendingStateForLongerThanExpected: "PodHasBeenInPendingStateForLongerThanExpected",
  MetricsPushed: "MetricsPushed",
  /** Documented by KubeStash but absent from its Go source; our decision (docs/decisions.md#deadline). */
  DeadlineExceeded: "DeadlineExceeded",
} as const;

export const BackupSessionReason = {
  PreRequisitesNotSatisfied: "PreRequisitesNotSatisfied",
  SuccessfullyCleanedSessionHistory: "SuccessfullyCleanedSessionHistory",
  FailedToCleanSessionHistory: "FailedToCleanSessionHistory",
  SuccessfullyExecutedPreBackupHooks: "SuccessfullyExecutedPreBackupHooks",
  FailedToExecutePreBackupHooks: "FailedToExecutePreBackupHooks",
  SuccessfullyExecutedPostBackupHooks: "SuccessfullyExecutedPostBackupHooks",
  FailedToExecutePostBackupHooks: "FailedToExecutePostBackupHooks",
  SuccessfullyEnsuredBackupExecutor: "SuccessfullyEnsuredBackupExecutor",
  FailedToEnsureBackupExecutor: "FailedToEnsureBackupExecutor",
  SuccessfullyEnsuredRetentionPolicyExecutor: "SuccessfullyEnsuredRetentionPolicyExecutor",
  FailedToEnsureRetentionPolicyExecutor: "FailedToEnsureRetentionPolicyExecutor",
  SuccessfullyEnsuredSnapshots: "SuccessfullyEnsuredSnapshots",
  FailedToEnsureSnapshots: "FailedToEnsureSnapshots",
  SnapshotCleanupTerminatedBeforeCompletion: "SnapshotCleanupTerminatedBeforeCompletion",
  PodHasBeenInPendingStateForLongerThanExpected: "PodHasBeenInPendingStateForLongerThanExpected",
  SuccessfullyPushedMetrics: "SuccessfullyPushedMetrics",
  FailedToPushMetrics: "FailedToPushMetrics",
  FailedToCompleteWithinDeadline: "FailedToCompleteWithinDeadline",
} as const;

/**
 * Ours, on a failed BackupSession (docs/decisions.md#retry-bookkeeping): `RetryDeferred=True` while its retry
 * is held back (it is retried later, never dropped; False with reason RetryCreated once created), and
 * `RetrySkipped=True` when the retry it was owed will never be created (the sweep stops looking at it).
 */
export const RetryCondition = {
  Deferred: "RetryDeferred",
  Skipped: "RetrySkipped",
} as const;

export const RetryReason = {
  TooManyConcurrentRetries: "TooManyConcurrentRetries",
  APIServerUnhealthy: "APIServerUnhealthy",
  InvalidRetryDelay: "InvalidRetryDelay",
  ConfigurationPaused: "ConfigurationPaused",
  ConfigurationUnreadable: "ConfigurationUnreadable",
  RetryCreated: "RetryCreated",
  ConfigurationDeleted: "ConfigurationDeleted",
  SessionNotInConfiguration: "SessionNotInConfiguration",
  NoRetryConfig: "NoRetryConfig",
  DueWhilePaused: "DueWhilePaused",
  SessionDeleted: "SessionDeleted",
} as const;

export const BackupConfigurationCondition = {
  ValidationPassed: "ValidationPassed",
  SchedulerEnsured: "SchedulerEnsured",
  InitialBackupTriggered: "InitialBackupTriggered",
} as const;

/**
 * Ours, on `status.sessions[].conditions` next to KubeStash's SchedulerEnsured: whether the schedule is
 * running (not paused or suspended). Its lastTransitionTime with reason Resumed is when scheduling resumed,
 * so times missed while paused are not caught up (docs/decisions.md#resume-after-pause).
 */
export const ScheduleActiveCondition = {
  type: "ScheduleActive",
  Scheduled: "Scheduled",
  Resumed: "Resumed",
  Paused: "ConfigurationPaused",
  Suspended: "SchedulerSuspended",
} as const;

/**
 * Ours, on `status.sessions[].conditions`: the newest schedule time that did not get its session on its own
 * tick, and how many have so far (docs/decisions.md#missed-schedules). True once a time was missed; the
 * message carries the newest missed time and the running total, which make each miss counted once.
 */
export const ScheduleMissedCondition = {
  type: "ScheduleMissed",
  /** Its session was created on a later tick (its create failed on its own). */
  StartedLate: "StartedLate",
  /** Too late to start by `startingDeadlineSeconds`: no session. */
  MissedStartingDeadline: "MissedStartingDeadline",
  /** A newer schedule time was due before it got a session: only the newest is started. */
  Superseded: "SupersededByNewerSchedule",
} as const;

export const BackupConfigurationReason = {
  ResourceValidationPassed: "ResourceValidationPassed",
  ResourceValidationFailed: "ResourceValidationFailed",
  SchedulerEnsured: "SchedulerEnsured",
  SchedulerNotEnsured: "SchedulerNotEnsured",
  SuccessfullyTriggeredInitialBackup: "SuccessfullyTriggeredInitialBackup",
  FailedToTriggerInitialBackup: "FailedToTriggerInitialBackup",
} as const;

export const SnapshotCondition = {
  SnapshotMetadataUploaded: "SnapshotMetadataUploaded",
  RecentSnapshotListUpdated: "RecentSnapshotListUpdated",
  BackupIncomplete: "BackupIncomplete",
} as const;

export const SnapshotReason = {
  SuccessfullyUploadedSnapshotMetadata: "SuccessfullyUploadedSnapshotMetadata",
  FailedToUploadSnapshotMetadata: "FailedToUploadSnapshotMetadata",
  SuccessfullyUpdatedRecentSnapshotList: "SuccessfullyUpdatedRecentSnapshotList",
  FailedToUpdateRecentSnapshotList: "FailedToUpdateRecentSnapshotList",
  BackupExecutorTerminatedBeforeCompletion: "BackupExecutorTerminatedBeforeCompletion",
} as const;

export const RepositoryCondition = { RepositoryInitialized: "RepositoryInitialized" } as const;
export const RepositoryReason = {
  RepositoryInitializationSucceeded: "RepositoryInitializationSucceeded",
  RepositoryInitializationFailed: "RepositoryInitializationFailed",
} as const;

export const BackupStorageCondition = {
  BackendInitialized: "BackendInitialized",
  BackendSecretFound: "BackendSecretFound",
} as const;

/**
 * Ours, on a BackupConfiguration's `status.conditions` (docs/migration.md#what-the-functions-do-meanwhile): the
 * KubeStash operator's footprint was found in the cluster, so the functions create and drive none of its
 * sessions. True with reason OperatorInstalled (the operator or its trigger CronJobs) or LeftoverWebhook (its
 * validating webhook is left and its server is gone: every BackupSession write is rejected); False once it is
 * gone (OperatorRemoved) or `kss migrate` took over (Migrated).
 */
export const OperatorPresentCondition = {
  type: "KubeStashOperatorPresent",
  OperatorInstalled: "OperatorInstalled",
  LeftoverWebhook: "LeftoverWebhook",
  OperatorRemoved: "OperatorRemoved",
  Migrated: "Migrated",
} as const;

type Conditions = ReadonlyArray<Condition> | undefined;

/** A condition to set; its lastTransitionTime is worked out by {@link setCondition}. */
export interface ConditionInput {
  type: string;
  status: Condition["status"];
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

export function findCondition(conditions: Conditions, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
/** A condition of that type exists with status True. */
export function isConditionTrue(conditions: Conditions, type: string): boolean {
  return findCondition(conditions, type)?.status === "True";
}
/** A condition of that type exists with status False (a missing condition is neither true nor false). */
export function isConditionFalse(conditions: Conditions, type: string): boolean {
  return findCondition(conditions, type)?.status === "False";
}
export function hasCondition(conditions: Conditions, type: string): boolean {
  return findCondition(conditions, type) !== undefined;
}

/**
 * Returns the list with `next` set: replaces the condition of the same type, keeping its
 * lastTransitionTime when the status did not change (as kmodules' SetCondition does).
 */
export function setCondition(conditions: Conditions, next: ConditionInput, now: Date): Condition[] {
  const previous = findCondition(conditions, next.type);
  const lastTransitionTime =
    previous && previous.status === next.status ? previous.lastTransitionTime : toKubeTime(now);
  const updated: Condition = { ...next, lastTransitionTime };
  const list = conditions ?? [];
  return previous ? list.map((c) => (c.type === next.type ? updated : c)) : [...list, updated];
}

/**
 * Ours, on a Snapshot being deleted whose backup data is still in the backend
 * (docs/retention-cleanup.md#when-the-cleaner-fails). KubeStash defines no condition for this on Snapshots; the
 * type and the first reason are the ones it uses on a BackupSession when its snapshot cleanup failed.
 * True while the data is not removed: the cleaner Job failed and is retried (SnapshotCleanupTerminatedBeforeCompletion),
 * every attempt failed (CleanupAttemptsExhausted), or no cleaner can be built (CleanerNotCreatable). The
 * `kubestash.com/cleanup` finalizer stays meanwhile; once the data is gone the Snapshot goes with it.
 */
export const SnapshotCleanupCondition = {
  type: "SnapshotCleanupIncomplete",
  TerminatedBeforeCompletion: "SnapshotCleanupTerminatedBeforeCompletion",
  AttemptsExhausted: "CleanupAttemptsExhausted",
  NotCreatable: "CleanerNotCreatable",
} as const;
