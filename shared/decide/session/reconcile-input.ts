import type { Addon, KubeStashFunction } from "../../model/addon.ts";
import type { BackupConfiguration } from "../../model/backup-configuration.ts";
import type { BackupSession } from "../../model/backup-session.ts";
import type { BackupStorage } from "../../model/backup-storage.ts";
import type { HookTemplate } from "../../model/hook-template.ts";
import type { Job } from "../../model/job.ts";
import type { Repository } from "../../model/repository.ts";
import type { Snapshot } from "../../model/snapshot.ts";
import type { TargetWorkload } from "./executor-components.ts";

/** Everything the session decision reads; the use case lists it. */
export interface SessionReconcileInput {
  /** The BackupSession to reconcile. */
  session: BackupSession;
  /** Its invoker; undefined when it does not exist. */
  configuration: BackupConfiguration | undefined;
  /** The Repositories the configuration's session names (same namespace); others are ignored. */
  repositories: ReadonlyArray<Repository>;
  /** BackupStorages of the cluster: where a repository's data and metadata go. */
  storages: ReadonlyArray<BackupStorage>;
  /** The Snapshots of this session (`spec.backupSession` = its name). */
  snapshots: ReadonlyArray<Snapshot>;
  /**
   * Jobs of this session and of its siblings (labels `kubestash.com/invoker-name` and `-namespace`), in any
   * namespace: a metadata upload runs in its BackupStorage's namespace.
   */
  jobs: ReadonlyArray<Job>;
  /**
   * The configuration's target workload (StatefulSet, DaemonSet, Deployment) with its pods, read only while the
   * session's executor is not ensured yet; undefined otherwise or when the target is not a workload.
   */
  targetWorkload?: TargetWorkload;
  /** The Addon the configuration's session names, if it exists. */
  addon: Addon | undefined;
  /** The Functions the addon tasks and Function-type HookTemplates name. */
  functions: ReadonlyArray<KubeStashFunction>;
  /** The HookTemplates the session's hooks name. */
  hookTemplates: ReadonlyArray<HookTemplate>;
  /** The other BackupSessions of the same configuration and session name (this one, if listed, is ignored). */
  siblings: ReadonlyArray<BackupSession>;
  /** Image that runs Pod- and Operator-type hooks; without it such hooks fail with a clear message. */
  hookRunnerImage?: string;
  /**
   * Keys (`absenceKey`) of the absences the use case read again, directly, for this decision: what those reads
   * found is in the lists above, so what is still missing there is gone (docs/consistency.md#absence-is-confirmed-by-a-fresh-read).
   */
  confirmed?: ReadonlySet<string>;
}
