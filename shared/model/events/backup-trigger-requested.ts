import { z } from "zod";
import { DetailBase, defineEvent } from "./envelope.ts";

const K8sName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "must be a Kubernetes object name");

/**
 * Sent by other systems (a pipeline, another AWS account, `kss trigger`) to ask for a backup now.
 * `requestId` is the idempotency key: a duplicate delivery of the same request creates no second session.
 */
export const BackupTriggerRequestedDetail = z.strictObject({
  ...DetailBase,
  requestId: z
    .string()
    .min(8)
    .max(128)
    .regex(/^[A-Za-z0-9._:-]+$/, "must be 8-128 characters of letters, digits, '.', '_', ':' or '-'"),
  namespace: K8sName,
  configuration: K8sName,
  /** Session of the configuration; may be omitted when the configuration has exactly one session. */
  session: z.string().min(1).optional(),
  requestedBy: z.string().max(256).optional(),
});
export type BackupTriggerRequestedDetail = z.infer<typeof BackupTriggerRequestedDetail>;

export const BackupTriggerRequested = defineEvent(
  "Backup Trigger Requested",
  BackupTriggerRequestedDetail,
  "Asks for a BackupSession of a configuration's session now. Sent by other systems; any allowed source.",
  null,
);
