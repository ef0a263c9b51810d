import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventEnvelope } from "../../local/local-bus.ts";
import { LocalRuntime } from "../../local/runtime.ts";
import type { FollowUp } from "../../shared/bus/follow-up-queue.ts";
import { eventFor } from "../../shared/bus/publisher.ts";
import { loadRegistryFile } from "../../shared/clusters/registry.ts";
import type { SqsBatchResult } from "../../shared/handler/sqs-batch.ts";
import type { KubeClient } from "../../shared/kube/client.ts";
import { BackupTriggerRequested } from "../../shared/model/events/backup-trigger-requested.ts";
import { JobComponent, Label } from "../../shared/model/labels.ts";
import { type ClusterInfo, type ControlPlane, startControlPlane } from "../controlplane/index.ts";
import { TimedExecutor, until, writeRegistry } from "../support/follow-up-cluster.ts";
import { installConfiguration, lifecycleNamespace } from "../support/lifecycle.ts";
import { motoClientConfig } from "../support/moto.ts";
import { motoEndpoint } from "../support/moto-routes.ts";

/**
 * Follow-ups (docs/follow-ups.md) on the local runtime of `npm start`, on the real clock, with its follow-up
 * queues on real SQS (moto: DelaySeconds, batches, deletes) and a private real API server (the sweep is
 * cluster-wide, so other files' sessions stay out). The cluster's part is played by TimedExecutor.
 */

const CAP = 4;
let plane: ControlPlane;
let one: ClusterInfo;
let admin: KubeClient;
let ns: string;
let dir: string;
let runtime: LocalRuntime;
let executor: TimedExecutor;
const events: EventEnvelope[] = [];
const batches: SqsBatchResult[] = [];
const failures: string[] = [];
/** Session-name prefixes whose follow-ups are lost (first one only) or always duplicated. */
const dropFirstOf = new Set<string>();
const dropped = new Map<string, number>();
const duplicateOf = new Set<string>();
/** Configuration → how its backups end and how long they run; absent: they keep running. */
const plans = new Map<string, { outcome: "Succeeded" | "Failed"; runMs: number }>();

const nameOf = (f: FollowUp) => (f.event.detail as { name?: string; failedSession?: string }).name ?? "";
const planFor = (session: string) => [...plans].find(([config]) => session.startsWith(`${config}-`))?.[1];

/** A new configuration is made Ready by create-sessions on a tick (fired here rather than waiting for the minute). */
async function install(name: string, session: Parameters<typeof installConfiguration>[3]) {
  await installConfiguration(admin, ns, name, session);
  runtime.fireSchedules(new Date());
  await until(
    `${name} to be Ready`,
    async () =>
      (await admin.get("BackupConfiguration", ns, name)).status?.phase === "Ready" ? true : undefined,
    20_000,
  );
}

async function trigger(configuration: string, requestId = `${configuration}-request-${Date.now()}`) {
  await runtime.bus.publish([
    eventFor(
      BackupTriggerRequested,
      { version: "1", clusterId: one.id, requestId, namespace: ns, configuration },
      { source: "kss.cli" },
    ),
  ]);
}

const sessionsOf = async (configuration: string) =>
  (await admin.list("BackupSession", { namespace: ns })).items.filter(
    (s) => s.spec.invoker?.name === configuration,
  );

async function sessionOf(configuration: string): Promise<string> {
  return until(
    `a session of ${configuration}`,
    async () => (await sessionsOf(configuration))[0]?.metadata.name,
    10_000,
  );
}

async function phaseOf(name: string, phases: string[], timeoutMs: number): Promise<number> {
  return until(
    `${name} to be ${phases.join("/")}`,
    async () => {
      const phase = (await admin.get("BackupSession", ns, name)).status?.phase ?? "";
      return phases.includes(phase) ? Date.now() : undefined;
    },
    timeoutMs,
  );
}

beforeAll(async () => {
  plane = await startControlPlane({ clusters: 1 });
  one = plane.clusters[0] as ClusterInfo;
  ({ admin, ns } = await lifecycleNamespace(one, "follow-ups"));
  dir = await mkdtemp(path.join(os.tmpdir(), "kss-follow-ups-"));
  const registryFile = path.join(dir, "clusters.yaml");
  await writeRegistry([one], registryFile);
  executor = new TimedExecutor(admin, ns, planFor);
  executor.start();
  runtime = await LocalRuntime.start({
    registry: await loadRegistryFile(registryFile),
    sqs: new SQSClient(motoClientConfig(motoEndpoint())),
    maxFollowUpsPerCluster: CAP,
    onEvent: (envelope) => events.push(envelope),
    onDelivery: (fn, e, outcome, error) => {
      if (outcome !== "done") failures.push(`${fn} ${e["detail-type"]}: ${outcome} ${String(error ?? "")}`);
    },
    onFollowUpBatch: (fn, result) => {
      if (fn === "reconcile-session") batches.push(result);
    },
    followUpFault: (f) => {
      const name = nameOf(f);
      const prefix = [...dropFirstOf].find((p) => name.startsWith(p));
      if (prefix && !dropped.has(name)) {
        dropped.set(name, 1);
        return "drop";
      }
      return [...duplicateOf].some((p) => name.startsWith(p)) ? "duplicate" : undefined;
    },
  });
}, 180_000);

