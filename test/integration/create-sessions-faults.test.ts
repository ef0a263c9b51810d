import type { Metrics } from "@aws-lambda-powertools/metrics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { definition as createSessions } from "../../functions/create-sessions/function.ts";
import { ManualClock } from "../../shared/clock.ts";
import { sessionFleetFacts } from "../../shared/decide/fleet/fleet-session.ts";
import { handleEvent } from "../../shared/handler/handle-event.ts";
import { observability } from "../../shared/handler/observability.ts";
import type { ClusterClients } from "../../shared/kube/cluster-clients.ts";
import { KubeClient, KubeTransport } from "../../shared/kube/index.ts";
import { DETAIL_VERSION } from "../../shared/model/events/envelope.ts";
import { BackupConfiguration, parseWith } from "../../shared/model/index.ts";
import { type CreateSessionsReport, createDueSessions } from "../../shared/usecases/create-sessions.ts";
import { SchedulingIncompleteError } from "../../shared/usecases/errors.ts";
import { reconcileSession } from "../../shared/usecases/reconcile-session.ts";
import { type ClusterInfo, type ControlPlane, startControlPlane } from "../controlplane/index.ts";
import { FaultProxy } from "../support/fault-proxy.ts";
import { clientFor, ensureNamespace, installRbac, uniqueNamespace } from "../support/kube.ts";
import { RecordingPublisher } from "../support/lifecycle.ts";

/**
 * A scheduled run is never lost to a transient fault (docs/decisions.md#transient-errors,
 * docs/decisions.md#missed-schedules): the functions' client goes through a fault proxy in front of the real
 * API server, with 503s seeded on named requests (never a random rate), and the ticks run on a fixed clock.
 * Each case has its own daily time, so the configurations of one case are not due in another.
 */

// A private control plane: the tick and the sweep are cluster-wide, so other test files' configurations and
// sessions on the shared clusters would be ticked and swept here too.
let plane: ControlPlane;
let one: ClusterInfo;

let admin: KubeClient;
let viaProxy: KubeClient;
let proxy: FaultProxy;
let ns: string;
const hour = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 3_600_000);
/** Case n's daily time: n × 10 minutes after the hour. */
const timeOf = (n: number) => new Date(hour.getTime() + n * 600_000);
const seconds = (time: Date) => time.getTime() / 1000;
const fast = { delaysMs: [5, 10, 20] };

function daily(name: string, time: Date, scheduler: Record<string, unknown> = {}) {
  const schedule = `${time.getUTCMinutes()} ${time.getUTCHours()} * * *`;
  return parseWith(
    BackupConfiguration,
    {
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "BackupConfiguration",
      metadata: { name, namespace: ns },
      spec: {
        target: { kind: "PersistentVolumeClaim", name: "data", namespace: ns },
        sessions: [{ name: "daily", scheduler: { schedule, jobTemplate: {}, ...scheduler } }],
      },
    },
    name,
  );
}

const inNamespace = (path: string) => path.includes(`/namespaces/${ns}/`);
const post = (resource: string) => (method: string, path: string) =>
  method === "POST" && inNamespace(path) && (path.split("?")[0] ?? "").endsWith(`/${resource}`);
const statusPut = (name: string) => (method: string, path: string) =>
  method === "PUT" && inNamespace(path) && path.includes(`/backupconfigurations/${name}/status`);

/** One tick; a transient failure elsewhere on the shared cluster (other test files) does not count here. */
async function tick(publisher: RecordingPublisher, at: Date): Promise<CreateSessionsReport> {
  try {
    return await createDueSessions({ client: viaProxy, publisher, retry: fast }, at);
  } catch (error) {
    if (!(error instanceof SchedulingIncompleteError)) throw error;
    if (error.failures.some((f) => f.namespace === ns)) throw error;
    return error.report;
  }
}

/** A tick expected to fail (its delivery retried by the platform): what it threw, or undefined. */
function failingTick(publisher: RecordingPublisher, at: Date): Promise<unknown> {
  return createDueSessions({ client: viaProxy, publisher, retry: fast }, at).then(
    () => undefined,
    (error: unknown) => error,
  );
}

const ours = (report: CreateSessionsReport, configuration: string) =>
  report.outcomes.filter((o) => o.namespace === ns && o.configuration === configuration);
