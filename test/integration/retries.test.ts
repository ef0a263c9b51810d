import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeClient, KubeTransport, UnavailableError } from "../../shared/kube/index.ts";
import { toKubeTime } from "../../shared/model/index.ts";
import {
  type EvaluateFailureDeps,
  evaluateFailure,
  sweepFailures,
} from "../../shared/usecases/evaluate-failure.ts";
import type { ClusterInfo } from "../controlplane/index.ts";
import { clockFrom } from "../support/clock.ts";
import type { FaultProxy } from "../support/fault-proxy.ts";
import { clientFor } from "../support/kube.ts";
import { installConfiguration, nextHour, RecordingPublisher, scheduleSession } from "../support/lifecycle.ts";
import { type PrivatePlane, startPrivatePlane } from "../support/private-plane.ts";
import { eventReasons, failScheduledSession, failSession, retriesOf } from "../support/retries.ts";

/**
 * Exactly one retry per failure, on time, whatever the bus does: each failure mode of an at-least-once bus and
 * of the API server (duplicates, parallel evaluations, reordering, a lost event, 409 and 503 mid-way) played
 * against the real kube-apiserver with a fixed clock. Sessions fail at `atSeconds(22)`; with delay 5m their retry is
 * due at `atSeconds(322)`.
 */

// A private control plane: the failure sweep is cluster-wide, so other test files sweeping the shared clusters
// (the local runtime's fast-forwarded ticks, say) would do this file's retry bookkeeping before its own sweeps.
let plane: PrivatePlane | undefined;
let one: ClusterInfo;

let admin: KubeClient;
let functions: KubeClient;
let ns: string;
let proxy: FaultProxy;
const { atSeconds, frozenAtSeconds } = clockFrom(nextHour());
const DUE = atSeconds(322);

/** Retries left running by earlier tests must not trip the storm guard here (its own tests are apart). */
const depsFor = (client: KubeClient, publisher = new RecordingPublisher()) =>
  ({ client, publisher, maxConcurrentRetries: 1000 }) satisfies EvaluateFailureDeps;
const fail = (name: string, delay = "5m", extra: { maxRetry?: number; sessionHistoryLimit?: number } = {}) =>
  failScheduledSession(
    { admin, functions },
    ns,
    name,
    { delay, maxRetry: extra.maxRetry ?? 1 },
    atSeconds,
    extra.sessionHistoryLimit ? { sessionHistoryLimit: extra.sessionHistoryLimit } : {},
  );

beforeAll(async () => {
  plane = await startPrivatePlane("retry");
  ({ one, admin, functions, ns, proxy } = plane);
});

afterAll(async () => plane?.stop());

