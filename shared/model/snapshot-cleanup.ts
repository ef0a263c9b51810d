/**
 * Keys of the cleanup that removes a deleted Snapshot's backup data (docs/retention-cleanup.md#the-cleaner-job).
 * The finalizer is KubeStash's `kubestash.com/cleanup` (`CLEANUP_FINALIZER` in labels.ts), on Snapshots as on
 * BackupSessions.
 */

/** Labels on a cleaner Job: the Snapshot it serves (by uid, so a newer Snapshot of the same name is another) and its attempt. */
export const CleanupLabel = {
  SnapshotUid: "serverless.kubestash.com/snapshot-uid",
  Attempt: "serverless.kubestash.com/cleanup-attempt",
  /** KubeStash's label key for the role of what it creates; the cleaner's value is `kubestash-cleaner`. */
  Component: "app.kubernetes.io/component",
} as const;

/** KubeStash's `app.kubernetes.io/component` value for its cleaner Jobs. */
export const CLEANER_COMPONENT = "kubestash-cleaner";

/**
 * Annotations on the Snapshot being deleted: how many cleaner attempts failed and when the last one did. They
 * outlive the attempts' Jobs (which are deleted, or expire by TTL), so the back-off and the attempt limit hold
 * across restarts. Removing `cleanup-failures` starts the attempts again.
 */
export const CleanupAnnotation = {
  Failures: "serverless.kubestash.com/cleanup-failures",
  LastFailure: "serverless.kubestash.com/cleanup-last-failure",
} as const;