const sessionsOf = async (configuration: string) =>
  (await admin.list("BackupSession", { namespace: ns })).items
    .filter((s) => s.spec.invoker?.name === configuration)
    .map((s) => s.metadata.name);
const created = (publisher: RecordingPublisher, configuration: string) =>
  publisher
    .ofType("BackupSession Created")
    .filter((e) => (e.detail as { configuration: string }).configuration === configuration);

beforeAll(async () => {
  plane = await startControlPlane({ clusters: 1 });
  one = plane.clusters[0] as ClusterInfo;
  admin = await clientFor(one, "admin");
  await installRbac(admin);
  ns = uniqueNamespace("sched-faults");
  await ensureNamespace(admin, ns);
  proxy = await FaultProxy.start(one, "functions");
  viaProxy = new KubeClient(
    await KubeTransport.create(proxy.kubeConfig("functions"), {
      clusterId: one.id,
      maxAttempts: 2,
      sleep: async () => {},
    }),
  );
});

afterAll(async () => {
  await viaProxy?.transport.close();
  await proxy?.stop();
  await plane?.stop();
});

describe("a 503 at the tick never loses the scheduled run", () => {
  it("503s on the session create: retried within the invocation, the session exists for its time", async () => {
    // Prepare: 6 × 503 — the transport's 2 attempts, three times, then the fourth attempt goes through
    const time = timeOf(1);
    await admin.create("BackupConfiguration", daily("create-503", time));
    proxy.inject({ status: 503, match: post("backupsessions") }, 6);
    const publisher = new RecordingPublisher();
    // Act
    const report = await tick(publisher, new Date(time.getTime() + 500));
    // Assess
    const name = `create-503-daily-${seconds(time)}`;
    expect(ours(report, "create-503")).toEqual([
      expect.objectContaining({ decision: "create", name, created: true }),
    ]);
    expect(ours(report, "create-503")[0]?.error).toBeUndefined();
    expect(await sessionsOf("create-503")).toEqual([name]);
    expect(created(publisher, "create-503")).toHaveLength(1);
  });

  it("every attempt of the tick fails: the invocation fails, and its retry a minute later creates it late, counted once", async () => {
    // Prepare
    const time = timeOf(2);
    await admin.create("BackupConfiguration", daily("create-down", time));
    proxy.inject({ status: 503, match: post("backupsessions") }, 8);
    const publisher = new RecordingPublisher();
    // Act: the tick, then the platform's retry of its delivery
    const failed = await failingTick(publisher, new Date(time.getTime() + 500));
    proxy.clear();
    const retried = await tick(publisher, new Date(time.getTime() + 60_500));
    // Assess
    expect(failed).toBeInstanceOf(SchedulingIncompleteError);
    const failure = (failed as SchedulingIncompleteError).failures.find((f) => f.namespace === ns);
    expect(failure).toMatchObject({ configuration: "create-down", session: "daily" });
    const name = `create-down-daily-${seconds(time)}`;
    expect(ours(retried, "create-down")).toEqual([
      expect.objectContaining({ name, created: true, missed: 1 }),
    ]);
    expect(await sessionsOf("create-down")).toEqual([name]);
    const config = await admin.get("BackupConfiguration", ns, "create-down");
    expect(config.status?.sessions?.[0]?.conditions).toContainEqual(
      expect.objectContaining({ type: "ScheduleMissed", status: "True", reason: "StartedLate" }),
    );
  });

  it("the Kubernetes Event POST fails: the session exists, the tick knows it created it, a retry creates nothing twice", async () => {
    // Prepare: the Event POST fails on every attempt
    const time = timeOf(3);
    await admin.create("BackupConfiguration", daily("event-503", time));
    proxy.inject({ status: 503, match: post("events") }, 8);
    const publisher = new RecordingPublisher();
    // Act
    const failed = await failingTick(publisher, new Date(time.getTime() + 500));
    proxy.clear();
    const retried = await tick(publisher, new Date(time.getTime() + 60_500));
    // Assess: created and announced once; the failed Event made the delivery fail for its retry
    expect(failed).toBeInstanceOf(SchedulingIncompleteError);
    const name = `event-503-daily-${seconds(time)}`;
    expect(ours((failed as SchedulingIncompleteError).report, "event-503")).toEqual([
      expect.objectContaining({ name, created: true, transient: true }),
    ]);
    expect(ours(retried, "event-503")).toEqual([expect.objectContaining({ decision: "wait" })]);
    expect(await sessionsOf("event-503")).toEqual([name]);
    expect(created(publisher, "event-503")).toHaveLength(1);
  });

  it("the Event POST fails twice: retried within the invocation, recorded, nothing fails", async () => {
    const time = timeOf(4);
    await admin.create("BackupConfiguration", daily("event-blip", time));
    proxy.inject({ status: 503, match: post("events") }, 3);
    const report = await tick(new RecordingPublisher(), new Date(time.getTime() + 500));
    proxy.clear();
    const name = `event-blip-daily-${seconds(time)}`;
    expect(ours(report, "event-blip")).toEqual([expect.objectContaining({ name, created: true })]);
    expect(ours(report, "event-blip")[0]?.error).toBeUndefined();
    const events = await admin.transport.request({
      method: "GET",
      path: `/api/v1/namespaces/${ns}/events`,
    });
    const reasons = (events as { items: Array<{ reason: string; involvedObject: { name: string } }> }).items
      .filter((e) => e.involvedObject.name === "event-blip")
      .map((e) => e.reason);
    expect(reasons).toContain("BackupSessionCreated");
  });

  it("the configuration's status write fails: the session exists, the retried delivery writes the status, nothing twice", async () => {
    // Prepare
    const time = timeOf(5);
    await admin.create("BackupConfiguration", daily("status-503", time));
    proxy.inject({ status: 503, match: statusPut("status-503") }, 8);
    const publisher = new RecordingPublisher();
    // Act
    const failed = await failingTick(publisher, new Date(time.getTime() + 500));
    proxy.clear();
    await tick(publisher, new Date(time.getTime() + 60_500));
    // Assess
    expect(failed).toBeInstanceOf(SchedulingIncompleteError);
    const name = `status-503-daily-${seconds(time)}`;
    expect(ours((failed as SchedulingIncompleteError).report, "status-503")).toContainEqual(
      expect.objectContaining({ name, created: true }),
    );
    expect(await sessionsOf("status-503")).toEqual([name]);
    expect(created(publisher, "status-503")).toHaveLength(1);
    const config = await admin.get("BackupConfiguration", ns, "status-503");
    expect(config.status?.sessions?.[0]?.nextSchedule).toBe(
      new Date(time.getTime() + 86_400_000).toISOString().replace(".000Z", "Z"),
    );
  });
});

