import type { BackupConfiguration } from "../../model/backup-configuration.ts";
import type { BackupVerificationSession, BackupVerifier } from "../../model/backup-verifier.ts";
import { CORE_API_VERSION, GROUP_CORE } from "../../model/common.ts";
import { setCondition } from "../../model/conditions.ts";
import type { SessionOrigin } from "../../model/events/backup-session-created.ts";
import { Annotation, CLEANUP_FINALIZER, Label, MANAGED_BY } from "../../model/labels.ts";
import { toKubeTime } from "../../model/time.ts";
import {
  VerificationAnnotation,
  VerificationCondition,
  VerificationReason,
  verificationSessionName,
} from "../../model/verification.ts";
import { configurationOwnerReferences } from "./new-session.ts";

/**
 * The BackupVerificationSession KubeStash's `trigger-verifier` CronJob would create for one repository of a
 * configuration's session (docs/verification.md#scheduling): named `<repository>-<session>-<unix>` from the
 * scheduled (or requested) time; the invoker labels plus the repository; owned by the configuration
 * (controller); the cleanup finalizer; our annotations saying when it was due, why it exists and which
 * verifier it runs. The spec names the invoker, session and repository, `retryLeft` from the verifier's
 * retryConfig, and a Snapshot only when a trigger asked for one.
 */
export interface NewVerificationSessionInput {
  configuration: BackupConfiguration;
  /** The configuration's session (`spec.sessions[].name`). */
  session: string;
  /** The repository entry of that session whose backups are verified. */
  repository: string;
  /** The repository's BackupVerifier. */
  verifier: BackupVerifier;
  /** The scheduled time (schedule), the request time (trigger) or the retry's due time. */
  scheduledTime: Date;
  origin: SessionOrigin;
  /** The trigger request that asked for it (origin `trigger`). */
  requestId?: string;
  /** A Snapshot the trigger named, instead of the newest Succeeded one. */
  snapshot?: string;
  /** Retries carry the previous session's retryLeft − 1; others start at the verifier's maxRetry (or 0). */
  retryLeft?: number;
}

/** Labels on a BackupVerificationSession: its configuration, session and repository, for selectors. */
export function verificationSessionLabels(
  configuration: string,
  session: string,
  repository: string,
): Record<string, string> {
  return {
    [Label.ManagedBy]: MANAGED_BY,
    [Label.InvokerKind]: "BackupConfiguration",
    [Label.InvokerName]: configuration,
    [Label.SessionName]: session,
    [Label.RepoName]: repository,
  };
}

/** `<namespace>/<name>` of a verifier, as the Verifier annotation and the events name it. */
export function verifierKey(verifier: BackupVerifier): string {
  return `${verifier.metadata.namespace ?? "default"}/${verifier.metadata.name}`;
}

export function newVerificationSession(input: NewVerificationSessionInput): BackupVerificationSession {
  const { configuration, verifier } = input;
  const meta = configuration.metadata;
  const retry = verifier.spec.retryConfig;
  return {
    apiVersion: CORE_API_VERSION,
    kind: "BackupVerificationSession",
    metadata: {
      name: verificationSessionName(input.repository, input.session, input.scheduledTime),
      namespace: meta.namespace,
      labels: verificationSessionLabels(meta.name, input.session, input.repository),
      annotations: {
        [Annotation.ScheduledTime]: toKubeTime(input.scheduledTime),
        [Annotation.Origin]: input.origin,
        [VerificationAnnotation.Verifier]: verifierKey(verifier),
        ...(input.requestId !== undefined ? { [Annotation.TriggerRequestId]: input.requestId } : {}),
      },
      ownerReferences: configurationOwnerReferences(configuration),
      finalizers: [CLEANUP_FINALIZER],
    },
    spec: {
      invoker: { apiGroup: GROUP_CORE, kind: "BackupConfiguration", name: meta.name },
      session: input.session,
      repository: input.repository,
      retryLeft: input.retryLeft ?? (retry ? retry.maxRetry : 0),
      ...(input.snapshot !== undefined ? { snapshot: input.snapshot } : {}),
    },
  };
}

/**
 * Status of a verification created Skipped because another one runs (concurrencyPolicy Forbid):
 * `BackupVerificationSkipped=True`, reason ConcurrentVerificationRunning, phase Skipped. A verification an
 * exclusion window or its start window skips has reason SkippedByScheduleWindow (docs/windows.md#verifications).
 */
export function concurrentVerificationSkippedStatus(
  current: BackupVerificationSession["status"],
  message: string,
  now: Date,
  reason: string = VerificationReason.ConcurrentVerification,
): NonNullable<BackupVerificationSession["status"]> {
  return {
    ...current,
    phase: "Skipped",
    conditions: setCondition(
      current?.conditions,
      {
        type: VerificationCondition.Skipped,
        status: "True",
        reason,
        message,
      },
      now,
    ),
  };
}