describe("one retry per failure, at nextRetry", () => {
  it("sets nextRetry = failure + delay at once, creates nothing before it, and one retry at it", async () => {
    // Prepare
    const failed = await fail("timely");
    const publisher = new RecordingPublisher();
    const deps = depsFor(functions, publisher);
    // Act + Assess: the Phase Changed event, then the wait, then the due time
    expect(await evaluateFailure(deps, ns, failed, frozenAtSeconds(23))).toMatchObject({
      result: "scheduled",
      at: toKubeTime(DUE),
    });
    expect((await admin.get("BackupSession", ns, failed)).status?.nextRetry).toBe(toKubeTime(DUE));
    expect(await evaluateFailure(deps, ns, failed, frozenAtSeconds(321))).toMatchObject({
      result: "waiting",
    });
    expect(await sweepFailures(deps, frozenAtSeconds(321))).toEqual([]);
    expect(await retriesOf(admin, ns, failed)).toEqual([]);
    expect(await evaluateFailure(deps, ns, failed, frozenAtSeconds(322))).toMatchObject({
      result: "created",
    });
    const [retry, ...more] = await retriesOf(admin, ns, failed);
    expect(more).toEqual([]);
    expect(retry?.metadata.name).toBe(`${failed}-retry-1`);
    expect(retry?.spec).toMatchObject({ session: "hourly", retryLeft: 0, invoker: { name: "timely" } });
    expect(retry?.metadata.annotations).toMatchObject({
      "serverless.kubestash.com/origin": "retry",
      "serverless.kubestash.com/scheduled-time": toKubeTime(DUE),
    });
    expect((await admin.get("BackupSession", ns, failed)).status).toMatchObject({ retried: true });
    expect(publisher.ofType("BackupSession Created").map((e) => e.detail)).toEqual([
      expect.objectContaining({ name: `${failed}-retry-1`, origin: "retry", scheduledTime: toKubeTime(DUE) }),
    ]);
    expect(await eventReasons(admin, ns, failed)).toEqual(
      expect.arrayContaining(["RetryScheduled", "RetryCreated"]),
    );
  });

  it("duplicated Phase Changed events: one retry, one Created event", async () => {
    const failed = await fail("dupes");
    const publisher = new RecordingPublisher();
    const deps = depsFor(functions, publisher);
    for (const seconds of [23, 23, 322, 322, 322, 600])
      await evaluateFailure(deps, ns, failed, frozenAtSeconds(seconds));
    expect((await retriesOf(admin, ns, failed)).map((s) => s.metadata.name)).toEqual([`${failed}-retry-1`]);
    expect(publisher.ofType("BackupSession Created")).toHaveLength(1);
  });

  it("parallel evaluations (four containers at once, delay 0s): one retry, created by exactly one of them", async () => {
    const failed = await fail("parallel", "0s");
    const publisher = new RecordingPublisher();
    const containers = await Promise.all([1, 2, 3, 4].map(() => clientFor(one, "functions")));
    const outcomes = await Promise.all(
      containers.map((client) =>
        evaluateFailure(depsFor(client, publisher), ns, failed, frozenAtSeconds(22)),
      ),
    );
    expect(outcomes.filter((o) => o.result === "created")).toHaveLength(1);
    expect((await retriesOf(admin, ns, failed)).map((s) => s.metadata.name)).toEqual([`${failed}-retry-1`]);
    expect(publisher.ofType("BackupSession Created")).toHaveLength(1);
    expect((await admin.get("BackupSession", ns, failed)).status?.retried).toBe(true);
    await Promise.all(containers.map((c) => c.transport.close()));
  });

  it("out of order: Phase Changed evaluated before the session's Created reconcile, and for a retry not yet driven", async () => {
    // Prepare: a session created, not yet driven (its Created event still on its way)
    await installConfiguration(admin, ns, "early", { retryConfig: { maxRetry: 1, delay: "0s" } });
    const failed = await scheduleSession(functions, "early", atSeconds(5));
    const deps = depsFor(functions);
    // Act + Assess: an early (or forged) Phase Changed finds no failure and writes nothing
    expect(await evaluateFailure(deps, ns, failed, frozenAtSeconds(6))).toMatchObject({
      result: "no-retry",
      reason: "not-failed",
    });
    expect((await admin.get("BackupSession", ns, failed)).status?.nextRetry).toBeUndefined();
    await failSession({ admin, functions }, ns, failed, atSeconds(6), atSeconds(22));
    expect(await evaluateFailure(deps, ns, failed, frozenAtSeconds(23))).toMatchObject({ result: "created" });
    // The retry's own Phase Changed arriving before its Created was reconciled: nothing happens to it.
    const retry = `${failed}-retry-1`;
    expect(await evaluateFailure(deps, ns, retry, frozenAtSeconds(24))).toMatchObject({
      reason: "not-failed",
    });
    expect((await admin.get("BackupSession", ns, retry)).status).toBeUndefined();
    // It runs and fails (retryLeft 0): final. A stale duplicate of the first event, long after: still one retry.
    await failSession({ admin, functions }, ns, retry, atSeconds(25), atSeconds(40));
    expect(await evaluateFailure(deps, ns, retry, frozenAtSeconds(41))).toMatchObject({
      reason: "retries-exhausted",
    });
    await evaluateFailure(deps, ns, failed, frozenAtSeconds(900));
    expect(await retriesOf(admin, ns, retry)).toEqual([]);
    expect((await retriesOf(admin, ns, failed)).map((s) => s.metadata.name)).toEqual([retry]);
  });

  it("a lost event: the sweep alone schedules, then creates the one retry when due", async () => {
    const failed = await fail("lost");
    const deps = depsFor(functions);
    const mine = async (seconds: number) =>
      (await sweepFailures(deps, frozenAtSeconds(seconds))).filter((o) => o.name === failed);
    expect(await mine(23)).toMatchObject([{ result: "scheduled", at: toKubeTime(DUE) }]);
    expect(await mine(200)).toEqual([]);
    expect(await mine(322)).toMatchObject([{ result: "created", retry: `${failed}-retry-1` }]);
    expect(await mine(400)).toEqual([]);
    expect(await retriesOf(admin, ns, failed)).toHaveLength(1);
  });
});

