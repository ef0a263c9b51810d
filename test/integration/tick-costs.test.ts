import { beforeAll, describe, expect, it } from "vitest";
import { addonComponent, runMetadataJobs } from "../../local/demo-executor.ts";
import { finishJob } from "../../local/job-controller.ts";
import { FULL_SWEEP_MINUTE } from "../../shared/decide/session/settled.ts";
import type { KubeClient } from "../../shared/kube/client.ts";
import type { KubeRequest } from "../../shared/kube/transport.ts";
import {
  BackupSessionCondition as C,
  COMPLETED_LABEL,
  toKubeTime,
  UNFINISHED_SELECTOR,
} from "../../shared/model/index.ts";
import { applySessionRetention } from "../../shared/usecases/apply-retention.ts";
import { createDueSessions } from "../../shared/usecases/create-sessions.ts";
import { type ReconcileOutcome, sweepSessions } from "../../shared/usecases/reconcile-session.ts";
import { cleanUpSnapshots } from "../../shared/usecases/snapshot-cleanup.ts";
import { clockFrom } from "../support/clock.ts";
import {
  installConfiguration,
  lifecycleNamespace,
  nextHour,
  RecordingPublisher,
  scheduleSession,
} from "../support/lifecycle.ts";
import { sharedCluster } from "../support/shared-cluster.ts";

/**
 * The sweep lists only what is unfinished (docs/costs.md), on the real API server as the functions: a session
 * the sweep finishes (its retention applied) is labelled completed with its Snapshots and Jobs, and the next sweep's LISTs carry the
 * selector and return none of them; history cleanup still counts the finished siblings; a labelled session
 * deleted by someone else is found by the hourly full sweep; a finished session without the label (the
 * operator's) is labelled once. And a quiet tick of create-sessions reads each kind with one LIST and writes
 * nothing.
 */

const one = sharedCluster();

const hour = nextHour();
const { atSeconds } = clockFrom(hour);

let admin: KubeClient;
let functions: KubeClient;
let ns: string;

beforeAll(async () => {
  ({ admin, functions, ns } = await lifecycleNamespace(one, "costs"));
});

interface RequestSeen {
  method: string;
  path: string;
  continued: boolean;
}

/** Every request the functions' client sent while `act` ran. */
async function requestsDuring(act: () => Promise<unknown>): Promise<RequestSeen[]> {
  const transport = functions.transport;
  const send = transport.request.bind(transport);
  const seen: RequestSeen[] = [];
  transport.request = (req: KubeRequest) => {
    seen.push({ method: req.method, path: req.path, continued: req.query?.continue !== undefined });
    return send(req);
  };
  try {
    await act();
    return seen;
  } finally {
    transport.request = send;
  }
}

interface ListSeen {
  resource: string;
  clusterWide: boolean;
  labelSelector: string | undefined;
  items: Array<{ metadata: { name: string; namespace?: string }; spec?: { backupSession?: string } }>;
}

/** Every LIST page the functions' client sent while `act` ran, with what it returned. */
async function listsDuring<T>(act: () => Promise<T>): Promise<{ result: T; lists: ListSeen[] }> {
  const transport = functions.transport;
  const send = transport.request.bind(transport);
  const lists: ListSeen[] = [];
  transport.request = async (req: KubeRequest) => {
    const body = await send(req);
    if (req.method === "GET" && req.query?.limit !== undefined) {
      const selector = req.query.labelSelector;
      lists.push({
        resource: req.path.split("/").at(-1) ?? "",
        clusterWide: !req.path.includes("/namespaces/"),
        labelSelector: typeof selector === "string" ? selector : undefined,
        items: (body as { items?: ListSeen["items"] }).items ?? [],
      });
    }
    return body;
  };
  try {
    return { result: await act(), lists };
  } finally {
    transport.request = send;
  }
}

const sweep = (now: Date) =>
  sweepSessions({ client: functions, publisher: new RecordingPublisher() }, () => now);
const mine = (outcomes: ReconcileOutcome[]) => outcomes.filter((o) => o.namespace === ns);
const snapshotsOf = async (session: string) =>
  (await admin.list("Snapshot", { namespace: ns })).items.filter((s) => s.spec.backupSession === session);
const jobsOf = async (session: string) =>
  (await admin.list("Job", { labelSelector: `kubestash.com/invoker-name=${session}` })).items;