afterAll(async () => {
  await executor?.stop();
  await runtime?.stop();
  await plane?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("follow-ups: a running session is looked at again within seconds", () => {
  it("sees a session finished within seconds of its executor's final Snapshot write, not at the next tick", async () => {
    // Prepare: a backup that runs 3 s
    await install("quick", { scheduler: { schedule: "0 0 1 1 *", jobTemplate: {} } });
    plans.set("quick", { outcome: "Succeeded", runMs: 3_000 });
    // Act
    await trigger("quick");
    const name = await sessionOf("quick");
    const done = await phaseOf(name, ["Succeeded", "Failed"], 40_000);
    // Assess
    const written = executor.snapshotWritten.get(name) ?? Number.NaN;
    expect((await admin.get("BackupSession", ns, name)).status?.phase).toBe("Succeeded");
    expect(done - written).toBeLessThan(8_000);
    expect(failures).toEqual([]);
  }, 60_000);

  it("starts a retry within seconds of its nextRetry", async () => {
    // Prepare: a backup that fails after 1 s, retried once 10 s later
    await install("flaky", {
      scheduler: { schedule: "0 0 1 1 *", jobTemplate: {} },
      retryConfig: { maxRetry: 1, delay: "10s" },
    });
    plans.set("flaky", { outcome: "Failed", runMs: 1_000 });
    // Act
    await trigger("flaky");
    const name = await sessionOf("flaky");
    await phaseOf(name, ["Failed"], 40_000);
    const retryName = `${name}-retry-1`;
    const retry = await until(
      "the retry",
      async () => (await sessionsOf("flaky")).find((s) => s.metadata.name === retryName),
      40_000,
    );
    // Assess: created at nextRetry (creationTimestamp has whole seconds), not at the next minute tick
    const nextRetry = Date.parse((await admin.get("BackupSession", ns, name)).status?.nextRetry ?? "");
    const created = Date.parse(retry.metadata.creationTimestamp ?? "");
    expect(created - nextRetry).toBeGreaterThanOrEqual(-1_000);
    expect(created - nextRetry).toBeLessThanOrEqual(5_000);
  }, 60_000);

  it("duplicated follow-ups create nothing twice", async () => {
    // Prepare: every follow-up of this configuration's sessions sent twice
    await install("twice", { scheduler: { schedule: "0 0 1 1 *", jobTemplate: {} } });
    duplicateOf.add("twice-");
    plans.set("twice", { outcome: "Succeeded", runMs: 2_000 });
    const duplicatesBefore = batches.reduce((n, b) => n + b.duplicates, 0);
    // Act
    await trigger("twice");
    const name = await sessionOf("twice");
    await phaseOf(name, ["Succeeded", "Failed"], 40_000);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // Assess: one of each object, one Phase Changed per phase, and duplicates were seen and dropped
    const snapshots = (await admin.list("Snapshot", { namespace: ns })).items.filter(
      (s) => s.spec.backupSession === name,
    );
    const jobs = (await admin.list("Job", { namespace: ns, labelSelector: `${Label.InvokerName}=${name}` }))
      .items;
    const changes = events.filter(
      (e) =>
        e["detail-type"] === "BackupSession Phase Changed" && (e.detail as { name?: string }).name === name,
    );
    expect(snapshots).toHaveLength(1);
    expect(jobs.filter((j) => j.metadata.labels?.[Label.Component] === JobComponent.Backup)).toHaveLength(1);
    expect(changes.map((c) => (c.detail as { newPhase: string }).newPhase)).toEqual(["Running", "Succeeded"]);
    expect(batches.reduce((n, b) => n + b.duplicates, 0)).toBeGreaterThan(duplicatesBefore);
  }, 60_000);

  it("a dropped follow-up is caught by the sweep", async () => {
    // Prepare: the session's first follow-up is lost
    await install("lost", { scheduler: { schedule: "0 0 1 1 *", jobTemplate: {} } });
    dropFirstOf.add("lost-");
    plans.set("lost", { outcome: "Succeeded", runMs: 500 });
    // Act: the sweep runs on each Schedule Tick (fired here every 2 s instead of waiting for the minute)
    await trigger("lost");
    const name = await sessionOf("lost");
    const sweeps = setInterval(() => runtime.fireSchedules(new Date()), 2_000);
    try {
      await phaseOf(name, ["Succeeded", "Failed"], 45_000);
    } finally {
      clearInterval(sweeps);
    }
    // Assess
    expect(dropped.get(name)).toBe(1);
    expect((await admin.get("BackupSession", ns, name)).status?.phase).toBe("Succeeded");
  }, 60_000);

  it(`holds the cap with 200 running sessions on one cluster: at most ${CAP} follow-ups per batch, 2 batches at once`, async () => {
    // Prepare: 200 sessions whose backups keep running
    await install("many", {
      scheduler: { schedule: "0 0 1 1 *", jobTemplate: {}, concurrencyPolicy: "Allow" },
    });
    const before = batches.length;
    // Seen once right after the configuration turned Ready: sessions reconciled in that second were Skipped
    // as NotReady (an empty status read); reported in the follow-ups report, not this test's subject.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // Act
    for (let i = 0; i < 200; i += 20)
      await Promise.all(Array.from({ length: 20 }, (_, j) => trigger("many", `many-request-${i + j}`)));
    await until(
      "200 sessions",
      async () => ((await sessionsOf("many")).length >= 200 ? true : undefined),
      60_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    // Assess
    const seen = batches.slice(before);
    const perBatch = seen.map((b) => b.admitted[one.id] ?? 0);
    expect(Math.max(...perBatch)).toBeLessThanOrEqual(CAP);
    expect(seen.some((b) => b.deferred > 0)).toBe(true);
    expect(runtime.followUpStats.maxBatchesInFlight).toBeLessThanOrEqual(2);
    const phases = (await sessionsOf("many")).map((s) => s.status?.phase ?? "new");
    // Still unfinished, all of them: the follow-ups keep coming for each (and nothing failed meanwhile).
    expect(phases.filter((p) => ["Succeeded", "Failed", "Skipped"].includes(p))).toEqual([]);
    expect(failures).toEqual([]);
  }, 150_000);
});