describe("the API server failing mid-way (fault proxy in front of the real API server)", () => {
  let viaProxy: KubeClient;
  beforeAll(async () => {
    viaProxy = new KubeClient(
      await KubeTransport.create(proxy.kubeConfig("functions"), {
        clusterId: one.id,
        maxAttempts: 3,
        sleep: async () => {},
      }),
    );
  });
  afterAll(async () => viaProxy?.transport.close());
  const post = (method: string, path: string) => method === "POST" && path.includes("/backupsessions");
  const statusPut = (name: string) => (method: string, path: string) =>
    method === "PUT" && path.includes(`/backupsessions/${name}/status`);

  it("503 on the retry's POST, beyond the client's retries: nothing created; the redelivery creates one", async () => {
    const failed = await fail("post-503", "0s");
    const publisher = new RecordingPublisher();
    proxy.inject({ status: 503, match: post }, 3);
    await expect(
      evaluateFailure(depsFor(viaProxy, publisher), ns, failed, frozenAtSeconds(23)),
    ).rejects.toBeInstanceOf(UnavailableError);
    expect(await retriesOf(admin, ns, failed)).toEqual([]);
    expect((await admin.get("BackupSession", ns, failed)).status?.retried).toBeUndefined();
    proxy.inject({ status: 503, match: post }, 2); // absorbed by the client's own retries
    expect(
      await evaluateFailure(depsFor(viaProxy, publisher), ns, failed, frozenAtSeconds(24)),
    ).toMatchObject({
      result: "created",
    });
    expect(await retriesOf(admin, ns, failed)).toHaveLength(1);
    expect(publisher.ofType("BackupSession Created")).toHaveLength(1);
  });

  it("503 on the status PUT after the retry exists: the sweep finishes the bookkeeping, still one retry", async () => {
    const failed = await fail("put-503", "0s");
    const publisher = new RecordingPublisher();
    proxy.inject({ status: 503, match: statusPut(failed) }, 3);
    await expect(
      evaluateFailure(depsFor(viaProxy, publisher), ns, failed, frozenAtSeconds(23)),
    ).rejects.toBeInstanceOf(UnavailableError);
    expect(await retriesOf(admin, ns, failed)).toHaveLength(1);
    expect((await admin.get("BackupSession", ns, failed)).status?.retried).toBeUndefined();
    const swept = (await sweepFailures(depsFor(viaProxy, publisher), frozenAtSeconds(60))).filter(
      (o) => o.name === failed,
    );
    expect(swept).toMatchObject([{ result: "already-retried", retry: `${failed}-retry-1` }]);
    expect((await admin.get("BackupSession", ns, failed)).status?.retried).toBe(true);
    expect(await retriesOf(admin, ns, failed)).toHaveLength(1);
    expect(publisher.ofType("BackupSession Created")).toHaveLength(1);
  });

  it("409 on the POST and on the status PUT: read again, decide again, one retry", async () => {
    const failed = await fail("conflicts", "0s");
    proxy.inject({ status: 409, match: post });
    proxy.inject({ status: 409, match: statusPut(failed) });
    expect(await evaluateFailure(depsFor(viaProxy), ns, failed, frozenAtSeconds(23))).toMatchObject({
      result: "created",
    });
    expect(proxy.seen.filter((s) => s.status === 409 && s.path.includes("backupsessions"))).toHaveLength(2);
    expect(await retriesOf(admin, ns, failed)).toHaveLength(1);
    expect((await admin.get("BackupSession", ns, failed)).status?.retried).toBe(true);
  });
});

describe("a chain of retries", () => {
  it("maxRetry 2: original → retry-1 → retry-2, each on time; the last failure is final", async () => {
    const failed = await fail("chain", "1m", { maxRetry: 2, sessionHistoryLimit: 5 });
    const publisher = new RecordingPublisher();
    const deps = depsFor(functions, publisher);
    await sweepFailures(deps, frozenAtSeconds(23));
    await sweepFailures(deps, frozenAtSeconds(82));
    const first = `${failed}-retry-1`;
    expect((await admin.get("BackupSession", ns, first)).spec.retryLeft).toBe(1);
    await failSession({ admin, functions }, ns, first, atSeconds(83), atSeconds(92));
    expect(await evaluateFailure(deps, ns, first, frozenAtSeconds(93))).toMatchObject({
      at: toKubeTime(atSeconds(152)),
    });
    await sweepFailures(deps, frozenAtSeconds(151));
    expect(await admin.find("BackupSession", ns, `${failed}-retry-2`)).toBeUndefined();
    await sweepFailures(deps, frozenAtSeconds(152));
    const second = await admin.get("BackupSession", ns, `${failed}-retry-2`);
    expect(second.spec.retryLeft).toBe(0);
    await failSession({ admin, functions }, ns, second.metadata.name, atSeconds(153), atSeconds(160));
    expect(await evaluateFailure(deps, ns, second.metadata.name, frozenAtSeconds(161))).toMatchObject({
      result: "no-retry",
      reason: "retries-exhausted",
    });
    await sweepFailures(deps, frozenAtSeconds(3600));
    const chain = (await admin.list("BackupSession", { namespace: ns })).items
      .filter((s) => s.spec.invoker?.name === "chain")
      .map((s) => [s.metadata.name, s.status?.phase, s.spec.retryLeft]);
    expect(chain.sort()).toEqual([
      [failed, "Failed", 2],
      [first, "Failed", 1],
      [second.metadata.name, "Failed", 0],
    ]);
    expect(await eventReasons(admin, ns, second.metadata.name)).toContain("NoRetry");
    // The final failure is announced once, as "Backup Failed", naming the chain.
    expect(publisher.ofType("Backup Failed").map((e) => e.detail)).toEqual([
      expect.objectContaining({
        name: second.metadata.name,
        originalSession: failed,
        attempts: 3,
        configuration: "chain",
      }),
    ]);
  });
});