/** A session scheduled at `t` seconds and driven to Succeeded by sweeps only, the executor played by admin. */
async function finishedBySweeps(configuration: string, t: number): Promise<string> {
  const name = await scheduleSession(functions, configuration, atSeconds(t + 5));
  await sweep(atSeconds(t + 6));
  for (const s of await snapshotsOf(name)) {
    await admin.updateStatus("Snapshot", ns, s.metadata.name, (current) => ({
      ...current.status,
      components: addonComponent(current, "Succeeded", atSeconds(t + 20)),
    }));
  }
  for (const job of await jobsOf(name)) await finishJob(admin, job, "Succeeded", atSeconds(t + 20));
  for (let round = 0; round < 4; round++) {
    await sweep(atSeconds(t + 21 + round));
    await runMetadataJobs(admin, "Succeeded", atSeconds(t + 21 + round), name);
    if ((await admin.get("BackupSession", ns, name)).status?.phase !== "Succeeded") continue;
    // Settled once its retention is applied (the "Phase Changed" to Succeeded path); the next sweep labels it.
    await applySessionRetention({ client: functions }, ns, name, atSeconds(t + 30));
    await sweep(atSeconds(t + 31));
    return name;
  }
  throw new Error(`${name} did not finish`);
}

describe("the sweep lists only what is unfinished", () => {
  let first: string;

  it("a session the sweep finishes is labelled completed, its Snapshots and Jobs first", async () => {
    await installConfiguration(admin, ns, "hist", { sessionHistoryLimit: 1 });
    first = await finishedBySweeps("hist", 0);
    expect((await admin.get("BackupSession", ns, first)).metadata.labels?.[COMPLETED_LABEL]).toBe("true");
    const snapshots = await snapshotsOf(first);
    const jobs = await jobsOf(first);
    expect(snapshots.length).toBeGreaterThan(0);
    expect(jobs.length).toBeGreaterThan(0);
    for (const o of [...snapshots, ...jobs]) expect(o.metadata.labels?.[COMPLETED_LABEL]).toBe("true");
  });

  it("the next sweep's LISTs of sessions, Snapshots and Jobs carry the selector and return none of them", async () => {
    const { result, lists } = await listsDuring(() => sweep(atSeconds(60)));
    for (const resource of ["backupsessions", "snapshots", "jobs"]) {
      // The load's LISTs are cluster-wide (fresh reads of other files' sessions are namespaced).
      const of = lists.filter((l) => l.resource === resource && l.clusterWide);
      expect(of.length, resource).toBeGreaterThan(0);
      for (const l of of) expect(l.labelSelector, resource).toContain(UNFINISHED_SELECTOR);
    }
    const listed = lists.flatMap((l) => l.items).filter((o) => o.metadata.namespace === ns);
    expect(listed.map((o) => o.metadata.name)).not.toContain(first);
    expect(listed.filter((o) => o.spec?.backupSession === first)).toEqual([]);
    expect(listed.filter((o) => o.metadata.name.includes(first))).toEqual([]);
    expect(mine(result)).toEqual([]);
  });

  it("the tick's snapshot cleanup step lists Snapshots with the selector too, and none of the finished ones", async () => {
    const { lists } = await listsDuring(() =>
      cleanUpSnapshots({ client: functions }, atSeconds(60), undefined, "unfinished"),
    );
    const of = lists.filter((l) => l.resource === "snapshots");
    expect(of.length).toBeGreaterThan(0);
    for (const l of of) expect(l.labelSelector).toContain(UNFINISHED_SELECTOR);
    const listed = of.flatMap((l) => l.items).filter((o) => o.metadata.namespace === ns);
    expect(listed.filter((o) => o.spec?.backupSession === first)).toEqual([]);
  });

  it("history cleanup still counts the finished sibling: it is deleted with its Jobs, its finalizer released", async () => {
    const second = await finishedBySweeps("hist", 3600);
    // The older one was unlabelled, then deleted; the sweep finds it and runs the finalizer path.
    for (let round = 0; round < 3 && (await admin.find("BackupSession", ns, first)); round++) {
      await sweep(atSeconds(3660 + round));
    }
    expect(await admin.find("BackupSession", ns, first)).toBeUndefined();
    expect(await jobsOf(first)).toEqual([]);
    expect((await admin.get("BackupSession", ns, second)).metadata.labels?.[COMPLETED_LABEL]).toBe("true");
  });

  it("a labelled session deleted by someone else is found by the hourly full sweep, not by the others", async () => {
    const [left] = (await admin.list("BackupSession", { namespace: ns })).items.map((s) => s.metadata.name);
    if (!left) throw new Error("one session is left");
    await admin.delete("BackupSession", ns, left);
    expect(mine(await sweep(atSeconds(3700))).map((o) => o.name)).not.toContain(left);
    expect((await admin.get("BackupSession", ns, left)).metadata.deletionTimestamp).toBeDefined();
    const full = atSeconds(3600 + FULL_SWEEP_MINUTE * 60);
    for (let round = 0; round < 3 && (await admin.find("BackupSession", ns, left)); round++) {
      await sweep(new Date(full.getTime() + round * 1000));
    }
    expect(await admin.find("BackupSession", ns, left)).toBeUndefined();
    expect(await jobsOf(left)).toEqual([]);
  });

  it("a finished session without the label (made by the operator) is listed once and labelled", async () => {
    await installConfiguration(admin, ns, "legacy");
    const { object } = await admin.create("BackupSession", {
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "BackupSession",
      metadata: { name: "legacy-hourly-1", namespace: ns },
      spec: { invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: "legacy" } },
    });
    const done = { status: "True" as const, reason: "Done", lastTransitionTime: toKubeTime(atSeconds(0)) };
    await admin.replaceStatus("BackupSession", {
      ...object,
      status: { phase: "Succeeded", conditions: [{ type: C.MetricsPushed, ...done }] },
    });
    await sweep(atSeconds(7200));
    const labelled = await admin.get("BackupSession", ns, "legacy-hourly-1");
    expect(labelled.metadata.labels?.[COMPLETED_LABEL]).toBe("true");
    expect(labelled.status?.phase).toBe("Succeeded");
    const { lists } = await listsDuring(() => sweep(atSeconds(7260)));
    const names = lists.flatMap((l) => l.items).map((o) => o.metadata.name);
    expect(names).not.toContain("legacy-hourly-1");
  });
});

