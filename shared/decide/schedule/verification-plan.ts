import type { BackupConfiguration, RepositoryInfo, SessionConfig } from "../../model/backup-configuration.ts";
import type { BackupVerificationSession, BackupVerifier } from "../../model/backup-verifier.ts";
import { VerificationReason } from "../../model/verification.ts";
import { parseCronSchedule } from "./cron.ts";
import {
  decideSessionSchedule,
  type SessionScheduleDecision,
  type SessionScheduleInput,
} from "./due-sessions.ts";
import { withSkipReason } from "./new-session.ts";
import { newVerificationSession } from "./new-verification-session.ts";
import {
  type Creating,
  isCreating,
  lastCreatedAt,
  overdueNotice,
  type SessionPlan,
} from "./schedule-plan.ts";
import { resumedAtOnTick } from "./schedule-state.ts";
import { verificationSubject } from "./schedule-subject.ts";
import type { WindowContext } from "./schedule-windows.ts";
import {
  isActiveSession,
  lastScheduledTime,
  staggerWindowMs,
  windowInputOf,
} from "./session-schedule-input.ts";

/**
 * What one Schedule Tick decides for the verifications of a configuration (docs/verification.md#scheduling):
 * per repository of a session that names a `backupVerifier`, the verifier's scheduler run through the same
 * engine as the session's backups (decideSessionSchedule with a BackupVerificationSession subject: the same
 * CronJob rules, Forbid by default, deadline, no burst, stagger), the BackupVerificationSession to create and
 * the "Verification Overdue" notice. A verifier that does not exist schedules nothing and is said so. Pure:
 * shared/usecases/create-sessions.ts applies it with the backups.
 */

export interface VerificationPlanContext {
  /** BackupVerificationSessions that may belong to the configuration (others are filtered out). */
  verificationSessions: readonly BackupVerificationSession[];
  /** The cluster's default stagger window (registry). */
  defaultStaggerWindowMs?: number;
  /** The cluster's windows (docs/windows.md): verifications follow their session's windows. */
  windows?: WindowContext;
}

/** One repository's verification schedule on this tick. */
export interface VerificationPlan {
  session: SessionConfig;
  repository: RepositoryInfo;
  /** The verifier the repository names (its namespace defaults to the configuration's). */
  verifierRef: { namespace: string; name: string };
  /** When the verifier does not exist: why nothing is scheduled (a Warning Event on the configuration). */
  missingVerifier?: string;
  verifier?: BackupVerifier;
  input?: SessionScheduleInput;
  /** `unscheduled` when the verifier is missing or has no scheduler. */
  decision: SessionScheduleDecision;
  /** When due: the BackupVerificationSession to create and what goes with it. */
  create?: {
    decision: Creating;
    desired: BackupVerificationSession;
    /** Created Skipped (Forbid, an exclusion window, its start window), with this reason. */
    skippedReason?: string;
    /** The Skipped status's condition reason: ConcurrentVerificationRunning or SkippedByScheduleWindow. */
    skippedConditionReason?: string;
    /** Running verifications to mark replaced (Replace). */
    replaces: string[];
  };
  /** "Verification Overdue": the missed run has just become a whole interval late (once per overdue run). */
  overdue?: NonNullable<SessionPlan["overdue"]> & { lastVerified?: Date };
  /** When the verification of `input.lastScheduledTime` was created. */
  lastCreatedAt?: Date;
}

/** The verifications of `configuration`'s session `session` and repository `repository` among `all`. */
export function verificationSessionsOf(
  configuration: BackupConfiguration,
  session: string,
  repository: string,
  all: readonly BackupVerificationSession[],
): BackupVerificationSession[] {
  const namespace = configuration.metadata.namespace;
  return all.filter(
    (s) =>
      s.metadata.namespace === namespace &&
      s.spec.invoker?.kind === "BackupConfiguration" &&
      s.spec.invoker.name === configuration.metadata.name &&
      s.spec.session === session &&
      s.spec.repository === repository,
  );
}

/** The verifier a repository entry names: its namespace defaults to the configuration's. */
export function verifierRefOf(
  configuration: BackupConfiguration,
  repository: RepositoryInfo,
): { namespace: string; name: string } | undefined {
  const ref = repository.backupVerifier;
  if (ref === undefined || ref.name === "") return undefined;
  return { namespace: ref.namespace ?? configuration.metadata.namespace ?? "default", name: ref.name };
}

export function findVerifier(
  verifiers: readonly BackupVerifier[],
  ref: { namespace: string; name: string },
): BackupVerifier | undefined {
  return verifiers.find(
    (v) => (v.metadata.namespace ?? "default") === ref.namespace && v.metadata.name === ref.name,
  );
}

function laterOf(a: Date, b: Date): Date {
  return a > b ? a : b;
}

/**
 * When the newest Succeeded verification among `sessions` ended: the latest transition of its conditions
 * (the status has no completion time); undefined when none succeeded or it cannot be told.
 */
