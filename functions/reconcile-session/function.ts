import { defineFunction } from "../../shared/handler/function-definition.ts";
import type { KubeDeps } from "../../shared/handler/kube-deps.ts";
import { BackupSessionCreated } from "../../shared/model/events/backup-session-created.ts";
import { ScheduleTick } from "../../shared/model/events/schedule-tick.ts";
import { SessionFollowUp } from "../../shared/model/events/session-follow-up.ts";
import { VerificationFollowUp, VerificationSessionCreated } from "../../shared/model/events/verification.ts";
import {
  type DriveSessionsDeps,
  driveSession,
  sweepClusterSessions,
} from "../../shared/usecases/drive-sessions.ts";
import { driveVerification } from "../../shared/usecases/drive-verifications.ts";

export type ReconcileSessionFunctionDeps = KubeDeps & Pick<DriveSessionsDeps, "publisher" | "followUps">;

/**
 * Drives BackupSessions: the one a "BackupSession Created" or a "BackupSession Follow Up" names (then the
 * next follow-up, with back-off), and — on every Schedule Tick — every unfinished session of that cluster
 * (the sweep), then the snapshot cleanup step and the open verifications; the same for BackupVerificationSessions
 * ("BackupVerificationSession Created" / "Follow Up", docs/verification.md#lifecycle) (shared/usecases/drive-sessions.ts, docs/follow-ups.md).
 */
export const definition = defineFunction({
  name: "reconcile-session",
  accepts: [
    BackupSessionCreated,
    SessionFollowUp,
    ScheduleTick,
    VerificationSessionCreated,
    VerificationFollowUp,
  ] as const,
  async run(event, deps: ReconcileSessionFunctionDeps) {
    switch (event["detail-type"]) {
      case "BackupSession Created":
        return driveSession(deps, event.detail.clusterId, event.detail.namespace, event.detail.name);
      case "BackupSession Follow Up": {
        const { clusterId, namespace, name, uid, attempt, sinceProgress } = event.detail;
        return driveSession(deps, clusterId, namespace, name, { uid, attempt, sinceProgress });
      }
      case "BackupVerificationSession Created":
        return driveVerification(deps, event.detail.clusterId, event.detail.namespace, event.detail.name);
      case "BackupVerificationSession Follow Up": {
        const { clusterId, namespace, name, uid, attempt, sinceProgress } = event.detail;
        return driveVerification(deps, clusterId, namespace, name, { uid, attempt, sinceProgress });
      }
      case "Schedule Tick":
        return sweepClusterSessions(deps, event.detail.clusterId);
    }
  },
});
