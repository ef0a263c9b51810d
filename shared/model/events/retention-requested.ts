import { z } from "zod";
import { DetailBase, defineEvent } from "./envelope.ts";

export const RetentionRequestedDetail = z.strictObject({
  ...DetailBase,
  namespace: z.string().min(1),
  /** The BackupSession whose repositories to prune; absent for a sweep of the whole namespace. */
  backupSession: z.string().min(1).optional(),
  reason: z.enum(["session-succeeded", "sweep", "manual"]),
});
export type RetentionRequestedDetail = z.infer<typeof RetentionRequestedDetail>;

export const RetentionRequested = defineEvent(
  "Retention Requested",
  RetentionRequestedDetail,
  "Asks apply-retention to prune Snapshots of a session's repositories (or a namespace) per RetentionPolicy.",
);