export function lastVerifiedAt(sessions: readonly BackupVerificationSession[]): Date | undefined {
  let newest: Date | undefined;
  for (const s of sessions) {
    if (s.status?.phase !== "Succeeded") continue;
    for (const c of s.status.conditions ?? []) {
      const at = new Date(c.lastTransitionTime);
      if (!Number.isNaN(at.getTime()) && (newest === undefined || at > newest)) newest = at;
    }
  }
  return newest;
}

/**
 * The schedule input of one repository's verifications: the verifier's scheduler, the configuration's pause,
 * the repository's own verifications (last scheduled time, the running ones), the earliest time from the
 * later of the configuration's and the verifier's creation, the configuration's stagger window.
 */
export function verificationScheduleInput(
  configuration: BackupConfiguration,
  session: SessionConfig,
  repository: string,
  verifier: BackupVerifier,
  own: readonly BackupVerificationSession[],
  context: { now: Date; defaultStaggerWindowMs?: number; windows?: WindowContext },
): SessionScheduleInput {
  const scheduler = verifier.spec.scheduler;
  const configCreated = configuration.metadata.creationTimestamp;
  const verifierCreated = verifier.metadata.creationTimestamp;
  const createdAt = configCreated === undefined ? context.now : new Date(configCreated);
  const conditions = configuration.status?.sessions?.find((s) => s.name === session.name)?.conditions;
  return {
    namespace: configuration.metadata.namespace ?? "default",
    configurationName: configuration.metadata.name,
    session: { name: session.name, scheduler },
    subject: verificationSubject(repository),
    paused: configuration.spec.paused === true,
    createdAt: verifierCreated === undefined ? createdAt : laterOf(createdAt, new Date(verifierCreated)),
    lastScheduledTime: lastScheduledTime(own),
    activeSessions: own.filter(isActiveSession).map((s) => ({ name: s.metadata.name })),
    // A paused configuration pauses its verifications too: its resume is theirs.
    resumedAt: resumedAtOnTick(configuration, conditions, context.now),
    staggerWindowMs: staggerWindowMs(configuration) ?? context.defaultStaggerWindowMs,
    ...(scheduler ? { parsedSchedule: parseCronSchedule(scheduler.schedule) } : {}),
    // The session's exclusion windows and start window hold its verifications too (docs/windows.md#verifications).
    ...windowInputOf(configuration, session.name, context.windows),
  };
}

/** Every verified repository's decision on this tick, in `spec.sessions[]` then `repositories[]` order. */
export function planVerificationSchedule(
  configuration: BackupConfiguration,
  verifiers: readonly BackupVerifier[],
  context: VerificationPlanContext,
  now: Date,
): VerificationPlan[] {
  const plans: VerificationPlan[] = [];
  for (const session of configuration.spec.sessions ?? []) {
    for (const repository of session.repositories ?? []) {
      const verifierRef = verifierRefOf(configuration, repository);
      if (verifierRef === undefined) continue;
      const verifier = findVerifier(verifiers, verifierRef);
      if (verifier === undefined) {
        plans.push({
          session,
          repository,
          verifierRef,
          decision: { action: "unscheduled" },
          missingVerifier: `BackupVerifier ${verifierRef.namespace}/${verifierRef.name} of repository "${repository.name}" (session "${session.name}") does not exist: its verifications are not scheduled`,
        });
        continue;
      }
      const own = verificationSessionsOf(
        configuration,
        session.name,
        repository.name,
        context.verificationSessions,
      );
      const input = verificationScheduleInput(configuration, session, repository.name, verifier, own, {
        now,
        defaultStaggerWindowMs: context.defaultStaggerWindowMs,
        ...(context.windows ? { windows: context.windows } : {}),
      });
      const decision = decideSessionSchedule(input, now);
      const plan: VerificationPlan = { session, repository, verifierRef, verifier, input, decision };
      const created = lastCreatedAt(own, input.lastScheduledTime);
      if (created) plan.lastCreatedAt = created;
      if (isCreating(decision)) {
        plan.create = {
          decision,
          desired: withSkipReason(
            newVerificationSession({
              configuration,
              session: session.name,
              repository: repository.name,
              verifier,
              scheduledTime: decision.scheduledTime,
              origin: "schedule",
            }),
            decision.action === "skip-create" ? decision.reason : undefined,
          ),
          ...(decision.action === "skip-create"
            ? {
                skippedReason: decision.reason,
                skippedConditionReason:
                  decision.window !== undefined || decision.expired === true
                    ? VerificationReason.ScheduleWindow
                    : VerificationReason.ConcurrentVerification,
              }
            : {}),
          replaces: decision.action === "replace" ? decision.replaces : [],
        };
      }
      if (decision.action === "missed-deadline") {
        const overdue = overdueNotice(input, now);
        const lastVerified = lastVerifiedAt(own);
        if (overdue) plan.overdue = { ...overdue, ...(lastVerified ? { lastVerified } : {}) };
      }
      plans.push(plan);
    }
  }
  return plans;
}