describe("created Skipped, but its status write fails (docs/decisions.md#created-skipped)", () => {
  it("the session carries its reason from the create: reconcile-session marks it Skipped with it and never runs it", async () => {
    // Prepare: a Skip window over the daily time; every attempt of the session's status write fails
    const time = timeOf(7);
    const config = daily("skip-503", time);
    const freeze = [{ name: "freeze", interval: `${time.toISOString().slice(0, 16)}Z/PT1H`, policy: "Skip" }];
    config.metadata.annotations = { "serverless.kubestash.com/exclusion-windows": JSON.stringify(freeze) };
    await admin.create("BackupConfiguration", config);
    const sessionStatus = (method: string, path: string) =>
      method !== "GET" && inNamespace(path) && /\/backupsessions\/[^/]+\/status/.test(path);
    proxy.inject({ status: 503, match: sessionStatus }, 8);
    const publisher = new RecordingPublisher();
    // Act: the tick (its status write fails), the next tick, then the Created path's reconcile
    const failed = await failingTick(publisher, new Date(time.getTime() + 500));
    proxy.clear();
    await tick(publisher, new Date(time.getTime() + 60_500));
    const name = `skip-503-daily-${seconds(time)}`;
    const before = await admin.get("BackupSession", ns, name);
    const outcome = await reconcileSession(
      { client: admin, publisher },
      ns,
      name,
      () => new Date(time.getTime() + 61_000),
    );
    // Assess: created without a phase, with its reason; Skipped with that reason; nothing started
    expect(failed).toBeInstanceOf(SchedulingIncompleteError);
    expect(before.status?.phase).toBeUndefined();
    expect(before.metadata.annotations?.["serverless.kubestash.com/skip-reason"]).toMatch(
      /^inside exclusion window "freeze"/,
    );
    expect(outcome.phase).toBe("Skipped");
    const after = await admin.get("BackupSession", ns, name);
    expect(after.status?.conditions).toContainEqual(
      expect.objectContaining({
        type: "BackupSkipped",
        status: "True",
        reason: "PreRequisitesNotSatisfied",
        message: expect.stringMatching(/^inside exclusion window "freeze"/),
      }),
    );
    expect((await admin.list("Snapshot", { namespace: ns })).items).toEqual([]);
    expect((await admin.list("Job", { namespace: ns })).items).toEqual([]);
  });
});

