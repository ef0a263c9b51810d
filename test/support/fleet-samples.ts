import type { BackupConfiguration, SessionConfig } from "../../shared/model/backup-configuration.ts";
import type { BackupSession, BackupSessionStatus } from "../../shared/model/backup-session.ts";
import type {
  BackupVerificationSession,
  BackupVerificationSessionPhase,
  BackupVerifier,
} from "../../shared/model/backup-verifier.ts";
import type { Condition } from "../../shared/model/common.ts";
import { Annotation, Label } from "../../shared/model/labels.ts";
import type { Repository } from "../../shared/model/repository.ts";
import type { Snapshot, SnapshotPhase } from "../../shared/model/snapshot.ts";
import { toKubeTime } from "../../shared/model/time.ts";
import { VerificationAnnotation, VerificationCondition } from "../../shared/model/verification.ts";

/**
 * Objects for the fleet view's tables, anchored on a fixed clock: Thursday 2026-11-26 12:30 UTC. Times are
 * given as offsets from {@link NOW} (negative = before) so a row reads as a scenario.
 */

export const NOW = new Date("2026-11-26T12:30:00Z");
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const NAMESPACE = "apps";

export const ago = (ms: number) => new Date(NOW.getTime() - ms);
export const utc = (text: string) => new Date(text);
export const kube = toKubeTime;

export interface ConfigOptions {
  schedule?: string;
  createdAt?: Date;
  paused?: boolean;
  suspend?: boolean;
  /** When scheduling resumed (ScheduleActive=True, reason Resumed). */
  resumedAt?: Date;
  repositories?: string[];
  /** Repository → the BackupVerifier its entry names (`backupVerifier.name`). */
  verifiers?: Record<string, string>;
  phase?: "Ready" | "NotReady" | "Invalid";
  namespace?: string;
  session?: Partial<SessionConfig>;
}

export function configuration(name: string, options: ConfigOptions = {}): BackupConfiguration {
  const namespace = options.namespace ?? NAMESPACE;
  const resumed = options.resumedAt;
  return {
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "BackupConfiguration",
    metadata: { name, namespace, creationTimestamp: kube(options.createdAt ?? ago(7 * DAY)) },
    spec: {
      target: { kind: "PersistentVolumeClaim", name: `${name}-data`, namespace },
      paused: options.paused,
      sessions: [
        {
          name: "backup",
          sessionHistoryLimit: 5,
          scheduler: {
            schedule: options.schedule ?? "0 * * * *",
            jobTemplate: {},
            ...(options.suspend ? { suspend: true } : {}),
          },
          repositories: (options.repositories ?? ["repo"]).map((r) => ({
            name: r,
            backend: "s3",
            ...(options.verifiers?.[r] ? { backupVerifier: { name: options.verifiers[r] } } : {}),
          })),
          ...options.session,
        },
      ],
    },
    status: {
      ...(options.phase ? { phase: options.phase } : {}),
      ...(resumed
        ? {
            sessions: [
              {
                name: "backup",
                conditions: [
                  {
                    type: "ScheduleActive",
                    status: "True" as const,
                    reason: "Resumed",
                    lastTransitionTime: kube(resumed),
                  },
                ],
              },
            ],
          }
        : {}),
    },
  };
}

export interface SessionOptions {
  phase?: BackupSessionStatus["phase"];
  origin?: "schedule" | "trigger" | "retry";
  /** Created this long after it was due (default 5 s). */
  lagMs?: number;
  duration?: string;
  retention?: BackupSessionStatus["retentionPolicy"];
  namespace?: string;
  session?: string;
  /** A retry of this session (the retry-of annotation; origin retry unless given). */
  retryOf?: string;
  /** A retry was created for it (`status.retried`). */
  retried?: boolean;
  nextRetry?: Date;
}

let sequence = 0;

/** A BackupSession of `config`'s session "backup", due at `due`. */
export function session(config: string, due: Date, options: SessionOptions = {}): BackupSession {
  sequence++;
  const origin = options.origin ?? (options.retryOf ? "retry" : "schedule");
  const suffix = origin === "schedule" ? String(due.getTime() / 1000) : `${origin}-${sequence}`;
  const created = new Date(due.getTime() + (options.lagMs ?? 5_000));
  return {
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "BackupSession",
    metadata: {
      name: `${config}-backup-${suffix}`,
      namespace: options.namespace ?? NAMESPACE,
      creationTimestamp: kube(created),
      annotations: {
        [Annotation.ScheduledTime]: kube(due),
        [Annotation.Origin]: origin,
        ...(options.retryOf ? { [Annotation.RetryOf]: options.retryOf } : {}),
      },
    },
    spec: {
      invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: config },
      session: options.session ?? "backup",
    },
    status: {
      ...(options.phase ? { phase: options.phase } : {}),
      ...(options.duration ? { duration: options.duration } : {}),
      ...(options.retention ? { retentionPolicy: options.retention } : {}),
      ...(options.retried ? { retried: true } : {}),
      ...(options.nextRetry ? { nextRetry: kube(options.nextRetry) } : {}),
    },
  };
}

