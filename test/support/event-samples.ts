import type { z } from "zod";
import { EVENTS } from "../../shared/model/events/index.ts";

/** One well-formed event of each type, as EventBridge delivers it to a Lambda target. */

type EventName = keyof typeof EVENTS;
type SampleEvents = { [K in EventName]: z.input<(typeof EVENTS)[K]["envelope"]> };

function envelope<K extends EventName>(name: K, source: string) {
  return {
    version: "0",
    id: `6a7e8feb-b491-4cf7-a9f1-${name.length.toString().padStart(12, "0")}`,
    "detail-type": EVENTS[name].detailType,
    source,
    account: "111122223333",
    time: "2026-11-26T12:00:00Z",
    region: "eu-west-1",
    resources: [],
  };
}

const base = { version: "1", clusterId: "prod-eu" } as const;

export const SAMPLE_EVENTS: SampleEvents = {
  "schedule-tick": {
    ...envelope("schedule-tick", "kubestash-serverless"),
    "detail-type": "Schedule Tick",
    detail: { ...base, tickTime: "2026-11-26T12:00:00Z" },
  },
  "backup-trigger-requested": {
    ...envelope("backup-trigger-requested", "ci.pipeline"),
    "detail-type": "Backup Trigger Requested",
    detail: {
      ...base,
      requestId: "pipeline-42-run-7",
      namespace: "demo",
      configuration: "sample-backup-dep",
      session: "frequent-backup",
      requestedBy: "release pipeline",
    },
  },
  "backup-session-created": {
    ...envelope("backup-session-created", "kubestash-serverless"),
    "detail-type": "BackupSession Created",
    detail: {
      ...base,
      namespace: "demo",
      name: "sample-backup-dep-frequent-backup-1764158400",
      configuration: "sample-backup-dep",
      session: "frequent-backup",
      origin: "schedule",
      scheduledTime: "2026-11-26T12:00:00Z",
      createdAt: "2026-11-26T12:00:03Z",
    },
  },
  "backup-session-phase-changed": {
    ...envelope("backup-session-phase-changed", "kubestash-serverless"),
    "detail-type": "BackupSession Phase Changed",
    detail: {
      ...base,
      namespace: "demo",
      name: "sample-backup-dep-frequent-backup-1764158400",
      configuration: "sample-backup-dep",
      session: "frequent-backup",
      oldPhase: "Running",
      newPhase: "Failed",
      reasons: ["FailedToCompleteWithinDeadline"],
      retryLeft: 1,
      resourceVersion: "48213",
      changedAt: "2026-11-26T12:30:00Z",
    },
  },
  "retry-due": {
    ...envelope("retry-due", "kubestash-serverless"),
    "detail-type": "BackupSession Retry Due",
    detail: {
      ...base,
      namespace: "demo",
      failedSession: "sample-backup-dep-frequent-backup-1764158400",
      retryAt: "2026-11-26T12:31:00Z",
    },
  },
  "session-follow-up": {
    ...envelope("session-follow-up", "kubestash-serverless"),
    "detail-type": "BackupSession Follow Up",
    detail: {
      ...base,
      namespace: "demo",
      name: "sample-backup-dep-frequent-backup-1764158400",
      uid: "5f0c7a8e-2b1d-4c3e-9f6a-1d2e3f4a5b6c",
      attempt: 3,
      sinceProgress: 2,
    },
  },
  "retention-requested": {
    ...envelope("retention-requested", "kubestash-serverless"),
    "detail-type": "Retention Requested",
    detail: {
      ...base,
      namespace: "demo",
      backupSession: "sample-backup-dep-frequent-backup-1764158400",
      reason: "session-succeeded",
    },
  },
  "backup-failed": {
    ...envelope("backup-failed", "kubestash-serverless"),
    "detail-type": "Backup Failed",
    detail: {
      ...base,
      namespace: "demo",
      configuration: "sample-backup-dep",
      session: "frequent-backup",
      name: "sample-backup-dep-frequent-backup-1764158400-retry-2",
      originalSession: "sample-backup-dep-frequent-backup-1764158400",
      attempts: 3,
      error: "the backup did not complete within 20m (backupTimeout)",
      reasons: ["FailedToCompleteWithinDeadline"],
      failedAt: "2026-11-26T13:02:00Z",
    },
  },
  "schedule-overdue": {
    ...envelope("schedule-overdue", "kubestash-serverless"),
    "detail-type": "Schedule Overdue",
    detail: {
      ...base,
      namespace: "demo",
      configuration: "sample-backup-dep",
      session: "nightly-backup",
      schedule: "0 2 * * *",
      overdueSince: "2026-11-25T02:00:00Z",
      missedRuns: 2,
      lastSuccessfulBackup: "2026-11-24T02:07:41Z",
      detectedAt: "2026-11-26T12:00:00Z",
    },
  },
  "cluster-unreachable": {
    ...envelope("cluster-unreachable", "kubestash-serverless"),
    "detail-type": "Cluster Unreachable",
    detail: {
      ...base,
      error: "[prod-eu] GET /readyz: request timed out",
      failure: "unavailable",
      since: "2026-11-26T11:54:00Z",
      detectedAt: "2026-11-26T12:00:00Z",
    },
  },
  "verification-trigger-requested": {
    ...envelope("verification-trigger-requested", "ci.pipeline"),
    "detail-type": "Verification Trigger Requested",
    detail: {
      ...base,
      requestId: "soc2-drill-2026-11",
      namespace: "demo",
      configuration: "sample-backup-dep",
      session: "frequent-backup",
      repository: "s3-repo",
      requestedBy: "quarterly restore drill",
    },
  },
  "verification-session-created": {
    ...envelope("verification-session-created", "kubestash-serverless"),
    "detail-type": "BackupVerificationSession Created",
    detail: {
      ...base,
      namespace: "demo",
      name: "s3-repo-frequent-backup-1764158400",
      configuration: "sample-backup-dep",
      session: "frequent-backup",
      repository: "s3-repo",
      origin: "schedule",
      scheduledTime: "2026-11-26T12:00:00Z",
      createdAt: "2026-11-26T12:00:02Z",
    },
  },
  "verification-follow-up": {
    ...envelope("verification-follow-up", "kubestash-serverless"),
    "detail-type": "BackupVerificationSession Follow Up",
    detail: {
      ...base,
      namespace: "demo",
      name: "s3-repo-frequent-backup-1764158400",
      uid: "3f1c0d2e-8b7a-4c55-9e21-6b4f0a9d7c13",
      attempt: 2,
      sinceProgress: 1,
    },
  },
  "verification-failed": {
    ...envelope("verification-failed", "kubestash-serverless"),
    "detail-type": "Verification Failed",
    detail: {
      ...base,
      namespace: "demo",
      configuration: "sample-backup-dep",
      session: "frequent-backup",
      repository: "s3-repo",
      name: "s3-repo-frequent-backup-1764158400-retry-1",
      originalSession: "s3-repo-frequent-backup-1764158400",
      verifier: "demo/pvc-verifier",
      snapshot: "s3-repo-sample-backup-dep-frequent-backup-1764154800",
      attempts: 2,
      error: "restore of component dump failed: restic: wrong password or no key found",
      reasons: ["FailedToRestoreBackup"],
      failedAt: "2026-11-26T12:06:10Z",
    },
  },
  "verification-overdue": {
    ...envelope("verification-overdue", "kubestash-serverless"),
    "detail-type": "Verification Overdue",
    detail: {
      ...base,
      namespace: "demo",
      configuration: "sample-backup-dep",
      session: "frequent-backup",
      repository: "s3-repo",
      verifier: "demo/pvc-verifier",
      schedule: "0 3 * * 0",
      overdueSince: "2026-11-15T03:00:00Z",
      missedRuns: 2,
      lastVerified: "2026-11-08T03:04:12Z",
      detectedAt: "2026-11-26T12:00:00Z",
    },
  },
  "retention-applied": {
    ...envelope("retention-applied", "kubestash-serverless"),
    "detail-type": "Retention Applied",
    detail: {
      ...base,
      namespace: "demo",
      repository: "s3-frequent-repo",
      backupSession: "sample-backup-dep-frequent-backup-1764158400",
      trigger: "session-succeeded",
      policy: { namespace: "demo", name: "demo-retention" },
      pruned: 2,
      kept: 10,
      appliedAt: "2026-11-26T12:31:05Z",
    },
  },
};
