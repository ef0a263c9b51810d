import { backupSessionName } from "../../model/names.ts";
import { verificationSessionName } from "../../model/verification.ts";
import { staggerKey } from "./stagger.ts";

/**
 * What a schedule makes (docs/verification.md#scheduling): a BackupSession of a configuration's session, or a
 * BackupVerificationSession of one repository of that session (the repository's `backupVerifier`). Both run
 * on the one engine (due-sessions.ts); the kind decides only the deterministic name, the stagger key and the
 * words of the concurrency message, so every rule of when is the same for both.
 */
export type ScheduleSubject =
  | { kind: "BackupSession" }
  | { kind: "BackupVerificationSession"; repository: string };

/** A BackupSession's schedule: what an input without a subject schedules. */
export const BACKUP_SUBJECT: ScheduleSubject = { kind: "BackupSession" };

/** The verification schedule of `repository` (its verifier's scheduler). */
export function verificationSubject(repository: string): ScheduleSubject {
  return { kind: "BackupVerificationSession", repository };
}

interface Scheduled {
  namespace: string;
  configurationName: string;
  session: { name: string };
  subject?: ScheduleSubject | undefined;
}

/**
 * The name of the object for `scheduledTime`: `<configuration>-<session>-<unix>` for a BackupSession,
 * `<repository>-<session>-<unix>` for a BackupVerificationSession (shared/model/verification.ts).
 */
export function scheduledObjectName(input: Scheduled, scheduledTime: Date): string {
  const subject = input.subject ?? BACKUP_SUBJECT;
  return subject.kind === "BackupSession"
    ? backupSessionName(input.configurationName, input.session.name, scheduledTime)
    : verificationSessionName(subject.repository, input.session.name, scheduledTime);
}

/**
 * The key the stagger offset is hashed from: a backup's is namespace/configuration/session (unchanged), a
 * verification's adds the repository, so the verifications of one session spread like separate schedules.
 */
export function subjectStaggerKey(input: Scheduled): string {
  const subject = input.subject ?? BACKUP_SUBJECT;
  const base = staggerKey(input.namespace, input.configurationName, input.session.name);
  return subject.kind === "BackupSession" ? base : `${base}/verify/${subject.repository}`;
}

/** Why a due run is created Skipped under concurrencyPolicy Forbid, naming what runs. */
export function concurrencyMessage(input: Scheduled, running: readonly string[]): string {
  const subject = input.subject ?? BACKUP_SUBJECT;
  const what =
    subject.kind === "BackupSession"
      ? `another backup of session "${input.session.name}"`
      : `another verification of repository "${subject.repository}" of session "${input.session.name}"`;
  return `${what} is running (${running.join(", ")}) and concurrencyPolicy is Forbid`;
}
