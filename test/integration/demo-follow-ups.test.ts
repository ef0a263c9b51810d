import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyManifests, readManifests, writeLocalRegistry } from "../../local/demo.ts";
import { DemoExecutor } from "../../local/demo-executor.ts";
import type { EventEnvelope } from "../../local/local-bus.ts";
import { LocalRuntime } from "../../local/runtime.ts";
import { loadRegistryFile } from "../../shared/clusters/registry.ts";
import { type ClusterInfo, type ControlPlane, startControlPlane } from "../controlplane/index.ts";
import { clientFor, installRbac } from "../support/kube.ts";

/**
 * `npm start -- --minute-ms 3000`'s demo (examples/demo: a `* * * * *` schedule, Forbid, a retry after 30 s;
 * local/demo-executor.ts plays the cluster, a backup taking about 2 s of schedule time) with the in-process
 * follow-up queues: every scheduled run gets its session and none is Skipped, because each session's end is
 * seen within seconds rather than at the next tick. A private control plane: the demo namespace is its own.
 */

const MS_PER_MINUTE = 3_000;
const MINUTES = 8;
let plane: ControlPlane;
let dir: string;
let runtime: LocalRuntime;
let executor: DemoExecutor;
const events: EventEnvelope[] = [];

beforeAll(async () => {
  plane = await startControlPlane({ clusters: 1 });
  const cluster = plane.clusters[0] as ClusterInfo;
  const admin = await clientFor(cluster, "admin");
  await installRbac(admin);
  await applyManifests(admin, await readManifests());
  dir = await mkdtemp(path.join(os.tmpdir(), "kss-demo-"));
  const registryFile = path.join(dir, "clusters.yaml");
  await writeLocalRegistry([cluster], registryFile);
  runtime = await LocalRuntime.start({
    registry: await loadRegistryFile(registryFile),
    msPerMinute: MS_PER_MINUTE,
    logLevel: "SILENT",
    onEvent: (envelope) => events.push(envelope),
  });
  // As local/start.ts builds it for a fast-forwarded run.
  executor = new DemoExecutor([admin], () => runtime.clock.now(), MS_PER_MINUTE / 30);
  executor.start();
  await new Promise((resolve) => setTimeout(resolve, (MINUTES + 0.5) * MS_PER_MINUTE));
}, 120_000);

afterAll(async () => {
  executor?.stop();
  await runtime?.stop();
  await plane?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("npm start's demo with follow-ups", () => {
  it(`shows every run of its * * * * * schedule over ${MINUTES} minutes, none Skipped`, () => {
    const detail = (e: EventEnvelope) => e.detail as Record<string, unknown>;
    const scheduled = events.filter(
      (e) => e["detail-type"] === "BackupSession Created" && detail(e).origin === "schedule",
    );
    const minutes = new Set(scheduled.map((e) => String(detail(e).scheduledTime)));
    const skipped = events.filter(
      (e) => e["detail-type"] === "BackupSession Phase Changed" && detail(e).newPhase === "Skipped",
    );
    const ended = events.filter(
      (e) =>
        e["detail-type"] === "BackupSession Phase Changed" &&
        ["Succeeded", "Failed"].includes(String(detail(e).newPhase)),
    );
    expect(minutes.size).toBeGreaterThanOrEqual(MINUTES);
    expect(scheduled).toHaveLength(minutes.size);
    expect(skipped.map((e) => detail(e).name)).toEqual([]);
    expect(ended.length).toBeGreaterThanOrEqual(MINUTES - 1);
  });
});
