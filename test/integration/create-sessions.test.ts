import { beforeAll, describe, expect, it } from "vitest";
import { KubeClient, KubeTransport, UnavailableError } from "../../shared/kube/index.ts";
import {
  type BackupConfiguration,
  BackupConfiguration as BackupConfigurationSchema,
  parseWith,
} from "../../shared/model/index.ts";
import { createDueSessions } from "../../shared/usecases/create-sessions.ts";
import { triggerBackup } from "../../shared/usecases/trigger-backup.ts";
import {
  clientFor,
  createRaw,
  ensureNamespace,
  installRbac,
  kubeConfigFrom,
  uniqueNamespace,
} from "../support/kube.ts";
import { RecordingPublisher } from "../support/lifecycle.ts";
import { sharedCluster } from "../support/shared-cluster.ts";

const one = sharedCluster();
const two = sharedCluster(1);

function configuration(
  namespace: string,
  name: string,
  schedule: string,
  extra: Partial<BackupConfiguration["spec"]> = {},
) {
  return parseWith(
    BackupConfigurationSchema,
    {
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "BackupConfiguration",
      metadata: { name, namespace },
      spec: {
        target: { kind: "PersistentVolumeClaim", name: "data", namespace },
        sessions: [{ name: "hourly", scheduler: { schedule, jobTemplate: { backoffLimit: 1 } } }],
        ...extra,
      },
    },
    name,
  );
}

const admin: Record<string, KubeClient> = {};
const functions: Record<string, KubeClient> = {};
let ns: string;
/** The configurations are created at about real now; scheduling starts from there. */
const created = new Date();
const nextHour = new Date(Math.ceil(created.getTime() / 3_600_000) * 3_600_000);

beforeAll(async () => {
  ns = uniqueNamespace("sched");
  for (const cluster of [one, two]) {
    admin[cluster.id] = await clientFor(cluster, "admin");
    functions[cluster.id] = await clientFor(cluster, "functions");
    await installRbac(admin[cluster.id] as KubeClient);
    await ensureNamespace(admin[cluster.id] as KubeClient, ns);
  }
});

describe("scheduled session creation on the real API server", () => {
  it("creates each due session once, however many times the tick arrives, on both clusters", async () => {
    // Prepare
    for (const cluster of [one, two]) {
      await admin[cluster.id]?.create("BackupConfiguration", configuration(ns, "app", "0 * * * *"));
    }
    const publisher = new RecordingPublisher();
    const time = new Date(nextHour.getTime() + 30_000);
    // Act: the same tick three times per cluster, two of them at once
    for (const cluster of [one, two]) {
      const deps = { client: functions[cluster.id] as KubeClient, publisher };
      await Promise.all([createDueSessions(deps, time), createDueSessions(deps, time)]);
      await createDueSessions(deps, time);
    }
    // Assess
    const expectedName = `app-hourly-${nextHour.getTime() / 1000}`;
    for (const cluster of [one, two]) {
      const sessions = await admin[cluster.id]?.list("BackupSession", { namespace: ns });
      expect(sessions?.items.map((s) => s.metadata.name)).toEqual([expectedName]);
      const session = sessions?.items[0];
      expect(session?.spec).toMatchObject({
        invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: "app" },
        session: "hourly",
        retryLeft: 0,
      });
      expect(session?.metadata.finalizers).toEqual(["kubestash.com/cleanup"]);
      expect(session?.metadata.ownerReferences?.[0]).toMatchObject({
        kind: "BackupConfiguration",
        name: "app",
        controller: true,
      });
    }
    // Other test files' configurations (other namespaces) may be due on the same clusters: look at ours.
    const created = publisher.events.filter(
      (e) => e.detailType === "BackupSession Created" && (e.detail as { namespace: string }).namespace === ns,
    );
    expect(created.map((e) => (e.detail as { clusterId: string }).clusterId).sort()).toEqual([
      one.id,
      two.id,
    ]);
  });

  it("shows the session as kubectl does for KubeStash (printer columns Invoker-Type, Invoker-Name, Phase)", async () => {
    const client = admin[one.id] as KubeClient;
    const table = (await client.transport.request({
      method: "GET",
      path: `/apis/core.kubestash.com/v1alpha1/namespaces/${ns}/backupsessions`,
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io",
    })) as { columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[] }> };
    const columns = table.columnDefinitions.map((c) => c.name);
    expect(columns).toEqual(["Name", "Invoker-Type", "Invoker-Name", "Phase", "Duration", "Age"]);
    expect(table.rows[0]?.cells.slice(0, 3)).toEqual([
      `app-hourly-${nextHour.getTime() / 1000}`,
      "BackupConfiguration",
      "app",
    ]);
  });

  it("keeps the configuration's status: nextSchedule, SchedulerEnsured, phase", async () => {
    const config = await admin[one.id]?.get("BackupConfiguration", ns, "app");
    const session = config?.status?.sessions?.[0];
    expect(session?.nextSchedule).toBe(
      new Date(nextHour.getTime() + 3_600_000).toISOString().replace(".000Z", "Z"),
    );
    expect(session?.conditions?.find((c) => c.type === "SchedulerEnsured")?.status).toBe("True");
    expect(config?.status?.conditions?.find((c) => c.type === "ValidationPassed")?.status).toBe("True");
  });

  it("marks a configuration with a bad cron Invalid and schedules the others", async () => {
    const client = admin[one.id] as KubeClient;
    await client.create("BackupConfiguration", configuration(ns, "broken", "every hour"));
    await client.create("BackupConfiguration", configuration(ns, "fine", "30 * * * *"));
    const report = await createDueSessions(
      { client: functions[one.id] as KubeClient, publisher: new RecordingPublisher() },
      new Date(nextHour.getTime() + 31 * 60_000),
    );
    const broken = await client.get("BackupConfiguration", ns, "broken");
    expect(broken.status?.phase).toBe("Invalid");
    expect(broken.status?.conditions?.find((c) => c.type === "ValidationPassed")?.message).toMatch(
      /schedule/,
    );
    expect(report.outcomes.find((o) => o.namespace === ns && o.configuration === "fine")).toMatchObject({
      decision: "create",
      created: true,
    });
  });

  it("marks a configuration the model cannot read Invalid once, keeping its other conditions, with its resourceVersion", async () => {
    // Prepare: the API server takes any string as a retry delay, the model does not.
    const client = admin[one.id] as KubeClient;
    const raw = configuration(ns, "unreadable", "0 * * * *");
    raw.spec.sessions = (raw.spec.sessions ?? []).map((s) => ({
      ...s,
      retryConfig: { maxRetry: 1, delay: "soon" },
    }));
    await createRaw(client, `/apis/core.kubestash.com/v1alpha1/namespaces/${ns}/backupconfigurations`, raw);
    const other = {
      type: "OperatorPresent",
      status: "False",
      reason: "OperatorNotFound",
      message: "none",
      lastTransitionTime: "2026-01-01T00:00:00Z",
    };
    await client.patchUnparsed(
      "BackupConfiguration",
      ns,
      "unreadable",
      { status: { conditions: [other] } },
      "status",
    );
    const deps = { client: functions[one.id] as KubeClient, publisher: new RecordingPublisher() };
    const tick = new Date(nextHour.getTime() + 32 * 60_000);
    const read = async () =>
      (await client.getUnparsed("BackupConfiguration", ns, "unreadable")) as {
        metadata: { resourceVersion: string };
        status?: { phase?: string; conditions?: Array<Record<string, unknown>> };
      };
    // Act
    const report = await createDueSessions(deps, tick);
    const marked = await read();
    await createDueSessions(deps, new Date(tick.getTime() + 60_000));
    // Assess
    expect(report.invalidConfigurations).toContainEqual(
      expect.objectContaining({ namespace: ns, name: "unreadable" }),
    );
    expect(marked.status?.phase).toBe("Invalid");
    expect(marked.status?.conditions).toEqual([
      other,
      expect.objectContaining({
        type: "ValidationPassed",
        status: "False",
        reason: "ResourceValidationFailed",
        message: expect.stringContaining("retryConfig.delay"),
      }),
    ]);
    expect((await read()).metadata.resourceVersion).toBe(marked.metadata.resourceVersion);
  });

  it("skips (KubeStash's BackupSkipped) a due session while the previous one still runs, with Forbid", async () => {
    const report = await createDueSessions(
      { client: functions[one.id] as KubeClient, publisher: new RecordingPublisher() },
      new Date(nextHour.getTime() + 3_600_000 + 5_000),
    );
    const app = report.outcomes.find((o) => o.namespace === ns && o.configuration === "app");
    expect(app).toMatchObject({ decision: "skip-create", created: true });
    const skipped = await admin[one.id]?.get("BackupSession", ns, app?.name ?? "");
    expect(skipped?.status?.phase).toBe("Skipped");
    expect(skipped?.status?.conditions?.[0]).toMatchObject({
      type: "BackupSkipped",
      status: "True",
      reason: "PreRequisitesNotSatisfied",
    });
  });
});

