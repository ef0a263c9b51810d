import { BackupSessionCreated } from "./backup-session-created.ts";
import { BackupSessionPhaseChanged } from "./backup-session-phase-changed.ts";
import { BackupTriggerRequested } from "./backup-trigger-requested.ts";
import { RetentionRequested } from "./retention-requested.ts";
import { RetryDue } from "./retry-due.ts";
import { ScheduleTick } from "./schedule-tick.ts";

export * from "./backup-session-created.ts";
export * from "./backup-session-phase-changed.ts";
export * from "./backup-trigger-requested.ts";
export * from "./envelope.ts";
export * from "./retention-requested.ts";
export * from "./retry-due.ts";
export * from "./schedule-tick.ts";

/** Every event the functions exchange, keyed by a file-friendly name (used for schemas/*.json). */
export const EVENTS = {
  "schedule-tick": ScheduleTick,
  "backup-trigger-requested": BackupTriggerRequested,
  "backup-session-created": BackupSessionCreated,
  "backup-session-phase-changed": BackupSessionPhaseChanged,
  "retry-due": RetryDue,
  "retention-requested": RetentionRequested,
} as const;
