import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeLocalRegistry } from "../../local/demo.ts";
import { loadRegistryFile } from "../../shared/clusters/registry.ts";
import { ClusterClients } from "../../shared/kube/cluster-clients.ts";
import {
  type FleetStatus,
  fleetStatus,
  fleetTransportOptions,
  type ReachableCluster,
  type UnreachableCluster,
} from "../../shared/usecases/fleet-status.ts";
import { type ControlPlane, startControlPlane } from "../controlplane/index.ts";
import { seedCluster, sessionInPhase, succeededSnapshot } from "../support/fleet-world.ts";
import { runKssInProcess } from "../support/kss.ts";
import { uniqueNamespace } from "../support/kube.ts";
import { installConfiguration, nextHour } from "../support/lifecycle.ts";

/**
 * `kss fleet` on a private control plane of 3 clusters (so stopping one disturbs no other test): complete
 * views of every cluster, an overdue schedule found on a fixed clock, then one cluster stopped and one that
 * never answers, each reported unreachable within its own timeout while the others are read in full.
 */

let plane: ControlPlane;
let dir: string;
let registryFile: string;
const ns = uniqueNamespace("fleet");
const due = nextHour();
/** The fixed clock: half an hour after the hourly run that was made. */
const NOW = new Date(due.getTime() + 30 * 60_000);
let okSession = "";
let failedSession = "";

beforeAll(async () => {
  plane = await startControlPlane({ clusters: 3 });
  const [one, two, three] = await Promise.all(plane.clusters.map((c) => seedCluster(c, ns)));
  if (!one || !two || !three) throw new Error("three clusters");
  okSession = await sessionInPhase(one.admin, ns, due, "Succeeded");
  await succeededSnapshot(one.admin, ns, okSession, new Date(due.getTime() + 60_000));
  failedSession = await sessionInPhase(two.admin, ns, due, "Failed");
  await sessionInPhase(three.admin, ns, due, "Succeeded");
  // Every 10 minutes, created now and never run: due since the first 10-minute mark after now.
  await installConfiguration(one.admin, ns, "late", {
    scheduler: { schedule: "*/10 * * * *", jobTemplate: {}, concurrencyPolicy: "Allow" },
  });
  await Promise.all([one, two, three].map((c) => c.admin.transport.close()));
  dir = await mkdtemp(path.join(os.tmpdir(), "kss-fleet-it-"));
  registryFile = path.join(dir, "clusters.yaml");
  await writeLocalRegistry(plane.clusters, registryFile);
}, 180_000);

