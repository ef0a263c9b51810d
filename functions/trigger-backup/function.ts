import type { EventPublisher } from "../../shared/bus/publisher.ts";
import { defineFunction } from "../../shared/handler/function-definition.ts";
import type { KubeDeps } from "../../shared/handler/kube-deps.ts";
import { BackupTriggerRequested } from "../../shared/model/events/backup-trigger-requested.ts";
import { VerificationTriggerRequested } from "../../shared/model/events/verification.ts";
import { acceptTrigger, acceptVerificationTrigger } from "../../shared/usecases/accept-trigger.ts";

export type TriggerBackupFunctionDeps = KubeDeps & { publisher: EventPublisher };

/**
 * "Backup Trigger Requested" from another system: one BackupSession now; "Verification Trigger Requested":
 * one BackupVerificationSession now (docs/verification.md#scheduling); each once per request id.
 */
export const definition = defineFunction({
  name: "trigger-backup",
  accepts: [BackupTriggerRequested, VerificationTriggerRequested] as const,
  run: (event, deps: TriggerBackupFunctionDeps) => {
    const requestedAt = event.time ? new Date(event.time) : undefined;
    return event["detail-type"] === VerificationTriggerRequested.detailType
      ? acceptVerificationTrigger(deps, event.detail, requestedAt, event)
      : acceptTrigger(deps, event.detail, requestedAt, event);
  },
});