describe("a quiet Schedule Tick of create-sessions", () => {
  it("lists each kind once and writes nothing when no session is due and every status is current", async () => {
    // Prepare: the tick that creates the hour's session and writes the configuration's status.
    await installConfiguration(admin, ns, "quiet");
    await scheduleSession(functions, "quiet", atSeconds(8000));
    // Act: the next tick, nothing due.
    const seen = await requestsDuring(() =>
      createDueSessions({ client: functions, publisher: new RecordingPublisher() }, atSeconds(8010)).catch(
        () => undefined,
      ),
    );
    // Assess
    const lists = seen.filter((r) => r.method === "GET" && !r.continued && !r.path.includes("/namespaces/"));
    const paths = lists.map((r) => r.path);
    expect(new Set(paths).size).toBe(paths.length);
    const mineTouched = seen.filter((r) => r.path.includes(`/namespaces/${ns}/`));
    expect(mineTouched).toEqual([]);
  });
});

describe("a Schedule Tick with sessions due (docs/costs.md#scheduling-lag)", () => {
  it("creates every due session before it writes an Event or a status, and writes each status without a GET", async () => {
    // Prepare: a namespace of its own, three configurations whose hourly sessions fall due at the same time.
    const own = await lifecycleNamespace(one, "costs-order");
    const names = ["order-a", "order-b", "order-c"];
    for (const name of names) await installConfiguration(own.admin, own.ns, name);
    // Act: the tick just after that time, one write at a time (so the order is the plan's, not a race's).
    const deps = { client: functions, publisher: new RecordingPublisher(), concurrency: 1 };
    const seen = await requestsDuring(() =>
      createDueSessions(deps, atSeconds(10_805)).catch(() => undefined),
    );
    // Assess: only this namespace's requests (other files' objects share the cluster).
    const mine = seen.filter((r) => r.path.includes(`/namespaces/${own.ns}/`));
    const creates = mine.flatMap((r, i) =>
      r.method === "POST" && r.path.endsWith("/backupsessions") ? [i] : [],
    );
    const others = mine.flatMap((r, i) =>
      (r.method === "POST" && r.path.endsWith("/events")) || r.path.endsWith("/status") ? [i] : [],
    );
    expect(creates).toHaveLength(names.length);
    expect(others.length).toBeGreaterThanOrEqual(names.length * 2);
    expect(Math.max(...creates)).toBeLessThan(Math.min(...others));
    const configStatusWrites = mine.filter(
      (r) => r.method === "PUT" && /\/backupconfigurations\/order-[abc]\/status$/.test(r.path),
    );
    expect(configStatusWrites).toHaveLength(names.length);
    const configReads = mine.filter((r) => r.method === "GET" && r.path.includes("/backupconfigurations/"));
    expect(configReads).toEqual([]);
  });
});
