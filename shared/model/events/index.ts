import { BackupFailed } from "./backup-failed.ts";
import { BackupSessionCreated } from "./backup-session-created.ts";
import { BackupSessionPhaseChanged } from "./backup-session-phase-changed.ts";
import { BackupTriggerRequested } from "./backup-trigger-requested.ts";
import { ClusterUnreachable } from "./cluster-unreachable.ts";
import { RetentionApplied } from "./retention-applied.ts";
import { RetentionRequested } from "./retention-requested.ts";
import { RetryDue } from "./retry-due.ts";
import { RpoAtRisk } from "./rpo-at-risk.ts";
import { ScheduleOverdue } from "./schedule-overdue.ts";
import { ScheduleTick } from "./schedule-tick.ts";
import { SessionFollowUp } from "./session-follow-up.ts";
import {
  VerificationFailed,
  VerificationFollowUp,
  VerificationOverdue,
  VerificationSessionCreated,
  VerificationTriggerRequested,
} from "./verification.ts";

export * from "./backup-failed.ts";
export * from "./backup-session-created.ts";
export * from "./backup-session-phase-changed.ts";
export * from "./backup-trigger-requested.ts";
export * from "./cluster-unreachable.ts";
export * from "./envelope.ts";
export * from "./retention-applied.ts";
export * from "./retention-requested.ts";
export * from "./retry-due.ts";
export * from "./rpo-at-risk.ts";
export * from "./schedule-overdue.ts";
export * from "./schedule-tick.ts";
export * from "./session-follow-up.ts";
export * from "./verification.ts";

/** Every event the functions exchange, keyed by a file-friendly name (used for schemas/*.json). */
export const EVENTS = {
  "schedule-tick": ScheduleTick,
  "backup-trigger-requested": BackupTriggerRequested,
  "backup-session-created": BackupSessionCreated,
  "backup-session-phase-changed": BackupSessionPhaseChanged,
  "retry-due": RetryDue,
  "session-follow-up": SessionFollowUp,
  "retention-requested": RetentionRequested,
  "verification-trigger-requested": VerificationTriggerRequested,
  "verification-session-created": VerificationSessionCreated,
  "verification-follow-up": VerificationFollowUp,
  // Notifications: published for people and other systems (docs/notifications.md), consumed by none of ours.
  "backup-failed": BackupFailed,
  "schedule-overdue": ScheduleOverdue,
  "cluster-unreachable": ClusterUnreachable,
  "retention-applied": RetentionApplied,
  "verification-failed": VerificationFailed,
  "verification-overdue": VerificationOverdue,
  "rpo-at-risk": RpoAtRisk,
} as const;
