import { z } from "zod";
import { AddonInfo, HookInfo } from "./backup-configuration.ts";
import { HookExecutionStatus } from "./backup-session.ts";
import {
  CORE_API_VERSION,
  Condition,
  Int32,
  Int64,
  ObjectReference,
  OpenObject,
  resourceHead,
  Time,
  TypedObjectReference,
} from "./common.ts";
import { GoDuration } from "./duration.ts";

/**
 * core.kubestash.com/v1alpha1 RestoreSession — every spec and status field of its CRD
 * (docs/model.md#restoresession). A restore of a repository's Snapshot into a target by an addon's restore
 * task; KubeStash's operator also creates one to verify a backup (a BackupVerifier's `restoreOption`).
 */

export const RestorePhase = z.enum(["Pending", "Running", "Failed", "Succeeded", "Invalid", "Unknown"]);
export type RestorePhase = z.infer<typeof RestorePhase>;

export const RestoreDataSource = z.looseObject({
  namespace: z.string().optional(),
  repository: z.string().optional(),
  /** A Snapshot name, or `latest`. */
  snapshot: z.string().optional(),
  pitr: z.looseObject({ targetTime: Time.optional(), exclusive: z.boolean().optional() }).optional(),
  components: z.array(z.string()).optional(),
  encryptionSecret: ObjectReference.optional(),
});
export type RestoreDataSource = z.infer<typeof RestoreDataSource>;

export const ComponentRestoreStatus = z.looseObject({
  phase: RestorePhase.optional(),
  duration: z.string().optional(),
  error: z.string().optional(),
  progress: z
    .looseObject({
      totalFiles: Int64.optional(),
      filesDone: Int64.optional(),
      total: z.string().optional(),
      restoreDone: z.string().optional(),
      percentDone: z.string().optional(),
      speed: z.string().optional(),
      secondsElapsed: Int64.optional(),
    })
    .optional(),
});
export type ComponentRestoreStatus = z.infer<typeof ComponentRestoreStatus>;

export const RestoreSession = z.looseObject({
  ...resourceHead(CORE_API_VERSION, "RestoreSession"),
  spec: z.looseObject({
    target: TypedObjectReference.optional(),
    dataSource: RestoreDataSource.optional(),
    addon: AddonInfo.optional(),
    hooks: z
      .looseObject({ preRestore: z.array(HookInfo).optional(), postRestore: z.array(HookInfo).optional() })
      .optional(),
    restoreTimeout: GoDuration.optional(),
    /** Per database kind: what to restore of its manifests (KubeDB); kept whole. */
    manifestOptions: OpenObject.optional(),
  }),
  status: z
    .looseObject({
      phase: RestorePhase.optional(),
      targetFound: z.boolean().optional(),
      totalComponents: Int32.optional(),
      components: z.record(z.string(), ComponentRestoreStatus).optional(),
      restoreDeadline: Time.optional(),
      duration: z.string().optional(),
      hooks: z
        .looseObject({
          preHooks: z.array(HookExecutionStatus).optional(),
          postHooks: z.array(HookExecutionStatus).optional(),
        })
        .optional(),
      dependencies: z
        .array(
          z.looseObject({
            apiGroup: z.string().optional(),
            kind: z.string().optional(),
            name: z.string(),
            namespace: z.string().optional(),
            found: z.boolean().optional(),
          }),
        )
        .optional(),
      pausedBackups: z.array(TypedObjectReference).optional(),
      conditions: z.array(Condition).optional(),
    })
    .optional(),
});
export type RestoreSession = z.infer<typeof RestoreSession>;
