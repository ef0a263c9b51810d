import type { BackupConfiguration, SessionConfig } from "../../model/backup-configuration.ts";
import type {
  BackupVerificationSession,
  BackupVerificationSessionPhase,
  BackupVerifier,
} from "../../model/backup-verifier.ts";
import type { Condition } from "../../model/common.ts";
import { parseGoDuration } from "../../model/duration.ts";
import { Annotation, Label } from "../../model/labels.ts";
import { toKubeTime } from "../../model/time.ts";
import { VerificationCondition as VC } from "../../model/verification.ts";
import { scheduleOf, upcomingScheduleTime } from "../schedule/due-sessions.ts";
import { verificationScheduleInput } from "../schedule/verification-plan.ts";

/**
 * The fleet view of backup verification (docs/verification.md#visibility): per repository of a
 * configuration's session that names a `backupVerifier`, the newest finished BackupVerificationSession (its
 * result, the Snapshot it restored, when it ended and why it failed or was skipped), the newest Succeeded one
 * (the last verified restore), the one running, and the verifier's next scheduled time. Pure: from the
 * configuration, the verifiers and verification sessions a LIST returned, and `now`.
 *
 * - Order: by when a session was due (its scheduled-time annotation, else its creation, else the unix
 *   seconds its name ends with), then creation, then name — as BackupSessions are ordered. A retry is due
 *   after the session it retries, so the newest result of a retry chain is the retry's.
 * - End: the lastTransitionTime of VerificationSessionHistoryCleaned (the final step), else creation +
 *   `status.duration`, else the newest condition's lastTransitionTime, else the creation (or due) time.
 * - Next: the verifier's `spec.scheduler`, as the schedule engine runs it (the input create-sessions builds,
 *   verificationScheduleInput, through upcomingScheduleTime): none while the configuration is paused or the
 *   scheduler suspended, or when the verifier does not exist.
 */

export type VerificationPhase = BackupVerificationSessionPhase | "New";

export interface VerificationRef {
  name: string;
  phase: VerificationPhase;
  /** The Snapshot restored (`spec.snapshot`), once chosen. */
  snapshot?: string;
  /** When it was due: the scheduled-time annotation, else its creation. */
  time: string;
  /** schedule, trigger or retry. */
  origin?: string;
  duration?: string;
  /** A Failed session a retry was created for. */
  retried?: boolean;
  /** A retry: the session it retried. */
  retryOf?: string;
  /** When it ended (finished sessions only) and how long ago. */
  endedAt?: string;
  ageSeconds?: number;
  /** Failed or Skipped: the condition that says why, its reason and message. */
  condition?: string;
  reason?: string;
  message?: string;
}

export interface RepositoryVerificationView {
  repository: string;
  /** The BackupVerifier the repository entry names (its namespace defaults to the configuration's). */
  verifier: { name: string; namespace: string };
  /** The named BackupVerifier does not exist. */
  verifierMissing?: true;
  /** The verifier's schedule, and why it does not parse. */
  schedule?: string;
  scheduleError?: string;
  /** Why no verification is scheduled: the configuration is paused, or the verifier's scheduler suspended. */
  inactive?: "paused" | "suspended";
  /** The newest finished (Succeeded, Failed or Skipped) verification. */
  lastVerification?: VerificationRef;
  /** The newest Succeeded verification: the last verified restore. */
  lastVerified?: { name: string; endedAt: string; ageSeconds: number; snapshot?: string };
  /** The newest verification not finished yet (New or Running). */
  running?: string;
  /** The verifier's next scheduled time. */
  nextVerification?: string;
  /** BackupVerificationSessions of this repository the cluster holds. */
  kept: number;
}

export interface VerificationViewInput {
  configuration: BackupConfiguration;
  session: SessionConfig;
  /** The BackupVerifiers of the cluster (any namespace). */
  verifiers: readonly BackupVerifier[];
  /** The BackupVerificationSessions of this configuration's session (any repository, any order). */
  verificationSessions: readonly BackupVerificationSession[];
}

const FINISHED: ReadonlySet<VerificationPhase> = new Set(["Succeeded", "Failed", "Skipped"]);
const NUMERIC_SUFFIX = /-(\d+)$/;

