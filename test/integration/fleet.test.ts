import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeLocalRegistry } from "../../local/demo.ts";
import { loadRegistryFile } from "../../shared/clusters/registry.ts";
import type { KubeClient } from "../../shared/kube/client.ts";
import { ClusterClients } from "../../shared/kube/cluster-clients.ts";
import { NotFoundError } from "../../shared/kube/errors.ts";
import {
  type FleetStatus,
  fleetStatus,
  fleetTransportOptions,
  type ReachableCluster,
  type UnreachableCluster,
} from "../../shared/usecases/fleet-status.ts";
import { type ControlPlane, startControlPlane } from "../controlplane/index.ts";
import {
  RESTORE_FAILURE,
  seedCluster,
  seedVerifications,
  sessionInPhase,
  succeededSnapshot,
  type VerificationSeed,
} from "../support/fleet-world.ts";
import { runKssInProcess } from "../support/kss.ts";
import { uniqueNamespace } from "../support/kube.ts";
import { installConfiguration, nextHour } from "../support/lifecycle.ts";

/**
 * `kss fleet` on a private control plane of 3 clusters (so stopping one disturbs no other test): complete
 * views of every cluster, an overdue schedule found on a fixed clock, then one cluster stopped and one that
 * never answers, each reported unreachable within its own timeout while the others are read in full.
 * Verified restores (docs/verification.md#visibility): BackupVerifiers and BackupVerificationSessions made
 * directly on cluster three, shown by the fleet JSON, the VERIFIED column and `kss verify history`; cluster
 * two has no verification CRDs at all (deleted), which is no verifications, not an unreachable cluster.
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
let verified: VerificationSeed;

beforeAll(async () => {
  plane = await startControlPlane({ clusters: 3 });
  const [one, two, three] = await Promise.all(plane.clusters.map((c) => seedCluster(c, ns)));
  if (!one || !two || !three) throw new Error("three clusters");
  okSession = await sessionInPhase(one.admin, ns, due, "Succeeded");
  await succeededSnapshot(one.admin, ns, okSession, new Date(due.getTime() + 60_000));
  failedSession = await sessionInPhase(two.admin, ns, due, "Failed");
  await sessionInPhase(three.admin, ns, due, "Succeeded");
  verified = await seedVerifications(three.admin, ns, NOW, { running: true });
  await withoutVerificationCrds(two.admin);
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
  it("reads each cluster with 6 LISTs, finds the overdue schedule and the failing session, and exits 1", async () => {
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
    // Six LISTs each; cluster two answers 404 to the two verification kinds, and is read in full all the same.
    expect([a, b, c].map((cluster) => cluster?.requests)).toEqual([6, 6, 6]);

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
    expect(c?.totals).toMatchObject({ configurations: 2, overdue: 0, failing: 0, verificationsFailed: 1 });
    expect(b?.totals.verificationsFailed).toBe(0);
    expect(status.summary).toMatchObject({
      clusters: 3,
      reachable: 3,
      unreachable: 0,
      overdue: 1,
      failing: 1,
      verificationsFailed: 1,
    });
  });

  it("shows each repository's verified restore in the fleet JSON: result, Snapshot, end, reason, running, missing verifier", async () => {
    const id = plane.clusters[2]?.id ?? "";
    const run = await runKssInProcess([
      "fleet",
      "--registry",
      registryFile,
      "--cluster",
      id,
      "-o",
      "json",
      "--now",
      NOW.toISOString(),
    ]);
    expect(run.exitCode).toBe(0);
    const cluster = reachable(JSON.parse(run.stdout) as FleetStatus, id);
    const byName = new Map(cluster?.configurations.map((c) => [c.name, c.sessions[0]]));
    expect(byName.get("app")).not.toHaveProperty("verifications");
    const views = byName.get("verified")?.verifications ?? [];
    const at = (ms: number) => new Date(NOW.getTime() - ms).toISOString().replace(".000Z", "Z");
    expect(views.map((v) => v.repository)).toEqual(["repo-a", "repo-b", "repo-c", "repo-d", "repo-e"]);
    expect(views[0]).toEqual({
      repository: "repo-a",
      verifier: { name: "verify-a", namespace: ns },
      schedule: "0 3 1 1 *",
      nextVerification: expect.stringMatching(/^\d{4}-01-01T03:00:00Z$/),
      lastVerification: {
        name: verified.succeeded,
        phase: "Succeeded",
        snapshot: "repo-a-snapshot-3h",
        time: at(3 * 3_600_000 + 70_000),
        origin: "schedule",
        duration: "1m5s",
        endedAt: at(3 * 3_600_000),
        ageSeconds: 3 * 3600,
      },
      lastVerified: {
        name: verified.succeeded,
        endedAt: at(3 * 3_600_000),
        ageSeconds: 3 * 3600,
        snapshot: "repo-a-snapshot-3h",
      },
      running: verified.running,
      kept: 2,
    });
    expect(views[1]).toMatchObject({
      lastVerification: {
        name: verified.failed,
        phase: "Failed",
        snapshot: "repo-b-snapshot-11m",
        ageSeconds: 600,
        condition: "RestoreSucceeded",
        reason: "FailedToRestoreBackup",
        message: RESTORE_FAILURE,
      },
      lastVerified: { name: verified.olderSucceeded, ageSeconds: 24 * 3600, snapshot: "repo-b-snapshot-1d" },
      kept: 2,
    });
    expect(views[2]?.lastVerification).toMatchObject({
      name: verified.skipped,
      phase: "Skipped",
      reason: "SnapshotAlreadyVerified",
      ageSeconds: 2 * 3600,
    });
    expect(views[2]).not.toHaveProperty("lastVerified");
    expect(views[3]).toEqual({
      repository: "repo-d",
      verifier: { name: "verify-d", namespace: ns },
      schedule: "0 3 1 1 *",
      nextVerification: expect.any(String),
      kept: 0,
    });
    expect(views[4]).toEqual({
      repository: "repo-e",
      verifier: { name: "verify-gone", namespace: ns },
      verifierMissing: true,
      kept: 0,
    });
  });

  it("kss verify history lists the configuration's verifications newest first, filters them, and exits 1 for a configuration that does not exist", async () => {
    const id = plane.clusters[2]?.id ?? "";
    const base = ["verify", "history", "--registry", registryFile, "--cluster", id, "-n", ns];
    const table = await runKssInProcess([...base, "--config", "verified", "--now", NOW.toISOString()]);
    expect(table.stderr).toBe("");
    expect(table.exitCode).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(`BackupVerificationSessions of BackupConfiguration ${ns}/verified on ${id}`);
    expect(lines[1]).toMatch(/^NAME\s+REPOSITORY\s+SNAPSHOT\s+PHASE\s+DURATION\s+RETRIED\s+AGE\s+REASON$/);
    expect(lines.slice(2).map((l) => l.split(/\s+/)[0])).toEqual([
      verified.running,
      verified.failed,
      verified.skipped,
      verified.succeeded,
      verified.olderSucceeded,
    ]);
    expect(lines[3]).toMatch(
      new RegExp(
        `^${verified.failed}\\s+repo-b\\s+repo-b-snapshot-11m\\s+Failed\\s+40s\\s+no\\s+\\S+\\s+FailedToRestoreBackup: ${RESTORE_FAILURE}$`,
      ),
    );
    expect(lines[4]).toMatch(
      /\s+repo-c\s+-\s+Skipped\s+-\s+no\s+\S+\s+SnapshotAlreadyVerified: Snapshot repo-c-snapshot-1d was verified already$/,
    );

    const json = await runKssInProcess([
      ...base,
      "--config",
      "verified",
      "--repository",
      "repo-b",
      "-o",
      "json",
    ]);
    expect(json.exitCode).toBe(0);
    const result = JSON.parse(json.stdout) as {
      verifications: Array<{ name: string; phase: string; reason?: string }>;
    };
    expect(result.verifications.map((v) => [v.name, v.phase, v.reason])).toEqual([
      [verified.failed, "Failed", "FailedToRestoreBackup"],
      [verified.olderSucceeded, "Succeeded", undefined],
    ]);

    const none = await runKssInProcess([...base, "--config", "app"]);
    expect(none.exitCode).toBe(0);
    expect(none.stdout).toContain("no BackupVerificationSessions");

    const missing = await runKssInProcess([...base, "--config", "nope"]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stdout).toBe("");
    expect(missing.stderr).toContain(`BackupConfiguration ${ns}/nope does not exist on cluster ${id}`);
  });

  it("kss verify history on a cluster without the verification CRDs lists none", async () => {
    const id = plane.clusters[1]?.id ?? "";
    const run = await runKssInProcess([
      "verify",
      "history",
      "--registry",
      registryFile,
      "--cluster",
      id,
      "-n",
      ns,
      "--config",
      "app",
    ]);
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("no BackupVerificationSessions");
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
    expect(run.stdout).toContain(`CLUSTER ${id} (local ${id}) · reachable · 2 configurations · 0 overdue`);
    expect(run.stdout).toMatch(new RegExp(`${ns}/app\\s+\\w+\\s+hourly\\s+ok\\s+30m ago\\s+-\\s`));
    // The VERIFIED column of the verified configuration: one entry per repository.
    expect(run.stdout).toContain(
      "repo-a:Succeeded 3h +running repo-b:Failed 10m, ok 1d repo-c:Skipped 2h repo-d:never repo-e:missing",
    );
    expect(run.stdout).toContain("1 verified restores failed");
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

/** Deletes the verification CRDs of a cluster (one set up before issue 19) and waits until their LISTs answer 404. */
async function withoutVerificationCrds(admin: KubeClient): Promise<void> {
  for (const crd of ["backupverificationsession.core.kubestash.com", "backupverifier.core.kubestash.com"])
    await admin.transport.request({
      method: "DELETE",
      path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd}`,
    });
  const deadline = Date.now() + 30_000;
  for (const kind of ["BackupVerificationSession", "BackupVerifier"] as const) {
    for (;;) {
      const gone = await admin.list(kind).then(
        () => false,
        (error: unknown) => {
          if (error instanceof NotFoundError) return true;
          throw error;
        },
      );
      if (gone) break;
      if (Date.now() > deadline) throw new Error(`${kind} is still served`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

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
