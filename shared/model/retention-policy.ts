import { z } from "zod";
import { Int32, resourceHead, STORAGE_API_VERSION, UsagePolicy } from "./common.ts";
import { RetentionPeriodString } from "./retention-period.ts";

/** storage.kubestash.com/v1alpha1 RetentionPolicy (no status) — field names as in its CRD. */

const Count = Int32.min(0);

export const SuccessfulSnapshotsKeepPolicy = z.looseObject({
  last: Count.optional(),
  hourly: Count.optional(),
  daily: Count.optional(),
  weekly: Count.optional(),
  monthly: Count.optional(),
  yearly: Count.optional(),
});
export type SuccessfulSnapshotsKeepPolicy = z.infer<typeof SuccessfulSnapshotsKeepPolicy>;

export const RetentionPolicy = z.looseObject({
  ...resourceHead(STORAGE_API_VERSION, "RetentionPolicy"),
  spec: z.looseObject({
    maxRetentionPeriod: RetentionPeriodString.optional(),
    usagePolicy: UsagePolicy.optional(),
    successfulSnapshots: SuccessfulSnapshotsKeepPolicy.optional(),
    failedSnapshots: z.looseObject({ last: Count.default(1) }).optional(),
    default: z.boolean().optional(),
  }),
});
export type RetentionPolicy = z.infer<typeof RetentionPolicy>;