afterAll(async () => {
  await plane?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const reachable = (status: FleetStatus, id: string) =>
  status.clusters.find((c): c is ReachableCluster => c.id === id && c.reachable);

describe("kss fleet with every cluster up", () => {
  it("reads each cluster with 4 LISTs, finds the overdue schedule and the failing session, and exits 1", async () => {
    const run = await runKssInProcess([
      "fleet",
      "--registry",
      registryFile,
      "-o",
      "json",
      "--now",
      NOW.toISOString(),
    ]);
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(1);
    const status = JSON.parse(run.stdout) as FleetStatus;
    const [a, b, c] = plane.clusters.map((cluster) => reachable(status, cluster.id));
    expect([a, b, c].map((cluster) => cluster?.requests)).toEqual([4, 4, 4]);

    const app = a?.configurations.find((x) => x.name === "app");
    expect(app?.sessions[0]).toMatchObject({
      session: "hourly",
      state: "ok",
      lastSuccess: { name: `repo-a-${okSession}`, kind: "Snapshot", ageSeconds: 29 * 60 },
      rpo: { intervalSeconds: 3600, breached: false },
      recent: [{ name: okSession, phase: "Succeeded", origin: "schedule" }],
    });
    expect(app?.repositories).toEqual([
      {
        name: "repo-a",
        found: true,
        snapshots: { total: 1, succeeded: 1, failed: 0, inProgress: 0 },
        lastSnapshotTime: expect.any(String),
      },
    ]);
    const late = a?.configurations.find((x) => x.name === "late")?.sessions[0];
    expect(late?.state).toBe("overdue");
    expect(late?.overdue?.missedRuns).toBeGreaterThanOrEqual(3);
    expect(Date.parse(late?.overdue?.dueSince ?? "")).toBeLessThanOrEqual(NOW.getTime() - 10 * 60_000);

    expect(b?.configurations[0]?.sessions[0]).toMatchObject({
      state: "failing",
      failures24h: 1,
      recent: [{ name: failedSession, phase: "Failed" }],
    });
    expect(c?.totals).toMatchObject({ configurations: 1, overdue: 0, failing: 0 });
    expect(status.summary).toMatchObject({
      clusters: 3,
      reachable: 3,
      unreachable: 0,
      overdue: 1,
      failing: 1,
    });
  });

  it("exits 0 for a cluster with nothing overdue, and prints the table", async () => {
    const id = plane.clusters[2]?.id ?? "";
    const run = await runKssInProcess([
      "fleet",
      "--registry",
      registryFile,
      "--cluster",
      id,
      "--now",
      NOW.toISOString(),
    ]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`CLUSTER ${id} (local ${id}) · reachable · 1 configurations · 0 overdue`);
    expect(run.stdout).toMatch(new RegExp(`${ns}/app\\s+\\w+\\s+hourly\\s+ok\\s+30m ago`));
  });
});

describe("one cluster stopped, one that never answers", () => {
  let silent: Server;
  const held: Socket[] = [];

  beforeAll(async () => {
    // Accepts connections and never answers (not even the TLS handshake): a hung API server.
    silent = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    await plane.stopCluster(plane.clusters[2]?.id ?? "");
  });

  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it("reports the stopped cluster unreachable at once while the other two are complete (kss fleet exits 1)", async () => {
    const [a, b, c] = plane.clusters;
    const started = Date.now();
    const run = await runKssInProcess([
      "fleet",
      "--registry",
      registryFile,
      "-o",
      "json",
      "--now",
      NOW.toISOString(),
      "--timeout",
      "3000",
    ]);
    const elapsed = Date.now() - started;
    expect(run.exitCode).toBe(1);
    const status = JSON.parse(run.stdout) as FleetStatus;
    expect(reachable(status, a?.id ?? "")?.totals.configurations).toBe(2);
    expect(reachable(status, b?.id ?? "")?.totals).toMatchObject({ configurations: 1, failing: 1 });
    const stopped = status.clusters.find((x) => x.id === c?.id) as UnreachableCluster;
    expect(stopped).toMatchObject({ reachable: false, disabled: false, errorKind: "UnavailableError" });
    expect(stopped.error).toMatch(/ECONNREFUSED|refused|fetch failed/i);
    expect(stopped.elapsedMs).toBeLessThan(3000);
    expect(elapsed).toBeLessThan(3000);
    expect(status.summary).toMatchObject({ reachable: 2, unreachable: 1 });
  });

  it("gives a cluster that never answers its own timeout and reads the others meanwhile", async () => {
    const registry = await loadRegistryFile(registryFile);
    const port = (silent.address() as { port: number }).port;
    registry.clusters.push({
      id: "hung",
      enabled: true,
      entry: {
        id: "hung",
        enabled: true,
        server: `https://127.0.0.1:${port}`,
        credentials: { source: "kubeconfig", path: await hungKubeconfig(port) },
      },
    });
    const clients = new ClusterClients(registry, { transport: fleetTransportOptions(1500) });
    const started = Date.now();
    const status = await fleetStatus({ clusters: clients, clusterTimeoutMs: 1500 }, {}, NOW);
    await clients.close({ force: true });
    const elapsed = Date.now() - started; // closing included: nothing lingers after the timeout
    const hung = status.clusters.find((x) => x.id === "hung") as UnreachableCluster;
    expect(hung).toMatchObject({
      reachable: false,
      errorKind: "UnavailableError",
      // The cluster's timeout, or its transport's two attempts that fit in it, whichever ends first.
      error: expect.stringMatching(/^\[hung\] (no answer within 1500 ms|.*request timed out)/),
    });
    expect(hung.elapsedMs).toBeGreaterThanOrEqual(1000);
    expect(hung.elapsedMs).toBeLessThanOrEqual(1600);
    expect(elapsed).toBeLessThan(2500);
    const [a, b] = plane.clusters;
    expect(reachable(status, a?.id ?? "")?.configurations.map((x) => x.name)).toEqual(["app", "late"]);
    expect(reachable(status, b?.id ?? "")?.configurations.map((x) => x.name)).toEqual(["app"]);
    expect(status.summary).toMatchObject({ clusters: 4, reachable: 2, unreachable: 2 });
  });
});

async function hungKubeconfig(port: number): Promise<string> {
  const file = path.join(dir, "hung.kubeconfig");
  await writeFile(
    file,
    [
      "apiVersion: v1",
      "kind: Config",
      `clusters: [{name: c, cluster: {server: 'https://127.0.0.1:${port}', insecure-skip-tls-verify: true}}]`,
      "users: [{name: u, user: {token: t}}]",
      "contexts: [{name: x, context: {cluster: c, user: u}}]",
      "current-context: x",
    ].join("\n"),
  );
  return file;
}
