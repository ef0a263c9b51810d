import { decideRetention, type RetentionPolicySpec } from "../shared/decide/retention/retention.ts";
import type { KubeClient } from "../shared/kube/client.ts";
import type { RequestStats } from "../shared/kube/transport.ts";
import { type Snapshot, toKubeTime } from "../shared/model/index.ts";
import { applySessionRetention } from "../shared/usecases/apply-retention.ts";
import { clientFor, ensureNamespace, installRbac } from "../test/support/kube.ts";
import { RecordingPublisher } from "../test/support/lifecycle.ts";
import {
  createConfiguration,
  createPolicy,
  createSucceededSession,
  snapshotNames,
} from "../test/support/retention-cluster.ts";
import { completedSnapshotStatus } from "../test/support/snapshot-states.ts";
import {
  formatCounts,
  formatSeconds,
  inBatches,
  median,
  progress,
  type Row,
  scaled,
  withControlPlane,
} from "./support.ts";

/**
 * Issue 8: the retention decision over 100,000 Snapshots (wall time, UTC and a time zone), and pruning 1,000
 * Snapshot objects on the test control plane as apply-retention does after a session (wall time and the
 * requests its client sent). Anchor: the aim, a decision under 1 s.
 */

const PART = "retention";
const RUNS = 5;
const NOW = new Date("2026-11-26T12:00:00Z");
const POLICY: RetentionPolicySpec = {
  maxRetentionPeriod: "1y",
  successfulSnapshots: { last: 5, hourly: 24, daily: 30, weekly: 12, monthly: 12, yearly: 5 },
  failedSnapshots: { last: 3 },
};

/** `count` Snapshots over 10 repositories × 2 sessions, one every 15 minutes back from NOW, 1 in 10 failed. */
function syntheticSnapshots(count: number): Snapshot[] {
  return Array.from({ length: count }, (_, i): Snapshot => {
    const time = toKubeTime(new Date(NOW.getTime() - i * 15 * 60_000));
    return {
      apiVersion: "storage.kubestash.com/v1alpha1",
      kind: "Snapshot",
      metadata: { name: `snap-${i}`, namespace: "bench" },
      spec: {
        repository: `repo-${i % 10}`,
        session: i % 20 < 10 ? "hourly" : "daily",
        snapshotID: `01K${String(1e9 - i).padStart(10, "0")}`,
        deletionPolicy: "Delete",
      },
      status: { phase: i % 10 === 3 ? "Failed" : "Succeeded", snapshotTime: time },
    };
  });
}

function benchDecision(): Row[] {
  const count = scaled(100_000);
  const snapshots = syntheticSnapshots(count);
  const rows: Row[] = [];
  for (const zone of [undefined, "Europe/Berlin"]) {
    const times: number[] = [];
    let pruned = 0;
    for (let run = 0; run < RUNS; run++) {
      const started = performance.now();
      const plan = decideRetention(snapshots, POLICY, NOW, zone ? { timeZone: zone } : {});
      times.push(performance.now() - started);
      pruned = plan.prune.length;
    }
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    progress(PART, `decision over ${count} snapshots (${zone ?? "UTC"}): ${times.map(ms).join(", ")}`);
    rows.push({
      name: `retention decision, ${count.toLocaleString("en")} Snapshots, 20 groups, ${zone ?? "UTC"} periods`,
      value: `median ${ms(median(times))} · min ${ms(Math.min(...times))} of ${RUNS} (${pruned.toLocaleString("en")} pruned)`,
      anchor: "aim: < 1 s",
    });
  }
  return rows;
}

function statsDelta(before: RequestStats, after: RequestStats): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [method, n] of Object.entries(after.byMethod)) {
    const delta = n - (before.byMethod[method] ?? 0);
    if (delta > 0) counts[method] = delta;
  }
  return counts;
}

/** Creates `count` Snapshots of repo/hourly, each Succeeded at its own minute (create, then its status). */
async function createSucceeded(admin: KubeClient, namespace: string, count: number): Promise<void> {
  const names = Array.from({ length: count }, (_, i) => i);
  await inBatches(PART, "Snapshots created", names, 16, async (i) => {
    const snapshot: Snapshot = {
      apiVersion: "storage.kubestash.com/v1alpha1",
      kind: "Snapshot",
      metadata: { name: `snap-${String(i).padStart(5, "0")}`, namespace },
      spec: { repository: "repo", session: "hourly", version: "v1", deletionPolicy: "Delete" },
    };
    const { object } = await admin.create("Snapshot", snapshot);
    const at = new Date(NOW.getTime() - (count - i) * 60_000);
    await admin.replaceStatus("Snapshot", {
      ...object,
      status: completedSnapshotStatus(object, "Succeeded", at),
    });
  });
}

async function benchPruning(): Promise<Row[]> {
  const keep = 10;
  const prune = scaled(1_000);
  return withControlPlane(PART, 1, async (plane) => {
    const [cluster] = plane.clusters;
    if (!cluster) throw new Error("the control plane has no cluster");
    const admin = await clientFor(cluster, "admin");
    const functions = await clientFor(cluster, "functions");
    try {
      await installRbac(admin);
      const ns = "bench-retention";
      await ensureNamespace(admin, ns);
      await createPolicy(admin, ns, "keep", { successfulSnapshots: { last: keep } });
      await createConfiguration(admin, ns, "app", { name: "keep", namespace: ns }, ["repo"]);
      await createSucceeded(admin, ns, prune + keep);
      await createSucceededSession(admin, ns, "app-hourly-1", "app", ["repo"], NOW);
      const before = structuredClone(functions.transport.stats);
      const started = Date.now();
      const outcome = await applySessionRetention(
        { client: functions, publisher: new RecordingPublisher() },
        ns,
        "app-hourly-1",
        NOW,
      );
      const wallMs = Date.now() - started;
      const requests = statsDelta(before, functions.transport.stats);
      const deleted = outcome.repositories.reduce((sum, r) => sum + r.deleted.length, 0);
      const left = (await snapshotNames(admin, ns)).length;
      progress(
        PART,
        `pruned ${deleted} in ${formatSeconds(wallMs)}, ${left} left: ${formatCounts(requests)}`,
      );
      if (deleted !== prune || left !== keep)
        throw new Error(`pruned ${deleted} and left ${left}, expected ${prune} and ${keep}`);
      return [
        {
          name: `apply-retention after a session: prune ${prune.toLocaleString("en")} of ${(prune + keep).toLocaleString("en")} Snapshots (8 deletes in flight, 1 cluster)`,
          value: `${formatSeconds(wallMs)} · ${(deleted / (wallMs / 1000)).toFixed(0)} deletes/s`,
        },
        {
          name: "apply-retention requests for that run (functions' client, transport.stats)",
          value: formatCounts(requests),
          anchor: `${prune} DELETEs + a fixed number of LISTs, 1 status write, 1 Event`,
        },
      ];
    } finally {
      await admin.transport.close();
      await functions.transport.close();
    }
  });
}

export async function benchRetention(): Promise<Row[]> {
  const decision = benchDecision();
  return [...decision, ...(await benchPruning())];
}