describe("external triggers", () => {
  it("creates one session per request id, even when the request is delivered twice at once", async () => {
    const publisher = new RecordingPublisher();
    const request = {
      version: "1" as const,
      clusterId: two.id,
      requestId: "pipeline-7-run-42",
      namespace: ns,
      configuration: "app",
    };
    const deps = { client: functions[two.id] as KubeClient, publisher };
    const outcomes = await Promise.all([
      triggerBackup(deps, request, new Date(), new Date()),
      triggerBackup(deps, request, new Date(), new Date()),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(["created", "duplicate"]);
    const manual = (await admin[two.id]?.list("BackupSession", { namespace: ns }))?.items.filter((s) =>
      s.metadata.name.includes("manual"),
    );
    expect(manual).toHaveLength(1);
    expect(publisher.events).toHaveLength(1);
  });

  it("rejects a request for a configuration that does not exist, naming it", async () => {
    const outcome = await triggerBackup(
      { client: functions[two.id] as KubeClient, publisher: new RecordingPublisher() },
      { version: "1", clusterId: two.id, requestId: "req-missing-1", namespace: ns, configuration: "nope" },
      new Date(),
      new Date(),
    );
    expect(outcome).toEqual({ status: "rejected", reason: `BackupConfiguration ${ns}/nope not found` });
  });
});

describe("a cluster that is down fails alone", () => {
  it("fails fast with Unavailable for the stopped cluster while the other is scheduled", async () => {
    const three = sharedCluster(2);
    // The third cluster's API server is stopped for this test: a client towards a closed port.
    const kc = kubeConfigFrom(three.functionsKubeconfigPath);
    const closed = kc.clusters.map((c) => ({ ...c, server: "https://127.0.0.1:1" }));
    kc.loadFromOptions({
      clusters: closed,
      users: kc.users,
      contexts: kc.contexts,
      currentContext: kc.currentContext,
    });
    const down = new KubeClient(
      await KubeTransport.create(kc, { clusterId: three.id, sleep: async () => {} }),
    );
    const started = Date.now();
    const results = await Promise.allSettled([
      createDueSessions({ client: down, publisher: new RecordingPublisher() }, new Date()),
      createDueSessions(
        { client: functions[two.id] as KubeClient, publisher: new RecordingPublisher() },
        new Date(),
      ),
    ]);
    expect(results[0].status).toBe("rejected");
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(UnavailableError);
    expect(results[1].status).toBe("fulfilled");
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
