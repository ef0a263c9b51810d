import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addonComponent, reportRunning } from "../../local/demo-executor.ts";
import { finishJob } from "../../local/job-controller.ts";
import { KubeClient, KubeTransport, UnavailableError } from "../../shared/kube/index.ts";
import { findCondition, type Snapshot } from "../../shared/model/index.ts";
import {
  type ReconcileDeps,
  reconcileFrom,
  reconcileSession,
  sweepSessions,
} from "../../shared/usecases/reconcile-session.ts";
import { loadSessionWorld } from "../../shared/usecases/session-world.ts";
import type { ClusterInfo } from "../controlplane/index.ts";
import { clockFrom } from "../support/clock.ts";
import type { FaultProxy } from "../support/fault-proxy.ts";
import { installConfiguration, nextHour, RecordingPublisher, scheduleSession } from "../support/lifecycle.ts";
import { type PrivatePlane, startPrivatePlane } from "../support/private-plane.ts";

/**
 * The sweep on a world its parallel LISTs may read inconsistently (docs/consistency.md), through the fault
 * proxy in front of the real API server, as the functions' identity: a 429 or 503 on any one LIST of the sweep,
 * beyond the client's retries, fails the whole sweep — nothing written, no session failed; a world whose Jobs
 * were read before the executor Job existed (or whose Snapshot was read before its executor reported) is read
 * again before anything is failed; a Job really gone still fails the session. Deterministic: every fault is
 * queued on one named request.
 */

// A private control plane: the tick and the sweep are cluster-wide, so other test files' configurations and
// sessions on the shared clusters would be ticked and swept here too.
let plane: PrivatePlane | undefined;
let one: ClusterInfo;

/** The transport's default attempts for a retryable failure (shared/kube/transport.ts). */
const ATTEMPTS = 4;
const { atSeconds } = clockFrom(nextHour());

let admin: KubeClient;
let functions: KubeClient;
let viaProxy: KubeClient;
let proxy: FaultProxy;
let ns: string;
const deps = (): ReconcileDeps => ({ client: viaProxy, publisher: new RecordingPublisher() });

beforeAll(async () => {
  plane = await startPrivatePlane("sweep");
  ({ one, admin, functions, ns, proxy } = plane);
  // Retry-After is honoured through `sleep`; a no-op keeps the exhausted retries fast.
  viaProxy = new KubeClient(
    await KubeTransport.create(proxy.kubeConfig("functions"), {
      clusterId: one.id,
      maxAttempts: ATTEMPTS,
      sleep: async () => {},
    }),
  );
});

afterAll(async () => {
  await viaProxy?.transport.close();
  await plane?.stop();
});

/** The requests the proxy saw while `act` ran. */
async function seenDuring(act: () => Promise<unknown>) {
  const from = proxy.seen.length;
  await act();
  return proxy.seen.slice(from);
}

const isClusterWideList = (method: string, path: string) =>
  method === "GET" && !path.startsWith("/readyz") && !(path.split("?")[0] ?? "").includes("/namespaces/");

/** A session started by our reconcile, its executor Job created, its component reported Running. */
async function runningSession(configuration: string): Promise<string> {
  await installConfiguration(admin, ns, configuration);
  const name = await scheduleSession(functions, configuration, atSeconds(5));
  const plain = { client: functions, publisher: new RecordingPublisher() };
  await reconcileSession(plain, ns, name, () => atSeconds(6));
  for (const snapshot of await snapshotsOf(name)) await reportRunning(admin, snapshot);
  await reconcileSession(plain, ns, name, () => atSeconds(11));
  expect((await admin.get("BackupSession", ns, name)).status?.phase).toBe("Running");
  return name;
}

/** The addon's final report, replacing its Running one: its component only. */
async function reportSucceeded(snapshot: Snapshot, now: Date) {
  await admin.updateStatus("Snapshot", ns, snapshot.metadata.name, (current) => ({
    ...current.status,
    components: addonComponent(current, "Succeeded", now),
  }));
}

