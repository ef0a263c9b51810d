import { addonComponent } from "../../local/demo-executor.ts";
import type { JobEnd } from "../../local/job-controller.ts";
import { applySnapshotStatusUpdate, creationUpdate } from "../../shared/decide/session/snapshot-progress.ts";
import type { KubeClient } from "../../shared/kube/client.ts";
import { SnapshotCondition, SnapshotReason } from "../../shared/model/conditions.ts";
import type { Snapshot, SnapshotStatus } from "../../shared/model/snapshot.ts";

/**
 * A Snapshot's status as a finished backup leaves it — the addon's component plus everything the operator
 * (our code) writes: the creation update, then the metadata upload — built with the same functions the lifecycle
 * uses. For tests that need a history of completed Snapshots (retention, fleet), not for playing a running
 * backup: that is local/demo-executor.ts's runBackupJobs, which writes only what an addon writes.
 */
export function completedSnapshotStatus(snapshot: Snapshot, outcome: JobEnd, at: Date): SnapshotStatus {
  const created = {
    ...snapshot,
    status: applySnapshotStatusUpdate(snapshot, creationUpdate(snapshot, 1, at), at),
  };
  const reported = {
    ...created,
    status: { ...created.status, components: addonComponent(created, outcome, at) },
  };
  const uploaded = {
    set: { snapshotTime: created.status.snapshotTime },
    conditions: [
      {
        type: SnapshotCondition.SnapshotMetadataUploaded,
        status: "True" as const,
        reason: SnapshotReason.SuccessfullyUploadedSnapshotMetadata,
        message: "Metadata uploaded to backend successfully",
      },
    ],
  };
  return applySnapshotStatusUpdate(reported, uploaded, at);
}

/** Writes {@link completedSnapshotStatus} (snapshotTime = `at`); a Snapshot with components is left alone. */
export async function writeCompletedSnapshot(
  client: KubeClient,
  snapshot: Snapshot,
  outcome: JobEnd,
  at: Date,
) {
  const timed = {
    ...snapshot,
    metadata: { ...snapshot.metadata, creationTimestamp: at.toISOString().replace(/\.\d{3}Z$/, "Z") },
  };
  return client.updateStatus("Snapshot", snapshot.metadata.namespace, snapshot.metadata.name, (current) =>
    current.status?.components
      ? undefined
      : completedSnapshotStatus({ ...current, metadata: timed.metadata }, outcome, at),
  );
}
