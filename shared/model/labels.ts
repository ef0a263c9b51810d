/**
 * Label, annotation and finalizer keys KubeStash puts on the objects it creates
 * (docs/model.md#backupsession-metadata, docs/model.md#snapshot-name-and-labels).
 */

export const Label = {
  ManagedBy: "app.kubernetes.io/managed-by",
  Component: "app.kubernetes.io/component",
  InvokerKind: "kubestash.com/invoker-kind",
  InvokerName: "kubestash.com/invoker-name",
  InvokerNamespace: "kubestash.com/invoker-namespace",
  SessionName: "kubestash.com/session-name",
  App: "kubestash.com/app",
  RepoName: "kubestash.com/repo-name",
  AppRefKind: "kubestash.com/app-ref-kind",
  AppRefNamespace: "kubestash.com/app-ref-namespace",
  AppRefName: "kubestash.com/app-ref-name",
} as const;

/** The value of `app.kubernetes.io/managed-by` on everything KubeStash (and so we) create. */
export const MANAGED_BY = "kubestash.com";

/** `app.kubernetes.io/component` of the Jobs made for a session: KubeStash's values, and ours for the metadata upload. */
export const JobComponent = {
  Backup: "kubestash-backup",
  Hook: "kubestash-hook",
  Cleaner: "kubestash-cleaner",
  SnapshotMetadata: "kubestash-snapshot-metadata",
} as const;
export type JobComponent = (typeof JobComponent)[keyof typeof JobComponent];

/** Finalizer on BackupSessions: their Jobs are cleaned before the object goes. */
export const CLEANUP_FINALIZER = "kubestash.com/cleanup";

/** Our own annotations (prefix `serverless.kubestash.com/`), where KubeStash has no key of its own. */
export const Annotation = {
  /** The scheduled time a session was created for (RFC 3339), so lag and catch-up can be measured. */
  ScheduledTime: "serverless.kubestash.com/scheduled-time",
  /** Id of the external trigger request that created a session (idempotency key). */
  TriggerRequestId: "serverless.kubestash.com/trigger-request-id",
  /** The session a retry was created for. */
  RetryOf: "serverless.kubestash.com/retry-of",
  /** Why the session exists: `schedule`, `trigger` or `retry`. */
  Origin: "serverless.kubestash.com/origin",
  /** On a running session that concurrencyPolicy Replace displaced: the session that replaces it. */
  ReplacedBy: "serverless.kubestash.com/replaced-by",
  /** Opt-in staggering window for sessions that fall due in the same minute, e.g. "10m". */
  StaggerWindow: "serverless.kubestash.com/stagger-window",
  /**
   * On a BackupSession or Snapshot the KubeStash operator made: when `kss migrate` handed it to the functions
   * (RFC 3339; docs/migration.md#adoption).
   */
  AdoptedFromOperator: "serverless.kubestash.com/adopted-from-operator",
  /**
   * On a BackupSession or BackupVerificationSession created Skipped (Forbid, a Skip window, an expired start
   * window): why, written with the object itself, so whoever reads it before its Skipped status is written
   * marks it Skipped too and never starts it (docs/decisions.md#created-skipped).
   */
  SkipReason: "serverless.kubestash.com/skip-reason",
  /**
   * On a BackupConfiguration: the recovery-point objective of all its sessions, a duration such as `26h` or
   * `2d` (docs/rpo.md#targets). `rpo-target.<session>` sets one session's ({@link rpoTargetAnnotation}).
   */
  RpoTarget: "serverless.kubestash.com/rpo-target",
  /** On a BackupConfiguration: the RPO risk level (2–5) from which "RPO At Risk" is announced (default 3). */
  RpoAlarmLevel: "serverless.kubestash.com/rpo-alarm-level",
  /** On a BackupConfiguration `kss pause` paused: who paused it (docs/pause.md#the-record). */
  PausedBy: "serverless.kubestash.com/paused-by",
  /** Why it was paused: `kss pause --reason`. */
  PauseReason: "serverless.kubestash.com/pause-reason",
  /** When it was paused (RFC 3339). */
  PausedAt: "serverless.kubestash.com/paused-at",
  /** On a BackupConfiguration `kss resume` resumed: who resumed it (kept until the next pause). */
  ResumedBy: "serverless.kubestash.com/resumed-by",
  /** When it was resumed (RFC 3339). */
  ResumedAt: "serverless.kubestash.com/resumed-at",
  /** Why it was resumed: `kss resume --reason`, when given. */
  ResumeReason: "serverless.kubestash.com/resume-reason",
  /**
   * On a BackupConfiguration: how long after its (staggered, window-moved) start a scheduled run may still
   * start, e.g. "2h"; later it is created Skipped (docs/windows.md#start-window). `start-window.<session>`
   * sets one session's ({@link startWindowAnnotation}).
   */
  StartWindow: "serverless.kubestash.com/start-window",
  /** On a BackupConfiguration: a YAML or JSON list of exclusion windows (docs/windows.md#formats). */
  ExclusionWindows: "serverless.kubestash.com/exclusion-windows",
} as const;

