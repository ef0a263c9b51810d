import { beforeAll, describe, expect, it } from "vitest";
import { isRunningRetry } from "../../shared/decide/retry/retry-status.ts";
import { KubeClient, KubeTransport } from "../../shared/kube/index.ts";
import { type BackupConfiguration, type BackupSession, toKubeTime } from "../../shared/model/index.ts";
import { SerialByKey } from "../../shared/usecases/concurrency.ts";
import { evaluateFailure, sweepFailures } from "../../shared/usecases/evaluate-failure.ts";
import { readRetryConfiguration } from "../../shared/usecases/retry-configuration.ts";
import { clockFrom } from "../support/clock.ts";
import { FaultProxy } from "../support/fault-proxy.ts";
import { createRaw } from "../support/kube.ts";
import {
  installConfiguration,
  lifecycleNamespace,
  nextHour,
  RecordingPublisher,
} from "../support/lifecycle.ts";
import { retriesOf, writeFailedSession } from "../support/retries.ts";
import { sharedCluster } from "../support/shared-cluster.ts";

/**
 * The storm guard (a per-cluster cap of running retries, no retry while the API server fails its readiness
 * check) and a bad retry delay — on the second cluster, so the retries retries.test.ts leaves running do not
 * count here. Sessions fail at `atSeconds(22)`.
 */

const two = sharedCluster(1);

let admin: KubeClient;
let functions: KubeClient;
let ns: string;
let storm: BackupConfiguration;
const { atSeconds, frozenAtSeconds } = clockFrom(nextHour());
const FAILED = atSeconds(22);

const runningRetries = async () => (await admin.list("BackupSession")).items.filter(isRunningRetry).length;
const finish = (session: BackupSession) =>
  admin.replaceStatus("BackupSession", { ...session, status: { phase: "Succeeded" } });
const failMany = (prefix: string, count: number) =>
  Promise.all(
    Array.from({ length: count }, (_, i) =>
      writeFailedSession(admin, storm, `${prefix}-${i + 1}`, 1, FAILED),
    ),
  );

beforeAll(async () => {
  ({ admin, functions, ns } = await lifecycleNamespace(two, "guard"));
  await installConfiguration(admin, ns, "storm", { retryConfig: { maxRetry: 1, delay: "0s" } });
  storm = await admin.get("BackupConfiguration", ns, "storm");
});

describe("storm guard", () => {
  it("holds the per-cluster cap of running retries; the held-back ones are recorded and retried later", async () => {
    // Prepare: four failures at once, room for two retries
    const cap = (await runningRetries()) + 2;
    const failed = await failMany("storm", 4);
    const deps = { client: functions, publisher: new RecordingPublisher(), maxConcurrentRetries: cap };
    const mine = async (seconds: number) =>
      (await sweepFailures(deps, frozenAtSeconds(seconds))).filter((o) => o.name.startsWith("storm-"));
    // Act + Assess
    const first = await mine(30);
    expect(first.filter((o) => o.result === "created")).toHaveLength(2);
    expect(first.filter((o) => o.result === "deferred").map((o) => o.reason)).toEqual([
      "TooManyConcurrentRetries",
      "TooManyConcurrentRetries",
    ]);
    const held = first.find((o) => o.result === "deferred")?.name ?? "";
    const heldSession = await admin.get("BackupSession", ns, held);
    expect(heldSession.status?.conditions?.find((c) => c.type === "RetryDeferred")).toMatchObject({
      status: "True",
      reason: "TooManyConcurrentRetries",
    });
    expect(heldSession.status?.nextRetry).toBe(toKubeTime(FAILED));
    expect((await mine(90)).map((o) => o.result)).toEqual(["deferred", "deferred"]);
    expect(await runningRetries()).toBe(cap);
    // One retry ends: exactly one more starts.
    const created = first.find((o) => o.result === "created")?.retry ?? "";
    await finish(await admin.get("BackupSession", ns, created));
    expect((await mine(150)).map((o) => o.result).sort()).toEqual(["created", "deferred"]);
    expect(await runningRetries()).toBe(cap);
    const retriesMade = await Promise.all(failed.map((f) => retriesOf(admin, ns, f.metadata.name)));
    expect(retriesMade.map((r) => r.length).sort()).toEqual([0, 1, 1, 1]);
  });

  it("parallel events in one container are serialized per cluster, so the cap holds for them too", async () => {
    const cap = await runningRetries();
    const failed = await failMany("burst", 3);
    const serial = new SerialByKey();
    const deps = {
      client: functions,
      publisher: new RecordingPublisher(),
      maxConcurrentRetries: cap + 1,
      serialize: <T>(key: string, work: () => Promise<T>) => serial.run(key, work),
    };
    const outcomes = await Promise.all(
      failed.map((f) => evaluateFailure(deps, ns, f.metadata.name, frozenAtSeconds(30))),
    );
    expect(outcomes.map((o) => o.result).sort()).toEqual(["created", "deferred", "deferred"]);
    expect(await runningRetries()).toBe(cap + 1);
  });

  it("no retry while the API server fails its readiness check; retried once it passes", async () => {
    const proxy = await FaultProxy.start(two, "functions");
    const viaProxy = new KubeClient(
      await KubeTransport.create(proxy.kubeConfig("functions"), {
        clusterId: two.id,
        maxAttempts: 2,
        sleep: async () => {},
      }),
    );
    try {
      const [failed] = await failMany("sick", 1);
      const name = failed?.metadata.name ?? "";
      const deps = { client: viaProxy, publisher: new RecordingPublisher(), maxConcurrentRetries: 1000 };
      proxy.inject({ status: 503, match: (method, p) => method === "GET" && p.startsWith("/readyz") }, 2);
      expect(await evaluateFailure(deps, ns, name, frozenAtSeconds(30))).toMatchObject({
        result: "deferred",
        reason: "APIServerUnhealthy",
      });
      expect(await retriesOf(admin, ns, name)).toEqual([]);
      const deferred = await admin.get("BackupSession", ns, name);
      expect(deferred.status?.conditions?.find((c) => c.type === "RetryDeferred")?.reason).toBe(
        "APIServerUnhealthy",
      );
      expect(await evaluateFailure(deps, ns, name, frozenAtSeconds(90))).toMatchObject({ result: "created" });
      const after = await admin.get("BackupSession", ns, name);
      expect(after.status?.conditions?.find((c) => c.type === "RetryDeferred")).toMatchObject({
        status: "False",
        reason: "RetryCreated",
      });
    } finally {
      await viaProxy.transport.close();
      await proxy.stop();
    }
  });
});

