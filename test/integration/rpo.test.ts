import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { writeLocalRegistry } from "../../local/demo.ts";
import { loadRegistry } from "../../shared/clusters/registry.ts";
import type { KubeClient } from "../../shared/kube/client.ts";
import { ClusterClients } from "../../shared/kube/cluster-clients.ts";
import type { Condition } from "../../shared/model/common.ts";
import type { RpoAtRiskDetail } from "../../shared/model/events/rpo-at-risk.ts";
import { createDueSessions } from "../../shared/usecases/create-sessions.ts";
import type { FleetStatus, ReachableCluster } from "../../shared/usecases/fleet-status.ts";
import { scheduleCluster } from "../../shared/usecases/schedule-cluster.ts";
import { type ControlPlane, startControlPlane } from "../controlplane/index.ts";
import { seedCluster, sessionInPhase, succeededSnapshot } from "../support/fleet-world.ts";
import { runKssInProcess } from "../support/kss.ts";
import { clientFor, uniqueNamespace } from "../support/kube.ts";
import { installConfiguration, nextHour, RecordingPublisher } from "../support/lifecycle.ts";

/**
 * RPO targets on the real API server (docs/rpo.md), on a private control plane of one cluster (no other test
 * file's tick rates these configurations): "app" is hourly with `rpo-target: 2h`, its last success a Snapshot
 * 3 h before its first run, and that run Failed. Half an hour later the fleet JSON and `kss fleet` show level 4
 * (1h30m past), a tick publishes "RPO At Risk" once and records RPOAtRisk, a second tick publishes nothing and
 * writes nothing; after the next run Succeeded the level is 1 and the condition False. "bad" has a target
 * that is not a duration: a configuration problem in the fleet view and an Unknown condition, never a crash.
 * "plain" has no annotation: the registry's rpoTarget and rpoAlarmLevel rate it when scheduleCluster runs the
 * tick as the function does, with the RPOAtRisk metric.
 */

let plane: ControlPlane;
let dir: string;
let registryFile: string;
let admin: KubeClient;
let functions: KubeClient;
const ns = uniqueNamespace("rpo");
const due = nextHour();
const at = (minutes: number) => new Date(due.getTime() + minutes * 60_000);
const NOW = at(30);
let failed = "";

beforeAll(async () => {
  plane = await startControlPlane({ clusters: 1 });
  const [cluster] = plane.clusters;
  if (!cluster) throw new Error("one cluster");
  ({ admin } = await seedCluster(cluster, ns));
  functions = await clientFor(cluster, "functions");
  await admin.patch("BackupConfiguration", ns, "app", {
    metadata: { annotations: { "serverless.kubestash.com/rpo-target": "2h" } },
  });
  await installConfiguration(admin, ns, "bad");
  await admin.patch("BackupConfiguration", ns, "bad", {
    metadata: { annotations: { "serverless.kubestash.com/rpo-target": "soon" } },
  });
  // No annotation: only the registry's rpoTarget rates it (last test). A PVC of its own: never backed up.
  await installConfiguration(admin, ns, "plain");
  await admin.patch("BackupConfiguration", ns, "plain", {
    spec: { target: { kind: "PersistentVolumeClaim", name: "plain-data", namespace: ns } },
  });
  // The first run (its tick finds "app" on target: never backed up, created less than 2 h ago), then Failed.
  failed = await sessionInPhase(admin, ns, due, "Failed");
  // The last success: a Snapshot taken 3 h before that run (adopted from before the configuration).
  await succeededSnapshot(admin, ns, "app-hourly-old", at(-180));
  dir = await mkdtemp(path.join(os.tmpdir(), "kss-rpo-it-"));
  registryFile = path.join(dir, "clusters.yaml");
  await writeLocalRegistry(plane.clusters, registryFile);
}, 180_000);

