import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { definition as evaluateFailureFunction } from "../../functions/evaluate-failure/function.ts";
import { writeLocalRegistry } from "../../local/demo.ts";
import type { DeadLetterEntry } from "../../shared/bus/dead-letter.ts";
import { ManualClock } from "../../shared/clock.ts";
import { loadRegistry } from "../../shared/clusters/registry.ts";
import { handleEvent } from "../../shared/handler/handle-event.ts";
import { observability } from "../../shared/handler/observability.ts";
import { ClusterClients } from "../../shared/kube/cluster-clients.ts";
import type { KubeClient } from "../../shared/kube/index.ts";
import { type BackupSession, toKubeTime } from "../../shared/model/index.ts";
import { clockFrom } from "../support/clock.ts";
import { runKssInProcess } from "../support/kss.ts";
import {
  installConfiguration,
  lifecycleNamespace,
  nextHour,
  RecordingPublisher,
} from "../support/lifecycle.ts";
import { eventReasons, writeFailedSession } from "../support/retries.ts";
import { sharedCluster } from "../support/shared-cluster.ts";

/**
 * What people and dashboards see of retries: the evaluate-failure function handling a real "Phase Changed"
 * envelope (its metric, its dead-letter path), the Events on the failed session, and `kss retries`.
 */

const two = sharedCluster(1);

let admin: KubeClient;
let ns: string;
let dir: string;
let failed: BackupSession;
const { atSeconds } = clockFrom(nextHour());

beforeAll(async () => {
  ({ admin, ns } = await lifecycleNamespace(two, "seen"));
  await installConfiguration(admin, ns, "seen", { retryConfig: { maxRetry: 2, delay: "0s" } });
  failed = await writeFailedSession(
    admin,
    await admin.get("BackupConfiguration", ns, "seen"),
    "seen-1",
    2,
    atSeconds(22),
  );
  dir = await mkdtemp(path.join(os.tmpdir(), "kss-retries-"));
});

afterAll(async () => rm(dir, { recursive: true, force: true }));

describe("the evaluate-failure function", () => {
  it("takes a Phase Changed event, creates the retry, counts the decision as a metric; a malformed one is dead-lettered", async () => {
    // Prepare: the function's own dependencies, with a registry naming the cluster and its cap
    const registry = loadRegistry(
      {
        clusters: [
          {
            id: two.id,
            maxConcurrentRetries: 1000,
            credentials: { source: "kubeconfig", path: two.functionsKubeconfigPath },
          },
        ],
      },
      { baseDir: dir },
    );
    const clusterClients = new ClusterClients(registry);
    const deadLetters: DeadLetterEntry[] = [];
    const deps = {
      ...observability("evaluate-failure", { logLevel: "SILENT" }),
      clock: new ManualClock(atSeconds(30)),
      deadLetters: { send: async (entry: DeadLetterEntry) => void deadLetters.push(entry) },
      publisher: new RecordingPublisher(),
      clusters: clusterClients,
      loadRegistry: async () => registry,
    };
    const detail = {
      version: "1",
      clusterId: two.id,
      namespace: ns,
      name: "seen-1",
      configuration: "seen",
      session: "hourly",
      oldPhase: "Running",
      newPhase: "Failed",
      reasons: [],
      retryLeft: 2,
      resourceVersion: failed.metadata.resourceVersion ?? "1",
      changedAt: toKubeTime(atSeconds(22)),
    };
    const envelope = {
      id: "e-1",
      "detail-type": "BackupSession Phase Changed",
      source: "kubestash-serverless",
      detail,
    };
    // Act
    const outcome = await handleEvent(evaluateFailureFunction, envelope, deps);
    const bad = await handleEvent(
      evaluateFailureFunction,
      { ...envelope, detail: { ...detail, newPhase: "Broken" } },
      deps,
    );
    // Assess
    expect(outcome).toMatchObject({
      status: "done",
      result: [{ result: "created", retry: "seen-1-retry-1" }],
    });
    expect(JSON.stringify(deps.metrics.serializeMetrics())).toContain("RetriesCreated");
    expect(deps.publisher.ofType("BackupSession Created")).toHaveLength(1);
    expect(bad.status).toBe("rejected");
    expect(deadLetters).toHaveLength(1);
    expect(await eventReasons(admin, ns, "seen-1")).toEqual(["RetryCreated"]);
    await clusterClients.close();
  });
});

describe("kss retries", () => {
  it("shows the chains of a configuration, as a table and as JSON; an unknown cluster is a usage error", async () => {
    const registryFile = path.join(dir, "clusters.yaml");
    await writeLocalRegistry([two], registryFile);
    const base = ["retries", "--cluster", two.id, "-n", ns, "--config", "seen", "--registry", registryFile];
    const json = await runKssInProcess([...base, "--output", "json"]);
    expect(json.exitCode).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      configuration: "seen",
      chains: [
        [
          {
            name: "seen-1",
            phase: "Failed",
            retryLeft: 2,
            retried: true,
            nextRetry: toKubeTime(atSeconds(22)),
          },
          { name: "seen-1-retry-1", phase: "(new)", retryLeft: 1, retried: false, retryOf: "seen-1" },
        ],
      ],
    });
    const table = await runKssInProcess(base);
    expect(table.stdout).toMatch(/SESSION\s+PHASE\s+RETRY-LEFT\s+NEXT-RETRY\s+RETRIED/);
    expect(table.stdout).toMatch(/└─ seen-1-retry-1\s+\(new\)\s+1/);
    const unknown = await runKssInProcess([...base.slice(0, 2), "nope", ...base.slice(3)]);
    expect(unknown).toMatchObject({ exitCode: 2, stderr: expect.stringContaining("nope") });
  });
});