describe("90 s of 503s over a daily schedule's time, through the function as Lambda runs it", () => {
  it("created late once, counted once (MissedSchedules, the ScheduleMissed condition, the fleet view)", async () => {
    // Prepare: every request fails from time − 30 s to time + 60 s
    const time = timeOf(6);
    await admin.create("BackupConfiguration", daily("outage", time));
    const clock = new ManualClock(time);
    const missed: number[] = [];
    const { logger } = observability("create-sessions", { logLevel: "SILENT" });
    const metrics = {
      addDimension: () => {},
      addMetric: (metric: string, _unit: string, value: number) => {
        if (metric === "MissedSchedules") missed.push(value);
      },
    } as unknown as Metrics;
    const clients = { cluster: () => ({}), client: async () => viaProxy } as unknown as ClusterClients;
    const publisher = new RecordingPublisher();
    const deps = {
      clock,
      logger,
      metrics,
      clusters: clients,
      publisher,
      schedulingRetry: fast,
      deadLetters: { send: async () => {} },
      loadRegistry: async () => ({ clusters: [] }),
    };
    const event = (minute: number) => ({
      version: "0",
      id: `tick-${minute}`,
      "detail-type": "Schedule Tick",
      source: "kubestash-serverless",
      account: "000000000000",
      time: new Date(time.getTime() + minute * 60_000).toISOString().replace(".000Z", "Z"),
      region: "local",
      resources: [],
      detail: {
        version: DETAIL_VERSION,
        clusterId: one.id,
        tickTime: new Date(time.getTime() + minute * 60_000).toISOString().replace(".000Z", "Z"),
      },
    });
    const deliveries: Array<{ at: number; tick: number; outcome: string }> = [];
    const deliver = async (atSeconds: number, minute: number) => {
      clock.set(new Date(time.getTime() + atSeconds * 1000));
      const outcome = await handleEvent(createSessions, event(minute), deps as never).then(
        () => "done",
        (error: unknown) => (error instanceof Error ? error.name : "failed"),
      );
      deliveries.push({ at: atSeconds, tick: minute, outcome });
    };
    const endOutage = proxy.outage({ status: 503 });
    // Act: each tick and Lambda's retries of failed ones (1 min, then 2 min later)
    await deliver(1, 0); // the tick at the schedule time
    await deliver(60, 0); // its first retry
    await deliver(61, 1); // the next tick
    endOutage();
    await deliver(120, 1); // the next tick's retry
    await deliver(121, 2);
    await deliver(180, 0); // the first tick's second retry
    await deliver(181, 3);
    // Assess
    expect(deliveries.slice(0, 3).every((d) => d.outcome !== "done")).toBe(true);
    expect(deliveries.slice(3).map((d) => d.outcome)).toEqual(["done", "done", "done", "done"]);
    expect(await sessionsOf("outage")).toEqual([`outage-daily-${seconds(time)}`]);
    expect(created(publisher, "outage")).toHaveLength(1);
    expect(missed.reduce((a, b) => a + b, 0)).toBe(1);
    const config = await admin.get("BackupConfiguration", ns, "outage");
    const condition = config.status?.sessions?.[0]?.conditions?.find((c) => c.type === "ScheduleMissed");
    expect(condition).toMatchObject({ status: "True", reason: "StartedLate" });
    expect(condition?.message).toContain("Missed in total: 1.");
    const session = config.spec.sessions?.[0];
    if (!session) throw new Error("no session");
    const sessions = (await admin.list("BackupSession", { namespace: ns })).items.filter(
      (s) => s.spec.invoker?.name === "outage",
    );
    const facts = sessionFleetFacts(
      { configuration: config, session, sessions, snapshots: [] },
      new Date(time.getTime() + 181_000),
    );
    expect(facts.missed).toMatchObject({ total: 1, newest: time.toISOString().replace(".000Z", "Z") });
  });
});