const snapshotsOf = async (session: string) =>
  (await admin.list("Snapshot", { namespace: ns })).items.filter((s) => s.spec.backupSession === session);
const executorJobsOf = async (session: string) =>
  (await admin.list("Job", { namespace: ns, labelSelector: `kubestash.com/invoker-name=${session}` })).items;

describe("a 429 or 503 on any one LIST of the sweep, beyond the client's retries", () => {
  let name: string;
  let lists: string[];
  beforeAll(async () => {
    name = await runningSession("steady");
    // The sweep's LISTs, as the code makes them: the cluster-wide reads of one clean sweep.
    const seen = await seenDuring(() => sweepSessions(deps(), () => atSeconds(20)));
    lists = [...new Set(seen.filter((s) => isClusterWideList(s.method, s.path)).map((s) => s.path))];
  });

  it("the sweep's LISTs are the session world's nine and the operator check's", () => {
    const resources = lists.map((path) => (path.split("?")[0] ?? "").split("/").pop());
    expect(resources).toEqual(
      expect.arrayContaining([
        "backupsessions",
        "backupconfigurations",
        "repositories",
        "backupstorages",
        "snapshots",
        "jobs",
        "addons",
        "functions",
        "hooktemplates",
        "deployments",
      ]),
    );
  });

  it.each([
    { status: 429, retryAfterSeconds: 1 },
    { status: 503, retryAfterSeconds: undefined },
  ])(
    "$status on each LIST in turn: the sweep fails, nothing is written, the session is not failed",
    async (fault) => {
      for (const list of lists) {
        // Prepare
        const before = await admin.get("BackupSession", ns, name);
        proxy.inject({ ...fault, match: (method, path) => method === "GET" && path === list }, ATTEMPTS);
        // Act
        let failure: unknown;
        const seen = await seenDuring(() =>
          sweepSessions(deps(), () => atSeconds(30)).catch((e) => (failure = e)),
        );
        // Assess: the failed LIST failed the whole load (reported, never read as an empty list)
        expect(failure, list).toBeInstanceOf(UnavailableError);
        expect(
          seen.filter((s) => s.path === list && s.status === fault.status),
          list,
        ).toHaveLength(ATTEMPTS);
        expect(
          seen.filter((s) => s.method !== "GET"),
          list,
        ).toEqual([]);
        const after = await admin.get("BackupSession", ns, name);
        expect(after.metadata.resourceVersion, list).toBe(before.metadata.resourceVersion);
        expect(after.status?.phase, list).toBe("Running");
      }
    },
  );

  it("then a clean sweep proceeds normally: the component in and the executor ended, the metadata upload starts", async () => {
    const [snapshot] = await snapshotsOf(name);
    if (!snapshot) throw new Error("a snapshot");
    await reportSucceeded(snapshot, atSeconds(40));
    for (const job of await executorJobsOf(name)) await finishJob(admin, job, "Succeeded", atSeconds(40));
    const outcomes = await sweepSessions(deps(), () => atSeconds(41));
    expect(outcomes.find((o) => o.name === name)).toMatchObject({ actions: expect.any(Number) });
    expect(outcomes.find((o) => o.name === name)?.error).toBeUndefined();
    expect(await admin.find("Job", ns, `snapshot-metadata-${snapshot.metadata.name}`)).toBeDefined();
    expect((await admin.get("BackupSession", ns, name)).status?.phase).toBe("Running");
  });
});

