import type { BackupConfiguration } from "../../model/backup-configuration.ts";
import type { BackupSession } from "../../model/backup-session.ts";
import { BackupConfigurationCondition, findCondition, isConditionTrue } from "../../model/conditions.ts";
import { sessionConfigOf } from "../configuration/session-config.ts";
import { backupConfigurationPhase, backupSessionPhase, isSessionCompleted } from "./phase.ts";
import { compareSessionsOldestFirst, isBeingDeleted } from "./session-history.ts";

/**
 * Should a session that has not started be skipped (docs/model.md#skipping;
 * docs/decisions.md#paused-configuration, docs/decisions.md#concurrency)? Named predicates, composed in
 * {@link skipMessage}: the first that holds gives the message of `BackupSkipped=True` (reason
 * PreRequisitesNotSatisfied).
 */

export interface SkipInput {
  session: BackupSession;
  configuration: BackupConfiguration | undefined;
  siblings: ReadonlyArray<BackupSession>;
}

function configurationName(session: BackupSession): string {
  return `${session.metadata.namespace ?? "default"}/${session.spec.invoker?.name ?? "(none)"}`;
}

/**
 * Why a configuration is not Ready, in words (the parts of docs/model.md#backupconfiguration-phase that
 * fail).
 */
export function notReadyReason(configuration: BackupConfiguration): string {
  const status = configuration.status;
  const validation = findCondition(status?.conditions, BackupConfigurationCondition.ValidationPassed);
  if (validation?.status === "False")
    return `validation failed: ${validation.message ?? validation.reason ?? ""}`;
  const why: string[] = [];
  if (status?.targetFound !== true) why.push("target not found");
  const backends = status?.backends ?? [];
  if (backends.length !== (configuration.spec.backends ?? []).length) why.push("backends not resolved");
  for (const b of backends.filter((x) => x.ready !== true)) {
    const reasons = [b.storage?.reason, b.retentionPolicy?.reason].filter((r) => r !== undefined && r !== "");
    why.push(`backend ${b.name} not ready${reasons.length > 0 ? ` (${reasons.join("; ")})` : ""}`);
  }
  const sessions = status?.sessions ?? [];
  const ensured = (name: string) =>
    sessions.some(
      (s) => s.name === name && isConditionTrue(s.conditions, BackupConfigurationCondition.SchedulerEnsured),
    );
  const notEnsured = (configuration.spec.sessions ?? []).filter((s) => !ensured(s.name)).map((s) => s.name);
  if (notEnsured.length > 0) why.push(`scheduler not ensured for session ${notEnsured.join(", ")}`);
  return why.length > 0 ? why.join(", ") : "status not reported yet";
}

/** How long a session waits for a new configuration's first status before it is Skipped for want of it. */
export const FIRST_STATUS_GRACE_MS = 2 * 60_000;

/**
 * A configuration created moments ago whose status nobody has written yet (create-sessions writes it on the
 * next tick): a session triggered now waits for it, Pending, instead of being Skipped as not Ready — within
 * {@link FIRST_STATUS_GRACE_MS} of the configuration's creation; after that, missing status is a reason to skip
 * (docs/decisions.md#first-status).
 */
export function awaitsFirstStatus(configuration: BackupConfiguration | undefined, now: Date): boolean {
  if (!configuration) return false;
  const status = configuration.status;
  const reported = status?.phase !== undefined || (status?.conditions ?? []).length > 0;
  if (reported) return false;
  const created = Date.parse(configuration.metadata.creationTimestamp ?? "");
  return Number.isFinite(created) && now.getTime() - created < FIRST_STATUS_GRACE_MS;
}

/**
 * An older session of the same configuration and session that has not completed
 * (docs/decisions.md#concurrency).
 */
export function olderActiveSibling(
  session: BackupSession,
  siblings: ReadonlyArray<BackupSession>,
): BackupSession | undefined {
  return siblings
    .filter(
      (s) =>
        s.metadata.name !== session.metadata.name &&
        !isBeingDeleted(s) &&
        !isSessionCompleted(backupSessionPhase(s)) &&
        compareSessionsOldestFirst(s, session) < 0,
    )
    .sort(compareSessionsOldestFirst)[0];
}

/** The message of `BackupSkipped=True`, or undefined when the session may run. */
export function skipMessage(input: SkipInput): string | undefined {
  const { session, configuration } = input;
  if (!configuration) return `BackupConfiguration ${configurationName(session)} not found`;
  const sessionConfig = sessionConfigOf(configuration, session);
  if (!sessionConfig) {
    return `BackupConfiguration ${configurationName(session)} has no session ${session.spec.session ?? "(none)"}`;
  }
  if (configuration.spec.paused === true) {
    return `BackupConfiguration ${configurationName(session)} is paused`;
  }
  const phase = backupConfigurationPhase(configuration);
  if (phase !== "Ready") {
    return `BackupConfiguration ${configurationName(session)} is ${phase}: ${notReadyReason(configuration)}`;
  }
  const policy = sessionConfig.scheduler?.concurrencyPolicy ?? "Forbid";
  if (policy === "Forbid") {
    const running = olderActiveSibling(session, input.siblings);
    if (running) {
      return `another backup of session ${sessionConfig.name} is running: BackupSession ${running.metadata.name} (concurrencyPolicy Forbid)`;
    }
  }
  return undefined;
}
