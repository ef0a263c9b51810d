import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeClient, KubeTransport } from "../../shared/kube/index.ts";
import { BackupConfiguration, parseWith } from "../../shared/model/index.ts";
import { parseExclusionWindow } from "../../shared/model/schedule-windows.ts";
import { toKubeTime } from "../../shared/model/time.ts";
import { type CreateSessionsReport, createDueSessions } from "../../shared/usecases/create-sessions.ts";
import { SchedulingIncompleteError } from "../../shared/usecases/errors.ts";
import { type ClusterInfo, type ControlPlane, startControlPlane } from "../controlplane/index.ts";
import { FaultProxy } from "../support/fault-proxy.ts";
import { clientFor, ensureNamespace, installRbac, uniqueNamespace } from "../support/kube.ts";
import { RecordingPublisher } from "../support/lifecycle.ts";

/**
 * Exclusion windows and start windows on a real kube-apiserver (docs/windows.md): the tick (createDueSessions)
 * on a fixed clock, the functions' client through a fault proxy. A run inside a Wait window gets no session
 * during it and one at its end, named for its scheduled time; inside a Skip window a Skipped one with the
 * window in its reason, once; a create that keeps failing past its start window ends as one Skipped session
 * with the reason; a cluster window selects its namespace by label; a bad annotation is a condition, no crash.
 * Each case has its own daily time, so no case's configuration is due in another's.
 */

// A private control plane: the tick is cluster-wide.
let plane: ControlPlane;
let one: ClusterInfo;
let admin: KubeClient;
let viaProxy: KubeClient;
let proxy: FaultProxy;
let ns: string;
const hour = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 3_600_000);
/** Case n's daily time: n × 10 minutes after the hour. */
const timeOf = (n: number) => new Date(hour.getTime() + n * 600_000);
const plus = (time: Date, ms: number) => new Date(time.getTime() + ms);
const MINUTE = 60_000;
const fast = { delaysMs: [5, 10, 20] };

function daily(name: string, time: Date, annotations: Record<string, string> = {}) {
  const schedule = `${time.getUTCMinutes()} ${time.getUTCHours()} * * *`;
  return parseWith(
    BackupConfiguration,
    {
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "BackupConfiguration",
      metadata: { name, namespace: ns, annotations },
      spec: {
        target: { kind: "PersistentVolumeClaim", name: "data", namespace: ns },
        sessions: [{ name: "daily", scheduler: { schedule, jobTemplate: {} } }],
      },
    },
    name,
  );
}

const windowsAnnotation = (windows: unknown[]) => ({
  "serverless.kubestash.com/exclusion-windows": JSON.stringify(windows),
});
const interval = (from: Date, to: Date) => `${toKubeTime(from)}/${toKubeTime(to)}`;

type Deps = Parameters<typeof createDueSessions>[0];
async function tick(at: Date, extra: Partial<Deps> = {}): Promise<CreateSessionsReport> {
  return createDueSessions(
    { client: viaProxy, publisher: new RecordingPublisher(), retry: fast, ...extra },
    at,
  );
}

const ours = (report: CreateSessionsReport, configuration: string) =>
  report.outcomes.filter((o) => o.namespace === ns && o.configuration === configuration);
const sessionsOf = async (configuration: string) =>
  (await admin.list("BackupSession", { namespace: ns })).items.filter(
    (s) => s.spec.invoker?.name === configuration,
  );
const skippedReason = (s: Awaited<ReturnType<typeof sessionsOf>>[number]) =>
  s.status?.conditions?.find((c) => c.type === "BackupSkipped")?.message;

async function eventsOn(name: string): Promise<Array<{ reason: string; message: string }>> {
  const events = await admin.transport.request({ method: "GET", path: `/api/v1/namespaces/${ns}/events` });
  return (
    events as { items: Array<{ reason: string; message: string; involvedObject: { name: string } }> }
  ).items
    .filter((e) => e.involvedObject.name === name)
    .map(({ reason, message }) => ({ reason, message }));
}

