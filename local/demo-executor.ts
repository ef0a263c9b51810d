import { createHash } from "node:crypto";
import { snapshotPhase } from "../shared/decide/phase.ts";
import type { KubeClient } from "../shared/kube/client.ts";
import type { Snapshot, SnapshotStatus } from "../shared/model/index.ts";
import { toKubeTime } from "../shared/model/time.ts";

/**
 * Plays the in-cluster executor for the local demo and the tests (no kubelet runs, so no backup Job ever
 * starts): writes a Snapshot's status the way KubeStash's executor does — one component, its phase, size and
 * duration, the metadata-uploaded and recent-list conditions — and the phase that follows from them.
 */

export function executorStatus(
  snapshot: Snapshot,
  outcome: "Succeeded" | "Failed",
  now: Date,
): SnapshotStatus {
  const time = toKubeTime(now);
  const condition = (type: string, reason: string) => ({
    type,
    status: "True" as const,
    reason,
    lastTransitionTime: time,
  });
  const status: SnapshotStatus = {
    ...snapshot.status,
    snapshotTime: time,
    lastUpdateTime: time,
    totalComponents: 1,
    components: {
      dump: {
        path: `repository/v1/${snapshot.spec.session ?? "session"}/dump`,
        phase: outcome,
        driver: "Restic",
        duration: "2.1s",
        ...(outcome === "Succeeded"
          ? { size: "1.2 MiB", integrity: true }
          : { error: "restic: connection reset by peer" }),
      },
    },
    conditions: [
      condition("SnapshotMetadataUploaded", "SuccessfullyUploadedSnapshotMetadata"),
      condition("RecentSnapshotListUpdated", "SuccessfullyUpdatedRecentSnapshotList"),
    ],
  };
  return {
    ...status,
    phase: snapshotPhase({ ...snapshot, status }),
    ...(outcome === "Succeeded" ? { size: "1.2 MiB", integrity: true } : {}),
  };
}

/** Writes the executor's result on a Snapshot (idempotent: a finished Snapshot is left alone). */
export async function completeSnapshot(
  client: KubeClient,
  snapshot: Snapshot,
  outcome: "Succeeded" | "Failed",
  now: Date,
) {
  return client.updateStatus("Snapshot", snapshot.metadata.namespace, snapshot.metadata.name, (current) =>
    current.status?.components ? undefined : executorStatus(current, outcome, now),
  );
}

/** The demo's executor: every Snapshot without a result gets one; about one in four fails, by its name. */
export class DemoExecutor {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly clients: ReadonlyArray<KubeClient>,
    private readonly now: () => Date,
    private readonly intervalMs = 2_000,
    private readonly failureEvery = 4,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick().catch(() => {}), this.intervalMs);
  }

  async tick(): Promise<number> {
    let written = 0;
    for (const client of this.clients) {
      const snapshots = await client.list("Snapshot");
      for (const snapshot of snapshots.items.filter((s) => !s.status?.components)) {
        const hash = createHash("sha256").update(snapshot.metadata.name).digest()[0] ?? 0;
        await completeSnapshot(
          client,
          snapshot,
          hash % this.failureEvery === 0 ? "Failed" : "Succeeded",
          this.now(),
        );
        written++;
      }
    }
    return written;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
