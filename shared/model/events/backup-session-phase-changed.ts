import { z } from "zod";
import { BackupSessionPhase } from "../backup-session.ts";
import { Int32, Time } from "../common.ts";
import { DetailBase, defineEvent } from "./envelope.ts";

export const BackupSessionPhaseChangedDetail = z.strictObject({
  ...DetailBase,
  namespace: z.string().min(1),
  name: z.string().min(1),
  configuration: z.string().min(1),
  session: z.string().min(1),
  /** Absent when the session had no phase before. */
  oldPhase: BackupSessionPhase.optional(),
  newPhase: BackupSessionPhase,
  /** Reasons of the conditions that decided the new phase (e.g. FailedToCompleteWithinDeadline). */
  reasons: z.array(z.string()),
  retryLeft: Int32.min(0),
  /** resourceVersion of the BackupSession after the change, for ordering and de-duplication. */
  resourceVersion: z.string().min(1),
  changedAt: Time,
});
export type BackupSessionPhaseChangedDetail = z.infer<typeof BackupSessionPhaseChangedDetail>;

export const BackupSessionPhaseChanged = defineEvent(
  "BackupSession Phase Changed",
  BackupSessionPhaseChangedDetail,
  "A BackupSession's status.phase changed. Failed → evaluate-failure; Succeeded → apply-retention.",
);