afterAll(async () => {
  await admin?.transport.close();
  await functions?.transport.close();
  await plane?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function fleetAt(now: Date, output: "json" | "table" = "json") {
  return runKssInProcess(["fleet", "--registry", registryFile, "-o", output, "--now", now.toISOString()]);
}

function sessionOf(status: FleetStatus, configuration: string) {
  const cluster = status.clusters[0] as ReachableCluster;
  return cluster.configurations.find((c) => c.namespace === ns && c.name === configuration);
}

async function conditionOf(configuration: string): Promise<Condition | undefined> {
  const config = await admin.get("BackupConfiguration", ns, configuration);
  return config.status?.sessions
    ?.find((s) => s.name === "hourly")
    ?.conditions?.find((c) => c.type === "RPOAtRisk");
}

const tick = (now: Date, publisher = new RecordingPublisher()) =>
  createDueSessions({ client: functions, publisher }, now).then((report) => ({ report, publisher }));

describe("an RPO target on the real API server", () => {
  it("the fleet JSON shows level 4, 1h30m past the 2h target, with why; kss fleet exits 1", async () => {
    const run = await fleetAt(NOW);
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(1);
    const status = JSON.parse(run.stdout) as FleetStatus;
    const app = sessionOf(status, "app");
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    expect(app?.sessions[0]?.rpoRisk).toEqual({
      target: "2h",
      targetSeconds: 7200,
      source: "annotation",
      level: 4,
      reason: `last backup 3h30m ago, 1h30m past the 2h target; last run failed; next run ${hhmm(at(60))}`,
      timeLeftSeconds: -90 * 60,
      deadline: at(-60).toISOString().replace(".000", ""),
      projectedAt: at(60).toISOString().replace(".000", ""),
      alarmLevel: 3,
      atRisk: true,
    });
    expect(status.summary.rpoAtRisk).toBe(1);
    expect(sessionOf(status, "bad")?.rpoErrors).toEqual([
      'annotation serverless.kubestash.com/rpo-target: "soon" is not an RPO target (a duration such as 26h, 90m or 2d)',
    ]);
    const table = await fleetAt(NOW, "table");
    expect(table.stdout).toMatch(new RegExp(`${ns}/app +Ready +hourly .* 4 -1h30m! `));
    expect(table.stdout).toContain(`RPO 4 ${ns}/app hourly: last backup 3h30m ago`);
    expect(table.stdout).toContain(`RPO target of ${ns}/bad: annotation serverless.kubestash.com/rpo-target`);
    expect(table.stdout).toContain("1 at RPO risk");
  });

  it('a tick publishes "RPO At Risk" once and records it; the next tick publishes and writes nothing', async () => {
    const first = await tick(NOW);
    const announced = first.publisher.ofType("RPO At Risk");
    expect(announced).toHaveLength(1);
    expect(announced[0]?.detail as RpoAtRiskDetail).toMatchObject({
      clusterId: functions.clusterId,
      namespace: ns,
      configuration: "app",
      session: "hourly",
      level: 4,
      alarmLevel: 3,
      target: "2h",
      targetSeconds: 7200,
      timeLeftSeconds: -5400,
      since: at(-60).toISOString().replace(".000", ""),
      lastSuccessfulBackup: at(-180).toISOString().replace(".000", ""),
    });
    expect(first.report.rpo?.find((r) => r.configuration === "app")).toMatchObject({
      level: 4,
      atRisk: true,
      announced: true,
      recorded: true,
    });
    const recorded = await conditionOf("app");
    expect(recorded).toMatchObject({ status: "True", reason: "Level4" });
    expect(recorded?.message).toMatch(/^level 4: last backup 3h30m ago/);
    expect(await conditionOf("bad")).toMatchObject({ status: "Unknown", reason: "InvalidRPOTarget" });

    const before = (await admin.get("BackupConfiguration", ns, "app")).metadata.resourceVersion;
    const second = await tick(at(31));
    expect(second.publisher.ofType("RPO At Risk")).toEqual([]);
    expect((await admin.get("BackupConfiguration", ns, "app")).metadata.resourceVersion).toBe(before);
    expect(await conditionOf("app")).toEqual(recorded);
  });

  it("after the next run Succeeded the level is 1, the condition False, and nothing is announced", async () => {
    await sessionInPhase(admin, ns, at(60), "Succeeded");
    const { publisher } = await tick(at(61));
    expect(publisher.ofType("RPO At Risk")).toEqual([]);
    expect(await conditionOf("app")).toMatchObject({ status: "False", reason: "BelowAlarmLevel" });
    const status = JSON.parse((await fleetAt(at(61))).stdout) as FleetStatus;
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    expect(sessionOf(status, "app")?.sessions[0]?.rpoRisk).toMatchObject({
      level: 1,
      atRisk: false,
      timeLeftSeconds: 119 * 60,
      reason: `on target: last backup 1m ago; next run ${hhmm(at(120))}; 1h59m left of the 2h target`,
    });
    expect(status.summary.rpoAtRisk).toBe(0);
    expect(failed).not.toBe("");
  });

  it("the registry's rpoTarget and rpoAlarmLevel through create-sessions' handler use case: the event, and the RPOAtRisk metric", async () => {
    const [cluster] = plane.clusters;
    if (!cluster) throw new Error("one cluster");
    const registry = loadRegistry(
      {
        clusters: [
          {
            id: cluster.id,
            rpoTarget: "30m",
            rpoAlarmLevel: 4,
            credentials: { source: "kubeconfig", path: cluster.functionsKubeconfigPath },
          },
        ],
      },
      { baseDir: dir },
    );
    const clusters = new ClusterClients(registry);
    const publisher = new RecordingPublisher();
    const metrics = { addMetric: vi.fn(), addDimension: vi.fn() };
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    try {
      await scheduleCluster(
        { clusters, publisher, clock: { now: () => at(62) }, metrics, logger },
        cluster.id,
      );
    } finally {
      await clusters.close({ force: true });
    }
    // "plain" (never backed up, past 30 m) is 5, at the registry's alarm level 4; "app" keeps its own 2h (level 1).
    const announced = publisher.ofType("RPO At Risk").map((e) => e.detail as RpoAtRiskDetail);
    expect(announced.map((d) => [d.configuration, d.level, d.alarmLevel, d.target])).toEqual([
      ["plain", 5, 4, "30m"],
    ]);
    expect(announced[0]?.reason).toMatch(/^never backed up, \d+[hm][\dhm]* past the 30m target/);
    expect(metrics.addMetric).toHaveBeenCalledWith("RPOAtRisk", "Count", 1);
    expect(await conditionOf("plain")).toMatchObject({ status: "True", reason: "Level5" });
  });
});