/** The annotation with one session's start window: `serverless.kubestash.com/start-window.<session>`. */
export function startWindowAnnotation(session: string): string {
  return `${Annotation.StartWindow}.${session}`;
}

/**
 * Our label on what the functions have finished with (docs/costs.md#the-sweep-lists-only-what-is-unfinished): a
 * settled BackupSession (terminal, no retry owed), then its Snapshots and Jobs. The sweep lists only objects
 * without it ({@link UNFINISHED_SELECTOR}); set by shared/usecases/settle-session.ts.
 */
export const COMPLETED_LABEL = "serverless.kubestash.com/completed";

/** Matches objects not (yet) labelled completed: unfinished ones, and any made before the label existed. */
export const UNFINISHED_SELECTOR = `${COMPLETED_LABEL}!=true`;

/**
 * Our label on a Namespace, PersistentVolumeClaim, Deployment, StatefulSet or DaemonSet that needs no backup:
 * with the value {@link NO_BACKUP} `kss coverage` and the dashboard's coverage page do not list it as uncovered
 * (docs/coverage.md#exclusions).
 */
export const BACKUP_LABEL = "serverless.kubestash.com/backup";
/** The value of {@link BACKUP_LABEL} that marks an object as not needing backup. */
export const NO_BACKUP = "false";

/**
 * Labels tying a Job to the BackupSession it serves, as KubeStash's operator puts them (its OffshootLabels plus
 * the component; docs/operator-contract.md#executor-job): exactly these five.
 */
export function sessionOffshootLabels(session: {
  name: string;
  namespace: string;
  sessionName: string;
  component: JobComponent;
}): Record<string, string> {
  return {
    [Label.Component]: session.component,
    [Label.ManagedBy]: MANAGED_BY,
    [Label.InvokerName]: session.name,
    [Label.InvokerNamespace]: session.namespace,
    [Label.SessionName]: session.sessionName,
  };
}

/** Labels on a BackupSession: which configuration and session invoked it, so they can be listed by selector. */
export function backupSessionLabels(invoker: {
  kind: string;
  name: string;
  sessionName: string;
}): Record<string, string> {
  return {
    [Label.ManagedBy]: MANAGED_BY,
    [Label.InvokerKind]: invoker.kind,
    [Label.InvokerName]: invoker.name,
    [Label.SessionName]: invoker.sessionName,
  };
}

/**
 * The value of `app.kubernetes.io/managed-by` on what only this project creates and KubeStash has no
 * counterpart of (the executor's ServiceAccount and RoleBindings, docs/executor-rbac.md).
 */
export const SERVERLESS_MANAGED_BY = "kubestash-serverless";

/** The annotation with one session's RPO target: `serverless.kubestash.com/rpo-target.<session>` (docs/rpo.md#targets). */
export function rpoTargetAnnotation(session: string): string {
  return `${Annotation.RpoTarget}.${session}`;
}
