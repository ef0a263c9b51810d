import { z } from "zod";
import { Time } from "../common.ts";
import { DetailBase, defineEvent } from "./envelope.ts";

/**
 * A RetentionPolicy was applied to one Repository's Snapshots: how many were pruned and kept. Audit
 * trails and storage dashboards consume it; a policy that could not be applied publishes nothing here
 * (the Repository gets a Warning Event and the failure metric instead).
 */
export const RetentionAppliedDetail = z.strictObject({
  ...DetailBase,
  namespace: z.string().min(1),
  /** The Repository whose Snapshots were pruned. */
  repository: z.string().min(1),
  /** The BackupSession whose success triggered it; absent for a sweep or a manual run. */
  backupSession: z.string().min(1).optional(),
  trigger: z.enum(["session-succeeded", "sweep", "manual"]),
  /** The RetentionPolicy applied. */
  policy: z.strictObject({ namespace: z.string().min(1), name: z.string().min(1) }).optional(),
  /** Snapshots deleted by this run. */
  pruned: z.int().min(0),
  /** Snapshots the policy keeps. */
  kept: z.int().min(0),
  appliedAt: Time,
});
export type RetentionAppliedDetail = z.infer<typeof RetentionAppliedDetail>;

export const RetentionApplied = defineEvent(
  "Retention Applied",
  RetentionAppliedDetail,
  "A RetentionPolicy was applied to a Repository's Snapshots: counts of pruned and kept Snapshots.",
);
