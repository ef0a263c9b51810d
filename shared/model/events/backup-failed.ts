import { z } from "zod";
import { Time } from "../common.ts";
import { DetailBase, defineEvent } from "./envelope.ts";

/**
 * A backup that failed for good: the BackupSession (an original or its last retry) is Failed and no retry
 * is left or none will come. The event a platform team routes to a pager or a chat channel; a failure that
 * will be retried publishes only "BackupSession Phase Changed".
 */
export const BackupFailedDetail = z.strictObject({
  ...DetailBase,
  namespace: z.string().min(1),
  /** The BackupConfiguration. */
  configuration: z.string().min(1),
  /** The session of the configuration (spec.sessions[].name). */
  session: z.string().min(1),
  /** The failed BackupSession object: the last of its retry chain. */
  name: z.string().min(1),
  /** The first BackupSession of the chain, when `name` is a retry of it. */
  originalSession: z.string().min(1).optional(),
  /** Sessions created for this backup: 1 for a failure without retries. */
  attempts: z.int().min(1),
  /** One line for a person: why the last attempt failed (condition message or reason). */
  error: z.string().min(1).max(1024),
  /** Reasons of the conditions that failed the session (e.g. FailedToCompleteWithinDeadline). */
  reasons: z.array(z.string()),
  failedAt: Time,
});
export type BackupFailedDetail = z.infer<typeof BackupFailedDetail>;

export const BackupFailed = defineEvent(
  "Backup Failed",
  BackupFailedDetail,
  "A backup failed for good: the BackupSession is Failed and no retry is left. Route it to people (SNS, chat).",
);
