import type { EventPublisher } from "../../shared/bus/publisher.ts";
import { defineFunction } from "../../shared/handler/function-definition.ts";
import type { KubeDeps } from "../../shared/handler/kube-deps.ts";
import { BackupTriggerRequested } from "../../shared/model/events/backup-trigger-requested.ts";
import { acceptTrigger } from "../../shared/usecases/accept-trigger.ts";

export type TriggerBackupFunctionDeps = KubeDeps & { publisher: EventPublisher };

/** "Backup Trigger Requested" from another system: one BackupSession now, once per request id. */
export const definition = defineFunction({
  name: "trigger-backup",
  accepts: [BackupTriggerRequested] as const,
  run: (event, deps: TriggerBackupFunctionDeps) =>
    acceptTrigger(deps, event.detail, event.time ? new Date(event.time) : undefined, event),
});