beforeAll(async () => {
  plane = await startControlPlane({ clusters: 1 });
  one = plane.clusters[0] as ClusterInfo;
  admin = await clientFor(one, "admin");
  await installRbac(admin);
  ns = uniqueNamespace("windows");
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

describe("exclusion windows on the tick", () => {
  it("Wait: no session while the window is open, one at its end, named for its scheduled time", async () => {
    const time = timeOf(1);
    const end = plus(time, 20 * MINUTE);
    await admin.create(
      "BackupConfiguration",
      daily(
        "wait",
        time,
        windowsAnnotation([{ name: "deploy-freeze", interval: interval(plus(time, -5 * MINUTE), end) }]),
      ),
    );
    const during = [await tick(plus(time, 500)), await tick(plus(time, 10 * MINUTE + 500))];
    expect(during.map((r) => ours(r, "wait").map((o) => o.decision))).toEqual([["wait"], ["wait"]]);
    expect(await sessionsOf("wait")).toEqual([]);
    const held = await admin.get("BackupConfiguration", ns, "wait");
    expect(held.status?.sessions?.[0]?.conditions).toContainEqual(
      expect.objectContaining({
        type: "ScheduleHeld",
        status: "True",
        reason: "HeldByExclusionWindow",
        message: `The due run waits for exclusion window "deploy-freeze" until ${toKubeTime(end)}.`,
      }),
    );

    const atEnd = await tick(plus(end, 500));
    const name = `wait-daily-${time.getTime() / 1000}`;
    expect(ours(atEnd, "wait")).toEqual([
      expect.objectContaining({ decision: "create", name, created: true }),
    ]);
    const [session] = await sessionsOf("wait");
    expect(session?.metadata.name).toBe(name);
    expect(session?.status?.phase).not.toBe("Skipped");
    expect(await eventsOn("wait")).toContainEqual({
      reason: "BackupSessionCreated",
      message: `Created BackupSession ${name} for ${toKubeTime(time)}`,
    });
    // Held on purpose: no missed run is counted.
    const config = await admin.get("BackupConfiguration", ns, "wait");
    expect(config.status?.sessions?.[0]?.conditions?.map((c) => c.type)).not.toContain("ScheduleMissed");
    expect(config.status?.sessions?.[0]?.conditions).toContainEqual(
      expect.objectContaining({ type: "ScheduleHeld", status: "False", reason: "WindowClosed" }),
    );
    expect(ours(await tick(plus(end, MINUTE + 500)), "wait")).toEqual([
      expect.objectContaining({ decision: "wait" }),
    ]);
    expect(await sessionsOf("wait")).toHaveLength(1);
  });

  it("Skip: a Skipped session on its own tick, the window named in the reason and the Event, once", async () => {
    const time = timeOf(2);
    const from = plus(time, -5 * MINUTE);
    const to = plus(time, 20 * MINUTE);
    await admin.create(
      "BackupConfiguration",
      daily(
        "skip",
        time,
        windowsAnnotation([{ name: "black-friday", interval: interval(from, to), policy: "Skip" }]),
      ),
    );
    const report = await tick(plus(time, 500));
    const name = `skip-daily-${time.getTime() / 1000}`;
    expect(ours(report, "skip")).toEqual([
      expect.objectContaining({ decision: "skip-create", name, created: true }),
    ]);
    const reason = `inside exclusion window "black-friday" (${toKubeTime(from)} to ${toKubeTime(to)}, policy Skip)`;
    const sessions = await sessionsOf("skip");
    expect(sessions.map((s) => [s.metadata.name, s.status?.phase, skippedReason(s)])).toEqual([
      [name, "Skipped", reason],
    ]);
    expect(await eventsOn("skip")).toContainEqual({
      reason: "BackupSessionCreated",
      message: `Skipped BackupSession ${name}: ${reason}`,
    });
    await tick(plus(time, MINUTE + 500));
    await tick(plus(to, 500));
    expect(await sessionsOf("skip")).toHaveLength(1);
  });

  it("a cluster window (registry) applies to the namespaces its selector matches", async () => {
    const time = timeOf(3);
    await admin.create("BackupConfiguration", daily("cluster-window", time));
    const held = parseExclusionWindow(
      {
        name: "this-namespace",
        interval: interval(plus(time, -MINUTE), plus(time, 5 * MINUTE)),
        namespaceSelector: {
          matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: [ns] }],
        },
      },
      { namespaceSelector: true },
    );
    const elsewhere = parseExclusionWindow(
      {
        name: "other-namespaces",
        interval: interval(plus(time, -MINUTE), plus(time, 9 * MINUTE)),
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "somewhere-else" } },
      },
      { namespaceSelector: true },
    );
    if (!held.ok || !elsewhere.ok) throw new Error("test windows do not parse");
    const windows = { clusterWindows: [held.value, elsewhere.value] };
    expect(ours(await tick(plus(time, 500), { windows }), "cluster-window")).toEqual([
      expect.objectContaining({ decision: "wait" }),
    ]);
    // At the end of its own namespace's window, not of the other one's.
    expect(ours(await tick(plus(time, 5 * MINUTE + 500), { windows }), "cluster-window")).toEqual([
      expect.objectContaining({ decision: "create", created: true }),
    ]);
  });

  it("a window annotation that does not parse: no session, the reason in the SchedulerEnsured condition", async () => {
    const time = timeOf(4);
    await admin.create(
      "BackupConfiguration",
      daily("bad-window", time, {
        "serverless.kubestash.com/exclusion-windows": "[{recurrence: daily, start: '25:00', duration: 1h}]",
      }),
    );
    const report = await tick(plus(time, 500));
    expect(ours(report, "bad-window")).toEqual([expect.objectContaining({ decision: "invalid" })]);
    expect(await sessionsOf("bad-window")).toEqual([]);
    const config = await admin.get("BackupConfiguration", ns, "bad-window");
    expect(config.status?.sessions?.[0]?.conditions).toContainEqual(
      expect.objectContaining({
        type: "SchedulerEnsured",
        status: "False",
        message:
          'annotation serverless.kubestash.com/exclusion-windows: window 1: start "25:00" must be a local time of day HH:MM such as "22:00"',
      }),
    );
  });
});