describe("reads in each order: an absence is read again before anything is failed", () => {
  it("Jobs read before the executor Job existed, the session after its status said so: the fresh read finds it", async () => {
    // Prepare: a session not started yet, the Jobs read now; then our reconcile makes the Job and says so
    await installConfiguration(admin, ns, "jobs-early");
    const name = await scheduleSession(functions, "jobs-early", atSeconds(5));
    const early = await loadSessionWorld(functions);
    await reconcileSession({ client: functions, publisher: new RecordingPublisher() }, ns, name, () =>
      atSeconds(6),
    );
    const late = await loadSessionWorld(functions);
    const session = late.sessions.find((s) => s.metadata.name === name);
    if (!session) throw new Error("the session");
    expect(session.status?.conditions?.find((c) => c.type === "BackupExecutorEnsured")?.status).toBe("True");
    expect(early.jobs.some((j) => j.metadata.labels?.["kubestash.com/invoker-name"] === name)).toBe(false);

    // Act: decided on sessions read late and Jobs read early
    const seen = await seenDuring(() =>
      reconcileFrom(deps(), { ...late, jobs: early.jobs }, session, atSeconds(7)),
    );

    // Assess: the Jobs of the session were read again, directly; nothing written, nothing failed
    expect(
      seen.filter((s) => s.method === "GET" && s.path.startsWith(`/apis/batch/v1/namespaces/${ns}/jobs?`)),
    ).toHaveLength(1);
    expect(seen.filter((s) => s.method !== "GET")).toEqual([]);
    const after = await admin.get("BackupSession", ns, name);
    expect(after.metadata.resourceVersion).toBe(session.metadata.resourceVersion);
    expect(after.status?.phase).not.toBe("Failed");
    for (const s of await snapshotsOf(name)) {
      expect(findCondition(s.status?.conditions, "BackupIncomplete")).toBeUndefined();
    }
  });

  it("the Snapshot read before its executor reported, the Jobs after the executor ended: the fresh read has the report", async () => {
    // Prepare
    const name = await runningSession("snapshot-early");
    const early = await loadSessionWorld(functions);
    const [snapshot] = await snapshotsOf(name);
    if (!snapshot) throw new Error("a snapshot");
    await reportSucceeded(snapshot, atSeconds(20));
    for (const job of await executorJobsOf(name)) await finishJob(admin, job, "Succeeded", atSeconds(20));
    const late = await loadSessionWorld(functions);
    const session = late.sessions.find((s) => s.metadata.name === name);
    if (!session) throw new Error("the session");

    // Act: decided on Jobs read late and Snapshots read early
    const seen = await seenDuring(() =>
      reconcileFrom(deps(), { ...late, snapshots: early.snapshots }, session, atSeconds(21)),
    );

    // Assess: the Snapshot was read again; the upload starts instead of a BackupIncomplete
    expect(seen).toContainEqual(
      expect.objectContaining({
        method: "GET",
        path: `/apis/storage.kubestash.com/v1alpha1/namespaces/${ns}/snapshots/${snapshot.metadata.name}`,
      }),
    );
    const fresh = await admin.get("Snapshot", ns, snapshot.metadata.name);
    expect(findCondition(fresh.status?.conditions, "BackupIncomplete")).toBeUndefined();
    expect(await admin.find("Job", ns, `snapshot-metadata-${snapshot.metadata.name}`)).toBeDefined();
    expect((await admin.get("BackupSession", ns, name)).status?.phase).toBe("Running");
  });

  it("the executor Job really deleted: confirmed missing, the session Failed naming it", async () => {
    // Prepare
    const name = await runningSession("deleted");
    const [job] = await executorJobsOf(name);
    if (!job) throw new Error("the executor Job");
    await admin.delete("Job", ns, job.metadata.name, { propagationPolicy: "Background" });

    // Act
    const seen = await seenDuring(() => sweepSessions(deps(), () => atSeconds(30)));

    // Assess: read again (a LIST of the session's Jobs) before the failure was written
    const confirm = seen.findIndex((s) => s.path.startsWith(`/apis/batch/v1/namespaces/${ns}/jobs?`));
    const write = seen.findIndex(
      (s) => s.method === "PUT" && s.path.includes(`/backupsessions/${name}/status`),
    );
    expect(confirm).toBeGreaterThanOrEqual(0);
    expect(write).toBeGreaterThan(confirm);
    expect((await admin.get("BackupSession", ns, name)).status?.phase).toBe("Failed");
    const [snapshot] = await snapshotsOf(name);
    expect(findCondition(snapshot?.status?.conditions, "BackupIncomplete")).toMatchObject({
      reason: "BackupExecutorTerminatedBeforeCompletion",
      message: `backup executor Job ${job.metadata.name} no longer exists`,
    });
  });
});
