import { z } from "zod";
import { Time } from "../common.ts";
import { DetailBase, defineEvent } from "./envelope.ts";

export const SessionOrigin = z.enum(["schedule", "trigger", "retry"]);
export type SessionOrigin = z.infer<typeof SessionOrigin>;

export const BackupSessionCreatedDetail = z.strictObject({
  ...DetailBase,
  namespace: z.string().min(1),
  name: z.string().min(1),
  configuration: z.string().min(1),
  session: z.string().min(1),
  origin: SessionOrigin,
  /** The scheduled minute (schedule), the request time (trigger) or nextRetry (retry). */
  scheduledTime: Time,
  createdAt: Time,
});
export type BackupSessionCreatedDetail = z.infer<typeof BackupSessionCreatedDetail>;

export const BackupSessionCreated = defineEvent(
  "BackupSession Created",
  BackupSessionCreatedDetail,
  "A BackupSession object was created; the session function starts driving it.",
);
