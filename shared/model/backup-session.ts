import { z } from "zod";
import {
  CORE_API_VERSION,
  Condition,
  Int32,
  ObjectReference,
  resourceHead,
  ruleOnly,
  Time,
  TypedObjectReference,
} from "./common.ts";
import { GoDuration } from "./duration.ts";
import { SnapshotPhase } from "./snapshot.ts";

/** core.kubestash.com/v1alpha1 BackupSession — every spec and status field of its CRD. */

export const BackupSessionPhase = z.enum(["Pending", "Running", "Succeeded", "Failed", "Skipped"]);
export type BackupSessionPhase = z.infer<typeof BackupSessionPhase>;

export const HookPhase = z.enum(["Succeeded", "Failed", "Pending"]);
export type HookPhase = z.infer<typeof HookPhase>;

export const HookExecutionStatus = z.looseObject({
  name: ruleOnly(z.string(), "required"),
  phase: HookPhase.optional(),
});
export type HookExecutionStatus = z.infer<typeof HookExecutionStatus>;

export const RetentionPolicyApplyPhase = z.enum(["Pending", "Applied", "FailedToApply"]);
export type RetentionPolicyApplyPhase = z.infer<typeof RetentionPolicyApplyPhase>;

export const RetentionPolicyApplyStatus = z.looseObject({
  ref: ObjectReference.optional(),
  repository: z.string().optional(),
  phase: RetentionPolicyApplyPhase.optional(),
  error: z.string().optional(),
});
export type RetentionPolicyApplyStatus = z.infer<typeof RetentionPolicyApplyStatus>;

export const SnapshotStatusRef = z.looseObject({
  name: ruleOnly(z.string(), "required"),
  phase: SnapshotPhase.optional(),
  appRef: TypedObjectReference.optional(),
  repository: z.string().optional(),
});
export type SnapshotStatusRef = z.infer<typeof SnapshotStatusRef>;

export const BackupSessionStatus = z.looseObject({
  phase: BackupSessionPhase.optional(),
  duration: z.string().optional(),
  backupDeadline: Time.optional(),
  totalSnapshots: Int32.optional(),
  snapshots: z.array(SnapshotStatusRef).optional(),
  hooks: z
    .looseObject({
      preHooks: z.array(HookExecutionStatus).optional(),
      postHooks: z.array(HookExecutionStatus).optional(),
    })
    .optional(),
  retentionPolicy: z.array(RetentionPolicyApplyStatus).optional(),
  retried: z.boolean().optional(),
  nextRetry: Time.optional(),
  conditions: z.array(Condition).optional(),
});
export type BackupSessionStatus = z.infer<typeof BackupSessionStatus>;

export const Invoker = z.looseObject({
  apiGroup: z.string().optional(),
  kind: z.string().min(1),
  name: z.string().min(1),
});
export type Invoker = z.infer<typeof Invoker>;

export const BackupSession = z.looseObject({
  ...resourceHead(CORE_API_VERSION, "BackupSession"),
  spec: z.looseObject({
    invoker: Invoker.optional(),
    session: z.string().optional(),
    retryLeft: Int32.min(0).optional(),
    backupTimeout: GoDuration.optional(),
  }),
  status: BackupSessionStatus.optional(),
});
export type BackupSession = z.infer<typeof BackupSession>;