/** A Snapshot of `config`'s session "backup" in `repository`, taken at `takenAt`. */
export function snapshot(
  config: string,
  repository: string,
  takenAt: Date,
  phase: SnapshotPhase = "Succeeded",
): Snapshot {
  sequence++;
  return {
    apiVersion: "storage.kubestash.com/v1alpha1",
    kind: "Snapshot",
    metadata: { name: `${repository}-${config}-${sequence}`, namespace: NAMESPACE },
    spec: {
      repository,
      session: "backup",
      backupSession: `${config}-backup-${takenAt.getTime() / 1000}`,
      appRef: { kind: "PersistentVolumeClaim", name: `${config}-data`, namespace: NAMESPACE },
      deletionPolicy: "Delete",
    },
    status: { phase, snapshotTime: kube(takenAt) },
  };
}

export function repository(name: string): Repository {
  return {
    apiVersion: "storage.kubestash.com/v1alpha1",
    kind: "Repository",
    metadata: { name, namespace: NAMESPACE },
    spec: { deletionPolicy: "Delete" },
  };
}

/** A BackupVerifier in {@link NAMESPACE} on `schedule` (daily at 03:00 unless given). */
export function verifier(
  name: string,
  options: { schedule?: string; suspend?: boolean; namespace?: string } = {},
): BackupVerifier {
  return {
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "BackupVerifier",
    metadata: { name, namespace: options.namespace ?? NAMESPACE, creationTimestamp: kube(ago(7 * DAY)) },
    spec: {
      restoreOption: { target: { kind: "PersistentVolumeClaim", name: "scratch" } },
      scheduler: {
        schedule: options.schedule ?? "0 3 * * *",
        jobTemplate: {},
        ...(options.suspend ? { suspend: true } : {}),
      },
      type: "RestoreOnly",
      sessionHistoryLimit: 5,
    },
  };
}

export interface VerificationOptions {
  phase?: BackupVerificationSessionPhase;
  origin?: "schedule" | "trigger" | "retry";
  snapshot?: string;
  /** `status.duration`; the session is created 5 s after it was due. */
  duration?: string;
  /** When its final step (VerificationSessionHistoryCleaned) happened. */
  cleanedAt?: Date;
  conditions?: Condition[];
  retried?: boolean;
  retryOf?: string;
  session?: string;
}

/** A BackupVerificationSession of `config`'s session "backup" for `repository`, due at `due`. */
export function verificationSession(
  config: string,
  repository: string,
  due: Date,
  options: VerificationOptions = {},
): BackupVerificationSession {
  const sessionName = options.session ?? "backup";
  const origin = options.origin ?? (options.retryOf ? "retry" : "schedule");
  const cleaned: Condition[] = options.cleanedAt
    ? [
        {
          type: VerificationCondition.HistoryCleaned,
          status: "True",
          reason: "SuccessfullyCleanedVerificationSessionHistory",
          lastTransitionTime: kube(options.cleanedAt),
        },
      ]
    : [];
  return {
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "BackupVerificationSession",
    metadata: {
      name: `${repository}-${sessionName}-${due.getTime() / 1000}`,
      namespace: NAMESPACE,
      creationTimestamp: kube(new Date(due.getTime() + 5_000)),
      labels: {
        [Label.InvokerName]: config,
        [Label.SessionName]: sessionName,
        [Label.RepoName]: repository,
      },
      annotations: {
        [Annotation.ScheduledTime]: kube(due),
        [Annotation.Origin]: origin,
        [VerificationAnnotation.Verifier]: `${NAMESPACE}/verify-${repository}`,
        ...(options.retryOf ? { [Annotation.RetryOf]: options.retryOf } : {}),
      },
    },
    spec: {
      invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: config },
      session: sessionName,
      repository,
      ...(options.snapshot ? { snapshot: options.snapshot } : {}),
    },
    status: {
      ...(options.phase ? { phase: options.phase } : {}),
      ...(options.duration ? { duration: options.duration } : {}),
      ...(options.retried ? { retried: true } : {}),
      ...(options.conditions || options.cleanedAt
        ? { conditions: [...(options.conditions ?? []), ...cleaned] }
        : {}),
    },
  };
}