function parsed(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** When a verification was due: scheduled-time annotation, else creation, else its name's unix seconds. */
export function verificationTime(session: BackupVerificationSession): Date {
  const meta = session.metadata;
  const fromName = NUMERIC_SUFFIX.exec(meta.name)?.[1];
  const ms =
    parsed(meta.annotations?.[Annotation.ScheduledTime]) ??
    parsed(meta.creationTimestamp) ??
    (fromName !== undefined && fromName.length <= 12 ? Number(fromName) * 1000 : 0);
  return new Date(ms);
}

/** Oldest first: by due time, then creation, then name. */
export function compareVerificationsOldestFirst(
  a: BackupVerificationSession,
  b: BackupVerificationSession,
): number {
  const byTime = verificationTime(a).getTime() - verificationTime(b).getTime();
  if (byTime !== 0) return byTime;
  const created = (parsed(a.metadata.creationTimestamp) ?? 0) - (parsed(b.metadata.creationTimestamp) ?? 0);
  if (created !== 0) return created;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

export function verificationPhaseOf(session: BackupVerificationSession): VerificationPhase {
  return session.status?.phase ?? "New";
}

/** When a finished verification ended (see the module's comment); undefined while it runs. */
export function verificationEndedAt(session: BackupVerificationSession): Date | undefined {
  if (!FINISHED.has(verificationPhaseOf(session))) return undefined;
  const conditions = session.status?.conditions ?? [];
  const cleaned = parsed(conditions.find((c) => c.type === VC.HistoryCleaned)?.lastTransitionTime);
  if (cleaned !== undefined) return new Date(cleaned);
  const created = parsed(session.metadata.creationTimestamp);
  const duration =
    session.status?.duration === undefined ? undefined : parseGoDuration(session.status.duration);
  if (created !== undefined && duration !== undefined && duration >= 0) return new Date(created + duration);
  const newest = conditions.reduce<number | undefined>((best, c) => {
    const at = parsed(c.lastTransitionTime);
    return at !== undefined && (best === undefined || at > best) ? at : best;
  }, undefined);
  return new Date(newest ?? created ?? verificationTime(session).getTime());
}

/** The steps whose False status fails a verification, the root cause first. */
const FAILURE_STEPS: readonly string[] = [
  VC.RestoreSucceeded,
  VC.BackupVerified,
  VC.ExecutorEnsured,
  VC.HistoryCleaned,
];

/**
 * Why a verification failed or was skipped: Skipped — its BackupVerificationSkipped condition; Failed — the
 * first False step of restore, check, verifier Job, history cleanup, else another False condition, else one
 * whose reason starts with "FailedTo".
 */
export function verificationCause(session: BackupVerificationSession): Condition | undefined {
  const conditions = session.status?.conditions ?? [];
  const phase = verificationPhaseOf(session);
  if (phase === "Skipped") return conditions.find((c) => c.type === VC.Skipped && c.status === "True");
  if (phase !== "Failed") return undefined;
  for (const step of FAILURE_STEPS) {
    const found = conditions.find((c) => c.type === step && c.status === "False");
    if (found) return found;
  }
  return (
    conditions.find((c) => c.status === "False" && c.type !== VC.Skipped) ??
    conditions.find((c) => c.reason?.startsWith("FailedTo"))
  );
}

const seconds = (ms: number) => Math.round(ms / 1000);

/** One verification as the view and `kss verify history` show it. */
export function verificationRef(session: BackupVerificationSession, now: Date): VerificationRef {
  const annotations = session.metadata.annotations;
  const status = session.status;
  const ended = verificationEndedAt(session);
  const cause = verificationCause(session);
  const ref: VerificationRef = {
    name: session.metadata.name,
    phase: verificationPhaseOf(session),
    time: toKubeTime(verificationTime(session)),
  };
  if (session.spec.snapshot) ref.snapshot = session.spec.snapshot;
  if (annotations?.[Annotation.Origin]) ref.origin = annotations[Annotation.Origin];
  if (status?.duration !== undefined) ref.duration = status.duration;
  if (status?.retried === true) ref.retried = true;
  if (annotations?.[Annotation.RetryOf]) ref.retryOf = annotations[Annotation.RetryOf];
  if (ended !== undefined) {
    ref.endedAt = toKubeTime(ended);
    ref.ageSeconds = seconds(now.getTime() - ended.getTime());
  }
  if (cause !== undefined) {
    ref.condition = cause.type;
    if (cause.reason) ref.reason = cause.reason;
    if (cause.message) ref.message = cause.message;
  }
  return ref;
}

/** The configuration and session a verification session belongs to: its spec, else its labels. */
export function verificationOwner(session: BackupVerificationSession): {
  namespace: string;
  configuration?: string;
  session?: string;
  repository?: string;
} {
  const labels = session.metadata.labels;
  const invoker = session.spec.invoker;
  const configuration =
    invoker === undefined
      ? labels?.[Label.InvokerName]
      : invoker.kind === "BackupConfiguration"
        ? invoker.name
        : undefined;
  const sessionName = session.spec.session ?? labels?.[Label.SessionName];
  const repository = session.spec.repository ?? labels?.[Label.RepoName];
  return {
    namespace: session.metadata.namespace ?? "default",
    ...(configuration !== undefined ? { configuration } : {}),
    ...(sessionName !== undefined ? { session: sessionName } : {}),
    ...(repository !== undefined ? { repository } : {}),
  };
}

function scheduleFacts(
  input: VerificationViewInput,
  repository: string,
  verifier: BackupVerifier,
  sessions: readonly BackupVerificationSession[],
  now: Date,
): Pick<RepositoryVerificationView, "schedule" | "scheduleError" | "inactive" | "nextVerification"> {
  const scheduler = verifier.spec.scheduler;
  if (scheduler === undefined) return {};
  // The schedule engine's own input for this repository (verification-plan.ts): the same anchor as create-sessions.
  const schedule = verificationScheduleInput(
    input.configuration,
    input.session,
    repository,
    verifier,
    sessions,
    {
      now,
    },
  );
  const result = scheduleOf(schedule);
  if (result === undefined) return {};
  if (!result.ok) return { schedule: scheduler.schedule, scheduleError: result.error };
  if (schedule.paused === true) return { schedule: scheduler.schedule, inactive: "paused" };
  if (scheduler.suspend === true) return { schedule: scheduler.schedule, inactive: "suspended" };
  const next = upcomingScheduleTime(schedule, result.schedule, now);
  return { schedule: scheduler.schedule, ...(next ? { nextVerification: toKubeTime(next) } : {}) };
}

/** The verification view of each repository of `session` that names a verifier (entry order). */
export function sessionVerificationViews(
  input: VerificationViewInput,
  now: Date,
): RepositoryVerificationView[] {
  const namespace = input.configuration.metadata.namespace ?? "default";
  const verifiers = new Map(
    input.verifiers.map((v) => [`${v.metadata.namespace ?? "default"}/${v.metadata.name}`, v]),
  );
  return (input.session.repositories ?? []).flatMap((entry) => {
    const ref = entry.backupVerifier;
    if (ref?.name === undefined || ref.name === "") return [];
    const verifierRef = { name: ref.name, namespace: ref.namespace || namespace };
    const verifier = verifiers.get(`${verifierRef.namespace}/${verifierRef.name}`);
    const sessions = input.verificationSessions
      .filter((s) => verificationOwner(s).repository === entry.name)
      .sort((a, b) => compareVerificationsOldestFirst(b, a));
    const finished = sessions.find((s) => FINISHED.has(verificationPhaseOf(s)));
    const succeeded = sessions.find((s) => verificationPhaseOf(s) === "Succeeded");
    const running = sessions.find((s) => !FINISHED.has(verificationPhaseOf(s)));
    const succeededRef = succeeded && verificationRef(succeeded, now);
    const view: RepositoryVerificationView = {
      repository: entry.name,
      verifier: verifierRef,
      ...(verifier === undefined
        ? { verifierMissing: true as const }
        : scheduleFacts(input, entry.name, verifier, sessions, now)),
      ...(finished ? { lastVerification: verificationRef(finished, now) } : {}),
      ...(succeededRef?.endedAt !== undefined && succeededRef.ageSeconds !== undefined
        ? {
            lastVerified: {
              name: succeededRef.name,
              endedAt: succeededRef.endedAt,
              ageSeconds: succeededRef.ageSeconds,
              ...(succeededRef.snapshot ? { snapshot: succeededRef.snapshot } : {}),
            },
          }
        : {}),
      ...(running ? { running: running.metadata.name } : {}),
      kept: sessions.length,
    };
    return [view];
  });
}
