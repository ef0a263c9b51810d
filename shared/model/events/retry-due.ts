import { z } from "zod";
import { Time } from "../common.ts";
import { DetailBase, defineEvent } from "./envelope.ts";

export const RetryDueDetail = z.strictObject({
  ...DetailBase,
  namespace: z.string().min(1),
  /** The failed BackupSession whose retry is due. */
  failedSession: z.string().min(1),
  retryAt: Time,
});
export type RetryDueDetail = z.infer<typeof RetryDueDetail>;

export const RetryDue = defineEvent(
  "BackupSession Retry Due",
  RetryDueDetail,
  "The nextRetry time of a failed BackupSession has come; evaluate-failure creates the retry.",
);