describe("start window on the tick", () => {
  const post = (method: string, path: string) =>
    method === "POST" &&
    path.includes(`/namespaces/${ns}/`) &&
    (path.split("?")[0] ?? "").endsWith("/backupsessions");

  it("a create that keeps failing past its start window ends as one Skipped session with the reason", async () => {
    const time = timeOf(5);
    await admin.create(
      "BackupConfiguration",
      daily("expiring", time, { "serverless.kubestash.com/start-window": "2m" }),
    );
    const end = proxy.outage({ status: 503, match: post });
    const failures: unknown[] = [];
    try {
      for (const minute of [0, 1, 2]) {
        failures.push(
          await tick(plus(time, minute * MINUTE + 500)).then(
            () => undefined,
            (e: unknown) => e,
          ),
        );
      }
    } finally {
      end();
    }
    expect(failures.every((f) => f instanceof SchedulingIncompleteError)).toBe(true);
    expect(await sessionsOf("expiring")).toEqual([]);

    const report = await tick(plus(time, 3 * MINUTE + 500));
    const name = `expiring-daily-${time.getTime() / 1000}`;
    expect(ours(report, "expiring")).toEqual([
      expect.objectContaining({ decision: "skip-create", name, created: true, missed: 1 }),
    ]);
    const sessions = await sessionsOf("expiring");
    expect(sessions.map((s) => [s.metadata.name, s.status?.phase, skippedReason(s)])).toEqual([
      [
        name,
        "Skipped",
        `not started within its start window (2m0s) after its start time ${toKubeTime(time)} (3m0s late)`,
      ],
    ]);
    const config = await admin.get("BackupConfiguration", ns, "expiring");
    expect(config.status?.sessions?.[0]?.conditions).toContainEqual(
      expect.objectContaining({ type: "ScheduleMissed", reason: "MissedStartingDeadline" }),
    );
    await tick(plus(time, 4 * MINUTE + 500));
    expect(await sessionsOf("expiring")).toHaveLength(1);
  });

  it("inside the window a failed create is made on the next tick, once, not Skipped", async () => {
    const time = timeOf(6);
    await admin.create(
      "BackupConfiguration",
      daily("inside", time, { "serverless.kubestash.com/start-window": "2m" }),
    );
    const end = proxy.outage({ status: 503, match: post });
    const failed = await tick(plus(time, 500)).then(
      () => undefined,
      (e: unknown) => e,
    );
    end();
    expect(failed).toBeInstanceOf(SchedulingIncompleteError);
    const name = `inside-daily-${time.getTime() / 1000}`;
    const retried = await tick(plus(time, MINUTE + 500));
    expect(ours(retried, "inside")).toEqual([
      expect.objectContaining({ decision: "create", name, created: true }),
    ]);
    await tick(plus(time, 2 * MINUTE + 500));
    await tick(plus(time, 3 * MINUTE + 500));
    const sessions = await sessionsOf("inside");
    expect(sessions.map((s) => [s.metadata.name, s.status?.phase])).toEqual([[name, undefined]]);
  });
});
