import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { writeLocalRegistry } from "../local/demo.ts";
import { loadRegistryFile } from "../shared/clusters/registry.ts";
import { clusterFleetFacts } from "../shared/decide/fleet/fleet.ts";
import { newBackupSession } from "../shared/decide/schedule/new-session.ts";
import type { KubeClient } from "../shared/kube/client.ts";
import { ClusterClients } from "../shared/kube/cluster-clients.ts";
import { type BackupConfiguration, parseWith, Snapshot, toKubeTime } from "../shared/model/index.ts";
import {
  type FleetStatus,
  fleetStatus,
  fleetTransportOptions,
  type ReachableCluster,
} from "../shared/usecases/fleet-status.ts";
import type { ControlPlane } from "../test/controlplane/index.ts";
import { clientFor, ensureNamespace, installRbac } from "../test/support/kube.ts";
import { installBackend, installConfiguration } from "../test/support/lifecycle.ts";
import { formatSeconds, inBatches, median, progress, type Row, scaled, withControlPlane } from "./support.ts";

/**
 * Issue 9: the fleet view over 10 clusters × 200 BackupConfigurations, as `kss fleet` and the dashboard run
 * it: every cluster read with its LISTs (8 at once, 10 s each), then the pure decision. Each cluster holds 200
 * hourly configurations with a session each (a mix of Succeeded, Failed and Running; every 25th has none and
 * is overdue), a second older session for every 5th, and a Succeeded Snapshot per finished session.
 * Measured: wall time of a first (cold: TLS handshakes) and of warm queries, requests per cluster, each
 * cluster's answer time, the decision's CPU time per cluster, and the wall time with one cluster stopped.
 */

const PART = "fleet";
const CLUSTERS = 10;
const WARM_RUNS = 3;
const AIM =
  "aim (issue 9): a few LISTs per cluster, bounded parallelism, a slow cluster never holds the others";

/** One cluster's objects: 200 configurations and their sessions and Snapshots, written as admin. */
async function seedCluster(admin: KubeClient, namespace: string, configurations: number, due: Date) {
  await installRbac(admin);
  await ensureNamespace(admin, namespace);
  await installBackend(admin, namespace, ["repo-a"]);
  const names = Array.from({ length: configurations }, (_, i) => `app-${String(i).padStart(4, "0")}`);
  await inBatches(PART, `${admin.clusterId}: configurations`, names, 16, (name) =>
    installConfiguration(admin, namespace, name),
  );
  const configs = (await admin.list("BackupConfiguration", { namespace })).items;
  const sessions = configs.flatMap((config, i) => {
    if (i % 25 === 24) return [];
    const phase = i % 20 === 3 ? "Running" : i % 10 === 7 ? "Failed" : "Succeeded";
    const current = { config, at: due, phase };
    return i % 5 === 0
      ? [{ config, at: new Date(due.getTime() - 3_600_000), phase: "Succeeded" }, current]
      : [current];
  });
  await inBatches(PART, `${admin.clusterId}: sessions + snapshots`, sessions, 16, (s) =>
    writeSession(admin, s.config, s.at, s.phase),
  );
  return { configurations: configs.length, sessions: sessions.length };
}

async function writeSession(admin: KubeClient, config: BackupConfiguration, at: Date, phase: string) {
  const session = config.spec.sessions?.[0];
  if (!session) throw new Error("installConfiguration makes one session");
  const namespace = config.metadata.namespace ?? "default";
  const name = `${config.metadata.name}-hourly-${at.getTime() / 1000}`;
  await admin.create(
    "BackupSession",
    newBackupSession({ configuration: config, session, name, scheduledTime: at, origin: "schedule" }),
  );
  await admin.patch("BackupSession", namespace, name, { status: { phase } }, { subresource: "status" });
  if (phase === "Running") return;
  const snapshot = parseWith(
    Snapshot,
    {
      apiVersion: "storage.kubestash.com/v1alpha1",
      kind: "Snapshot",
      metadata: { name: `repo-a-${name}`, namespace },
      spec: { repository: "repo-a", session: "hourly", backupSession: name, appRef: config.spec.target },
    },
    name,
  );
  await admin.create("Snapshot", snapshot);
  const status = { phase, snapshotTime: toKubeTime(new Date(at.getTime() + 60_000)) };
  await admin.patch("Snapshot", namespace, snapshot.metadata.name, { status }, { subresource: "status" });
}

async function query(clients: ClusterClients, now: Date): Promise<{ status: FleetStatus; ms: number }> {
  const started = performance.now();
  const status = await fleetStatus({ clusters: clients }, {}, now);
  return { status, ms: performance.now() - started };
}

const reachableOf = (status: FleetStatus) =>
  status.clusters.filter((c): c is ReachableCluster => c.reachable);

