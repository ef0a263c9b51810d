import type { BackupConfiguration, SessionConfig } from "../../model/backup-configuration.ts";
import type { BackupSession } from "../../model/backup-session.ts";
import { CORE_API_VERSION, GROUP_CORE } from "../../model/common.ts";
import { BackupSessionCondition, BackupSessionReason, setCondition } from "../../model/conditions.ts";
import type { SessionOrigin } from "../../model/events/backup-session-created.ts";
import { Annotation, backupSessionLabels, CLEANUP_FINALIZER } from "../../model/labels.ts";
import { toKubeTime } from "../../model/time.ts";

/**
 * The BackupSession KubeStash's trigger Job would create for a configuration's session
 * (docs/model.md#backupsession-fields, docs/model.md#backupsession-metadata;
 * docs/decisions.md#retry-bookkeeping): invoker, session, retryLeft and backupTimeout in the spec; the
 * invoker labels; owned by the configuration (controller); the cleanup finalizer; and our annotations saying
 * when it was due and why it exists.
 */
export interface NewSessionInput {
  configuration: BackupConfiguration;
  session: SessionConfig;
  name: string;
  scheduledTime: Date;
  origin: SessionOrigin;
  /** Retries carry the previous session's retryLeft − 1; others start at retryConfig.maxRetry. */
  retryLeft?: number;
  annotations?: Record<string, string>;
}

/** Owned by its configuration (controller), as KubeStash's trigger Job makes both kinds; none without a uid. */
export function configurationOwnerReferences(configuration: BackupConfiguration) {
  const meta = configuration.metadata;
  return meta.uid
    ? [
        {
          apiVersion: CORE_API_VERSION,
          kind: "BackupConfiguration",
          name: meta.name,
          uid: meta.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]
    : undefined;
}

export function newBackupSession(input: NewSessionInput): BackupSession {
  const { configuration, session } = input;
  const meta = configuration.metadata;
  return {
    apiVersion: CORE_API_VERSION,
    kind: "BackupSession",
    metadata: {
      name: input.name,
      namespace: meta.namespace,
      labels: backupSessionLabels({
        kind: "BackupConfiguration",
        name: meta.name,
        sessionName: session.name,
      }),
      annotations: {
        [Annotation.ScheduledTime]: toKubeTime(input.scheduledTime),
        [Annotation.Origin]: input.origin,
        ...input.annotations,
      },
      ownerReferences: configurationOwnerReferences(configuration),
      finalizers: [CLEANUP_FINALIZER],
    },
    spec: {
      invoker: { apiGroup: GROUP_CORE, kind: "BackupConfiguration", name: meta.name },
      session: session.name,
      retryLeft: input.retryLeft ?? session.retryConfig?.maxRetry ?? 0,
      ...(session.backupTimeout ? { backupTimeout: session.backupTimeout } : {}),
    },
  };
}

/** Status of a session that must not run: `BackupSkipped=True`, reason PreRequisitesNotSatisfied, phase Skipped. */
export function skippedStatus(
  current: BackupSession["status"],
  message: string,
  now: Date,
): NonNullable<BackupSession["status"]> {
  return {
    ...current,
    phase: "Skipped",
    conditions: setCondition(
      current?.conditions,
      {
        type: BackupSessionCondition.BackupSkipped,
        status: "True",
        reason: BackupSessionReason.PreRequisitesNotSatisfied,
        message,
      },
      now,
    ),
  };
}

/**
 * `object` carrying the reason it is created Skipped in its `skip-reason` annotation, so that whoever finds it
 * without a phase (its status write failed) marks it Skipped and never starts it
 * (docs/decisions.md#created-skipped). Unchanged when `reason` is undefined.
 */
export function withSkipReason<T extends { metadata: { annotations?: Record<string, string> } }>(
  object: T,
  reason: string | undefined,
): T {
  if (reason === undefined) return object;
  const annotations = { ...object.metadata.annotations, [Annotation.SkipReason]: reason };
  return { ...object, metadata: { ...object.metadata, annotations } };
}
