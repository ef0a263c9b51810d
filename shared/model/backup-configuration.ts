import { z } from "zod";
import {
  CORE_API_VERSION,
  Condition,
  Int32,
  Int64,
  ObjectReference,
  OpenObject,
  resourceHead,
  ruleOnly,
  TypedObjectReference,
} from "./common.ts";
import { GoDuration } from "./duration.ts";

/** core.kubestash.com/v1alpha1 BackupConfiguration — field names as in its CRD. */

export const ConcurrencyPolicy = z.enum(["Allow", "Forbid", "Replace"]);
export type ConcurrencyPolicy = z.infer<typeof ConcurrencyPolicy>;

/** `spec.sessions[].scheduler`: the CronJob that KubeStash would create; we run its schedule ourselves. */
export const SchedulerSpec = z.looseObject({
  schedule: z.string().min(1, "schedule is required"),
  /** The trigger Job's template; required by the CRD, unused by us beyond being kept. */
  jobTemplate: OpenObject,
  startingDeadlineSeconds: Int64.min(0).optional(),
  concurrencyPolicy: ruleOnly(ConcurrencyPolicy, "enum").optional(),
  suspend: z.boolean().optional(),
  successfulJobsHistoryLimit: Int32.min(0).optional(),
  failedJobsHistoryLimit: Int32.min(0).optional(),
});
export type SchedulerSpec = z.infer<typeof SchedulerSpec>;

export const HookExecutionPolicy = z.enum(["Always", "OnSuccess", "OnFailure"]);
export type HookExecutionPolicy = z.infer<typeof HookExecutionPolicy>;

export const HookInfo = z.looseObject({
  name: ruleOnly(z.string().min(1), "required"),
  hookTemplate: ruleOnly(ObjectReference, "required"),
  params: OpenObject.optional(),
  maxRetry: ruleOnly(Int32.min(0).default(0), "default"),
  timeout: GoDuration.optional(),
  executionPolicy: HookExecutionPolicy.default("Always"),
  variables: z.array(OpenObject).optional(),
  volumes: z.array(OpenObject).optional(),
  volumeMounts: z.array(OpenObject).optional(),
  runtimeSettings: OpenObject.optional(),
});
export type HookInfo = z.infer<typeof HookInfo>;

export const TaskReference = z.looseObject({
  name: ruleOnly(z.string().min(1), "required"),
  variables: z.array(OpenObject).optional(),
  params: OpenObject.optional(),
  targetVolumes: OpenObject.optional(),
  addonVolumes: z
    .array(z.looseObject({ name: ruleOnly(z.string(), "required"), source: OpenObject.optional() }))
    .optional(),
});
export type TaskReference = z.infer<typeof TaskReference>;

export const AddonInfo = z.looseObject({
  name: ruleOnly(z.string().min(1), "required"),
  tasks: ruleOnly(z.array(TaskReference).min(1, "at least one task is required"), "required"),
  containerRuntimeSettings: OpenObject.optional(),
  jobTemplate: OpenObject.optional(),
});
export type AddonInfo = z.infer<typeof AddonInfo>;

export const RepositoryInfo = z.looseObject({
  name: ruleOnly(z.string().min(1), "required"),
  backend: z.string().optional(),
  directory: z.string().optional(),
  backupVerifier: ObjectReference.optional(),
  encryptionSecret: ObjectReference.optional(),
  deletionPolicy: z.enum(["Delete", "WipeOut", "Retain"]).optional(),
});
export type RepositoryInfo = z.infer<typeof RepositoryInfo>;

export const RetryConfig = z.looseObject({
  maxRetry: Int32.min(1).default(1),
  delay: GoDuration.optional(),
});
export type RetryConfig = z.infer<typeof RetryConfig>;

export const SessionConfig = z.looseObject({
  name: ruleOnly(z.string().min(1, "session name is required"), "required"),
  scheduler: SchedulerSpec.optional(),
  hooks: z
    .looseObject({ preBackup: z.array(HookInfo).optional(), postBackup: z.array(HookInfo).optional() })
    .optional(),
  retryConfig: RetryConfig.optional(),
  backupTimeout: GoDuration.optional(),
  sessionHistoryLimit: Int32.min(0).default(1),
  addon: AddonInfo.optional(),
  repositories: z.array(RepositoryInfo).optional(),
});
export type SessionConfig = z.infer<typeof SessionConfig>;

export const BackendReference = z.looseObject({
  name: ruleOnly(z.string().min(1), "required"),
  storageRef: ObjectReference.optional(),
  retentionPolicy: ObjectReference.optional(),
});
export type BackendReference = z.infer<typeof BackendReference>;

export const BackupConfigurationPhase = z.enum(["NotReady", "Ready", "Invalid"]);
export type BackupConfigurationPhase = z.infer<typeof BackupConfigurationPhase>;

export const BackupConfigurationStatus = z.looseObject({
  phase: BackupConfigurationPhase.optional(),
  targetFound: z.boolean().optional(),
  backends: z
    .array(
      z.looseObject({
        name: ruleOnly(z.string(), "required"),
        ready: z.boolean().optional(),
        storage: z
          .looseObject({
            ref: ObjectReference.optional(),
            phase: z.string().optional(),
            reason: z.string().optional(),
          })
          .optional(),
        retentionPolicy: z
          .looseObject({
            ref: ObjectReference.optional(),
            found: z.boolean().optional(),
            reason: z.string().optional(),
          })
          .optional(),
      }),
    )
    .optional(),
  repositories: z
    .array(
      z.looseObject({
        name: ruleOnly(z.string(), "required"),
        phase: z.enum(["NotReady", "Ready"]).optional(),
        reason: z.string().optional(),
        verificationConfigured: z.boolean().optional(),
      }),
    )
    .optional(),
  dependencies: z.array(TypedObjectReference.extend({ found: z.boolean().optional() })).optional(),
  sessions: z
    .array(
      z.looseObject({
        name: ruleOnly(z.string(), "required"),
        nextSchedule: z.string().optional(),
        conditions: z.array(Condition).optional(),
      }),
    )
    .optional(),
  conditions: z.array(Condition).optional(),
});
export type BackupConfigurationStatus = z.infer<typeof BackupConfigurationStatus>;

export const BackupConfiguration = z.looseObject({
  ...resourceHead(CORE_API_VERSION, "BackupConfiguration"),
  spec: z.looseObject({
    target: TypedObjectReference.optional(),
    backends: z.array(BackendReference).optional(),
    sessions: z.array(SessionConfig).optional(),
    paused: z.boolean().optional(),
  }),
  status: BackupConfigurationStatus.optional(),
});
export type BackupConfiguration = z.infer<typeof BackupConfiguration>;