/** CPU time of the pure decision over one cluster's objects (median of 5). */
async function decisionMs(client: KubeClient, now: Date): Promise<number> {
  const [configurations, sessions, snapshots, repositories] = await Promise.all([
    client.list("BackupConfiguration"),
    client.list("BackupSession"),
    client.list("Snapshot"),
    client.list("Repository"),
  ]);
  const objects = {
    configurations: configurations.items,
    sessions: sessions.items,
    snapshots: snapshots.items,
    repositories: repositories.items,
  };
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    clusterFleetFacts(objects, now);
    times.push(performance.now() - started);
  }
  return median(times);
}

async function measure(plane: ControlPlane, configurations: number): Promise<Row[]> {
  const namespace = "fleet-bench";
  // The configurations are created now; the fixed clock is two and a half hours on, so that those without a
  // session are overdue and the others have the session of the latest hour (and every 5th the hour before).
  const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const due = new Date(hour + 2 * 3_600_000);
  const now = new Date(due.getTime() + 30 * 60_000);
  const seedStarted = Date.now();
  const seeded = await Promise.all(
    plane.clusters.map(async (cluster) => {
      const admin = await clientFor(cluster, "admin");
      try {
        return await seedCluster(admin, namespace, configurations, due);
      } finally {
        await admin.transport.close();
      }
    }),
  );
  progress(PART, `seeded ${plane.clusters.length} clusters in ${formatSeconds(Date.now() - seedStarted)}`);

  const dir = await mkdtemp(path.join(os.tmpdir(), "kss-bench-fleet-"));
  try {
    const registryFile = path.join(dir, "clusters.yaml");
    await writeLocalRegistry(plane.clusters, registryFile);
    const clients = new ClusterClients(await loadRegistryFile(registryFile), {
      transport: fleetTransportOptions(),
    });
    const cold = await query(clients, now);
    const warm: Array<{ status: FleetStatus; ms: number }> = [];
    for (let i = 0; i < WARM_RUNS; i++) warm.push(await query(clients, now));
    const firstId = plane.clusters[0]?.id ?? "";
    const decision = await decisionMs(await clients.client(firstId), now);
    const stoppedId = plane.clusters.at(-1)?.id ?? "";
    await plane.stopCluster(stoppedId);
    const withStopped = await query(clients, now);
    await clients.close({ force: true });

    const reachable = reachableOf(cold.status);
    const requests = [...new Set(reachable.map((c) => c.requests))].join(", ");
    const answerMs = reachableOf(warm.at(-1)?.status ?? cold.status).map((c) => c.elapsedMs);
    const summary = cold.status.summary;
    const stopped = withStopped.status.clusters.find((c) => c.id === stoppedId);
    const shape = `${plane.clusters.length} clusters × ${configurations} configurations`;
    return [
      {
        name: `fleet: ${shape}: objects per cluster`,
        value: `${seeded[0]?.configurations} BackupConfigurations, ${seeded[0]?.sessions} BackupSessions, ${summary.overdue / plane.clusters.length} overdue, Snapshots for each finished session`,
      },
      {
        name: `fleet: ${shape}: wall time, first query (TLS handshakes included)`,
        value: `${formatSeconds(cold.ms)} (${summary.reachable}/${summary.clusters} clusters, ${summary.configurations} configurations)`,
        anchor: AIM,
      },
      {
        name: `fleet: ${shape}: wall time, warm (median of ${WARM_RUNS})`,
        value: formatSeconds(median(warm.map((w) => w.ms))),
      },
      {
        name: `fleet: ${shape}: requests per cluster`,
        value: `${requests} (LIST BackupConfiguration, BackupSession, Snapshot, Repository; pages of ≤ 500)`,
        anchor: "aim: a few LISTs per cluster",
      },
      {
        name: `fleet: ${shape}: one cluster's answer (warm)`,
        value: `median ${Math.round(median(answerMs))} ms · max ${Math.max(...answerMs)} ms (LISTs and decision)`,
      },
      {
        name: `fleet: decision CPU time for one cluster of ${configurations} configurations`,
        value: `${decision.toFixed(1)} ms (median of 5)`,
      },
      {
        name: `fleet: ${shape}: wall time with one cluster stopped`,
        value: `${formatSeconds(withStopped.ms)}; the stopped one ${stopped?.reachable ? "answered?!" : `unreachable after ${stopped?.elapsedMs} ms`}`,
        anchor: "aim: within that cluster's timeout (10 s), the others complete",
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `npm run bench -- --only fleet` (when bench/index.ts lists it); `--scale 0.1` for a quick trial. */
export async function benchFleet(): Promise<Row[]> {
  return withControlPlane(PART, CLUSTERS, (plane) => measure(plane, scaled(200)));
}