describe("a bad retry delay", () => {
  it("is a condition on the configuration and a deferred retry, not a crash; fixed, the retry comes", async () => {
    // Prepare: the API server takes any string as delay (the CRD says type: string)
    const raw = structuredClone(storm) as {
      metadata: Record<string, unknown>;
      spec: { sessions: unknown[] };
    };
    raw.metadata = { name: "late", namespace: ns };
    raw.spec.sessions = (storm.spec.sessions ?? []).map((s) => ({
      ...s,
      retryConfig: { maxRetry: 1, delay: "soon" },
    }));
    await createRaw(admin, `/apis/core.kubestash.com/v1alpha1/namespaces/${ns}/backupconfigurations`, raw);
    const read = await readRetryConfiguration(admin, ns, "late");
    if (read.status !== "found") throw new Error(`late: ${read.status}`);
    const failed = await writeFailedSession(admin, read.configuration, "late-1", 1, FAILED);
    const deps = { client: functions, publisher: new RecordingPublisher(), maxConcurrentRetries: 1000 };
    // Act + Assess
    expect(await evaluateFailure(deps, ns, "late-1", frozenAtSeconds(30))).toMatchObject({
      result: "invalid-delay",
    });
    const config = await admin.transport.request({
      method: "GET",
      path: `/apis/core.kubestash.com/v1alpha1/namespaces/${ns}/backupconfigurations/late`,
    });
    expect(config).toMatchObject({
      status: {
        conditions: [
          expect.objectContaining({
            type: "ValidationPassed",
            status: "False",
            message: expect.stringContaining('spec.sessions[0].retryConfig.delay: "soon"'),
          }),
        ],
      },
    });
    const deferred = await admin.get("BackupSession", ns, "late-1");
    expect(deferred.status?.conditions?.find((c) => c.type === "RetryDeferred")?.reason).toBe(
      "InvalidRetryDelay",
    );
    await admin.patch(
      "BackupConfiguration",
      ns,
      "late",
      [{ op: "replace", path: "/spec/sessions/0/retryConfig/delay", value: "1m" }],
      { type: "json" },
    );
    expect(await evaluateFailure(deps, ns, "late-1", frozenAtSeconds(31))).toMatchObject({
      result: "scheduled",
      at: toKubeTime(atSeconds(82)),
    });
    expect(await evaluateFailure(deps, ns, "late-1", frozenAtSeconds(82))).toMatchObject({
      result: "created",
    });
    expect(await retriesOf(admin, ns, failed.metadata.name)).toHaveLength(1);
  });
});
