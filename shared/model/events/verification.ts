import { z } from "zod";
import { Time } from "../common.ts";
import { SessionOrigin } from "./backup-session-created.ts";
import { DetailBase, defineEvent } from "./envelope.ts";
import { SessionFollowUpDetail } from "./session-follow-up.ts";

/**
 * The events of backup verification (docs/verification.md#events): a BackupVerificationSession created (the
 * session function starts driving it), its follow-ups, a verification that failed for good, a verifier's
 * schedule that silently stopped verifying, and other systems asking for a verification now.
 */

const K8sName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "must be a Kubernetes object name");

/** Which repository of which configuration's session a verification is about. */
const VerificationSubject = {
  namespace: z.string().min(1),
  /** The BackupConfiguration whose repository is verified (the session's invoker). */
  configuration: z.string().min(1),
  /** The session of the configuration (spec.sessions[].name). */
  session: z.string().min(1),
  /** The repository entry (and Repository) whose Snapshot is restored. */
  repository: z.string().min(1),
};

export const VerificationSessionCreatedDetail = z.strictObject({
  ...DetailBase,
  ...VerificationSubject,
  /** The BackupVerificationSession. */
  name: z.string().min(1),
  origin: SessionOrigin,
  /** The scheduled minute (schedule), the request time (trigger) or the retry's due time (retry). */
  scheduledTime: Time,
  createdAt: Time,
});
export type VerificationSessionCreatedDetail = z.infer<typeof VerificationSessionCreatedDetail>;

export const VerificationSessionCreated = defineEvent(
  "BackupVerificationSession Created",
  VerificationSessionCreatedDetail,
  "A BackupVerificationSession object was created; the session function starts driving it.",
);

/** The same detail as a BackupSession's follow-up: the chain of one object, by uid, hop and back-off. */
export const VerificationFollowUpDetail = SessionFollowUpDetail;
export type VerificationFollowUpDetail = SessionFollowUpDetail;

export const VerificationFollowUp = defineEvent(
  "BackupVerificationSession Follow Up",
  VerificationFollowUpDetail,
  "Look at a running BackupVerificationSession again (sent by reconcile-session to itself, with a delay).",
);

export const VerificationFailedDetail = z.strictObject({
  ...DetailBase,
  ...VerificationSubject,
  /** The failed BackupVerificationSession: the last of its retry chain. */
  name: z.string().min(1),
  /** The first session of the chain, when `name` is a retry of it. */
  originalSession: z.string().min(1).optional(),
  /** The BackupVerifier that ran. */
  verifier: z.string().min(1),
  /** The Snapshot that did not restore or verify; absent when none was chosen. */
  snapshot: z.string().min(1).optional(),
  /** Sessions created for this verification: 1 for a failure without retries. */
  attempts: z.int().min(1),
  /** One line for a person: why the last attempt failed. */
  error: z.string().min(1).max(1024),
  /** Reasons of the conditions that failed the session (e.g. FailedToRestoreBackup). */
  reasons: z.array(z.string()),
  failedAt: Time,
});
export type VerificationFailedDetail = z.infer<typeof VerificationFailedDetail>;

export const VerificationFailed = defineEvent(
  "Verification Failed",
  VerificationFailedDetail,
  "A backup verification failed for good: a Snapshot did not restore or did not pass its check, and no retry is left. Route it to people.",
);

export const VerificationOverdueDetail = z.strictObject({
  ...DetailBase,
  ...VerificationSubject,
  /** The BackupVerifier whose schedule is overdue. */
  verifier: z.string().min(1),
  /** The cron expression of the verifier's schedule. */
  schedule: z.string().min(1),
  /** The first scheduled time that has no BackupVerificationSession. */
  overdueSince: Time,
  /** Scheduled times since then without a session. */
  missedRuns: z.int().min(1),
  /** When the newest Succeeded verification of this repository ended; absent when there was none. */
  lastVerified: Time.optional(),
  detectedAt: Time,
});
export type VerificationOverdueDetail = z.infer<typeof VerificationOverdueDetail>;

export const VerificationOverdue = defineEvent(
  "Verification Overdue",
  VerificationOverdueDetail,
  "A verifier's schedule was due more than one interval ago and no BackupVerificationSession ran: restores silently stopped being tested.",
);

export const VerificationTriggerRequestedDetail = z.strictObject({
  ...DetailBase,
  /** Idempotency key: a duplicate delivery of the same request creates no second session. */
  requestId: z
    .string()
    .min(8)
    .max(128)
    .regex(/^[A-Za-z0-9._:-]+$/, "must be 8-128 characters of letters, digits, '.', '_', ':' or '-'"),
  namespace: K8sName,
  configuration: K8sName,
  /** Session of the configuration; may be omitted when exactly one session has a verified repository. */
  session: z.string().min(1).optional(),
  /** Repository entry; may be omitted when the session has exactly one repository with a verifier. */
  repository: z.string().min(1).optional(),
  /** A Snapshot to verify instead of the newest Succeeded one. */
  snapshot: K8sName.optional(),
  requestedBy: z.string().max(256).optional(),
});
export type VerificationTriggerRequestedDetail = z.infer<typeof VerificationTriggerRequestedDetail>;

export const VerificationTriggerRequested = defineEvent(
  "Verification Trigger Requested",
  VerificationTriggerRequestedDetail,
  "Asks for a BackupVerificationSession of a configuration's repository now. Sent by other systems; any allowed source.",
  null,
);
