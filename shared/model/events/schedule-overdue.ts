import { z } from "zod";
import { Time } from "../common.ts";
import { DetailBase, defineEvent } from "./envelope.ts";

/**
 * A schedule that silently stopped producing backups: a time it was due more than one interval ago has no
 * BackupSession (the platform was down, the configuration is stuck). Published once per overdue run, keyed
 * by `overdueSince`, so a consumer can de-duplicate repeats.
 */
export const ScheduleOverdueDetail = z.strictObject({
  ...DetailBase,
  namespace: z.string().min(1),
  /** The BackupConfiguration. */
  configuration: z.string().min(1),
  /** The session of the configuration whose schedule is overdue. */
  session: z.string().min(1),
  /** The cron expression of the session's schedule. */
  schedule: z.string().min(1),
  /** The first scheduled time that has no BackupSession. */
  overdueSince: Time,
  /** Scheduled times since then without a session. */
  missedRuns: z.int().min(1),
  /** Completion of the last successful backup of this session; absent when there was none. */
  lastSuccessfulBackup: Time.optional(),
  detectedAt: Time,
});
export type ScheduleOverdueDetail = z.infer<typeof ScheduleOverdueDetail>;

export const ScheduleOverdue = defineEvent(
  "Schedule Overdue",
  ScheduleOverdueDetail,
  "A session's schedule was due more than one interval ago and no BackupSession ran: a silent miss.",
);
