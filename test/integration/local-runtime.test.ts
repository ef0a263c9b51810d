import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { applyManifests, readManifests, writeLocalRegistry } from "../../local/demo.ts";
import type { EventEnvelope } from "../../local/local-bus.ts";
import { LocalRuntime } from "../../local/runtime.ts";
import { EventBridgePublisher } from "../../shared/bus/eventbridge-publisher.ts";
import { eventFor } from "../../shared/bus/publisher.ts";
import { loadRegistryFile } from "../../shared/clusters/registry.ts";
import { BackupTriggerRequested } from "../../shared/model/events/backup-trigger-requested.ts";
import { clientFor, installRbac } from "../support/kube.ts";

const { clusters } = inject("controlPlane");
const two = clusters.slice(0, 2);

let dir: string;
let runtime: LocalRuntime;
const events: Array<{ envelope: EventEnvelope; targets: string[] }> = [];
const failures: string[] = [];

beforeAll(async () => {
  const manifests = await readManifests();
  for (const cluster of two) {
    const admin = await clientFor(cluster, "admin");
    await installRbac(admin);
    await applyManifests(admin, manifests);
  }
  dir = await mkdtemp(path.join(os.tmpdir(), "kss-local-"));
  const registryFile = path.join(dir, "clusters.yaml");
  await writeLocalRegistry(two, registryFile);
  // Fast-forward: one minute of schedule time every 1.5 s, from an hour ahead so nothing from other tests is due.
  runtime = await LocalRuntime.start({
    registry: await loadRegistryFile(registryFile),
    msPerMinute: 1_500,
    startAt: new Date(Date.now() + 3_600_000),
    onEvent: (envelope, targets) => events.push({ envelope, targets }),
    onDelivery: (fn, e, outcome, error) => {
      if (outcome !== "done") failures.push(`${fn} ${e["detail-type"]}: ${outcome} ${String(error ?? "")}`);
    },
  });
  await new Promise((resolve) => setTimeout(resolve, 5_000));
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("npm start's runtime: the whole function set in one process", () => {
  it("fires the schedule every (fast-forwarded) minute and ticks every cluster", () => {
    const ticks = events.filter((e) => e.envelope["detail-type"] === "Schedule Tick");
    const clusterIds = new Set(ticks.map((t) => (t.envelope.detail as { clusterId: string }).clusterId));
    expect([...clusterIds].sort()).toEqual(two.map((c) => c.id).sort());
    expect(ticks.every((t) => t.targets.includes("create-sessions"))).toBe(true);
  });

  it("creates a session on each of the 2 clusters and publishes BackupSession Created", async () => {
    const created = events.filter((e) => e.envelope["detail-type"] === "BackupSession Created");
    const onClusters = new Set(created.map((e) => (e.envelope.detail as { clusterId: string }).clusterId));
    expect([...onClusters].sort()).toEqual(two.map((c) => c.id).sort());
    for (const cluster of two) {
      const admin = await clientFor(cluster, "admin");
      const sessions = await admin.list("BackupSession", { namespace: "demo" });
      expect(sessions.items.some((s) => s.spec.invoker?.name === "demo-pvc-backup")).toBe(true);
    }
    expect(failures).toEqual([]);
  });

  it("takes events from other systems at its PutEvents endpoint, through the real AWS SDK", async () => {
    const endpoint = runtime.putEvents?.url;
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = new EventBridgeClient({
      endpoint,
      region: "local",
      credentials: { accessKeyId: "x", secretAccessKey: "x" },
    });
    const cluster = two[0]?.id ?? "";
    await new EventBridgePublisher({ client, eventBusName: "local" }).publish([
      eventFor(
        BackupTriggerRequested,
        {
          version: "1",
          clusterId: cluster,
          requestId: `local-test-${Date.now()}`,
          namespace: "demo",
          configuration: "demo-pvc-backup",
        },
        { source: "kss.cli" },
      ),
    ]);
    await runtime.bus.idle();
    const trigger = events.find((e) => e.envelope["detail-type"] === "Backup Trigger Requested");
    expect(trigger?.targets).toEqual(["trigger-backup"]);
    const createdByTrigger = events.filter(
      (e) =>
        e.envelope["detail-type"] === "BackupSession Created" &&
        (e.envelope.detail as { origin: string }).origin === "trigger",
    );
    expect(createdByTrigger).toHaveLength(1);
  });

  it("sends a malformed event to its dead-letter queue instead of failing", async () => {
    runtime.bus.dispatch({
      ...runtime.bus.envelope({
        detailType: "Schedule Tick",
        source: "kubestash-serverless",
        detail: { clusterId: "NOT VALID" },
      }),
    });
    await runtime.bus.idle();
    // Every function subscribed to Schedule Tick rejects it into the dead-letter queue, none fails.
    const entries = runtime.deadLetters.entries.filter((e) => e.functionName === "create-sessions");
    expect(entries).toHaveLength(1);
    expect(entries[0]?.issues?.map((i) => i.path)).toContain("detail.clusterId");
    expect(failures.filter((f) => f.includes(": failed"))).toEqual([]);
  });
});
