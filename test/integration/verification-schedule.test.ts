import os from "node:os";
import { beforeAll, describe, expect, it } from "vitest";
import { definition as triggerBackupFunction } from "../../functions/trigger-backup/function.ts";
import type { DeadLetterEntry } from "../../shared/bus/dead-letter.ts";
import type { OutgoingEvent } from "../../shared/bus/publisher.ts";
import { ManualClock } from "../../shared/clock.ts";
import { loadRegistry } from "../../shared/clusters/registry.ts";
import { handleEvent } from "../../shared/handler/handle-event.ts";
import { observability } from "../../shared/handler/observability.ts";
import type { KubeClient } from "../../shared/kube/client.ts";
import { ClusterClients } from "../../shared/kube/cluster-clients.ts";
import {
  type BackupVerifier,
  BackupVerifier as BackupVerifierSchema,
  parseWith,
  type RepositoryInfo,
  toKubeTime,
} from "../../shared/model/index.ts";
import { type CreateSessionsReport, createDueSessions } from "../../shared/usecases/create-sessions.ts";
import { SchedulingIncompleteError } from "../../shared/usecases/errors.ts";
import { triggerVerification } from "../../shared/usecases/trigger-verification.ts";
import { clockFrom } from "../support/clock.ts";
import {
  installConfiguration,
  lifecycleNamespace,
  nextHour,
  RecordingPublisher,
} from "../support/lifecycle.ts";
import { sharedCluster } from "../support/shared-cluster.ts";

/**
 * Verifications scheduled on the real API server by the same tick as the backups
 * (docs/verification.md#scheduling): a due verifier gets one BackupVerificationSession, named, labelled,
 * owned and specified as KubeStash's trigger-verifier Job makes it, in the same publish as the backups';
 * repeated and racing ticks create it once; a Forbid skip is created Skipped with its reason; a verifier that
 * does not exist is said on the configuration; a trigger delivered twice creates one session.
 */

const one = sharedCluster();

const hour = nextHour();
const H = hour.getUTCHours();
const { atMinutes, atSeconds } = clockFrom(hour);

let admin: KubeClient;
let functions: KubeClient;
let ns: string;

/** Records each publish call, so what went out together can be told. */
class BatchRecorder extends RecordingPublisher {
  readonly batches: OutgoingEvent[][] = [];
  override async publish(events: OutgoingEvent[]) {
    this.batches.push([...events]);
    return super.publish(events);
  }
}

function verifier(
  name: string,
  schedule: string,
  extra: Partial<BackupVerifier["spec"]> = {},
): BackupVerifier {
  return parseWith(
    BackupVerifierSchema,
    {
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "BackupVerifier",
      metadata: { name, namespace: ns },
      spec: {
        restoreOption: {
          addonInfo: { name: "pvc-addon", tasks: [{ name: "logical-backup-restore" }] },
          target: { kind: "PersistentVolumeClaim", name: "scratch", namespace: ns },
        },
        scheduler: { schedule, jobTemplate: { backoffLimit: 1 } },
        type: "RestoreOnly",
        ...extra,
      },
    },
    name,
  );
}

const verified = (name: string, verifierName: string): RepositoryInfo => ({
  name,
  backend: "local",
  directory: `/${name}`,
  backupVerifier: { name: verifierName },
});

/** One tick as the platform runs it; what it did for this file's namespace is in the report either way. */
async function tick(at: Date, publisher = new RecordingPublisher()): Promise<CreateSessionsReport> {
  return createDueSessions({ client: functions, publisher }, at).catch((error: unknown) => {
    if (error instanceof SchedulingIncompleteError) return error.report;
    throw error;
  });
}

const detail = (e: OutgoingEvent) => e.detail as Record<string, unknown>;
const mine = (report: CreateSessionsReport) => (report.verifications ?? []).filter((v) => v.namespace === ns);
const verificationsOf = async (configuration: string) =>
  (await admin.list("BackupVerificationSession", { namespace: ns })).items.filter(
    (s) => s.spec.invoker?.name === configuration,
  );
const eventsOn = async (configuration: string, reason: string) =>
  (await admin.list("Event", { namespace: ns })).items.filter(
    (e) => e.involvedObject.name === configuration && e.reason === reason,
  );

beforeAll(async () => {
  ({ admin, functions, ns } = await lifecycleNamespace(one, "verify-sched", ["repo-a", "repo-b"]));
});

describe("a Forbid verifier while its previous verification runs", () => {
  it("creates the next one Skipped, BackupVerificationSkipped with ConcurrentVerificationRunning", async () => {
    // Prepare: due at H:05 and H:10; the H:05 one is never driven (no phase: running).
    await admin.create("BackupVerifier", verifier("verify-forbid", `5,10 ${H} * * *`));
    await installConfiguration(admin, ns, "forbid", { repositories: [verified("repo-a", "verify-forbid")] });
    await tick(atSeconds(5 * 60 + 5));
    const [first] = await verificationsOf("forbid");
    expect(first?.status?.phase).toBeUndefined();
    // Act
    const report = await tick(atSeconds(10 * 60 + 5));
    // Assess
    const outcome = mine(report).find((o) => o.configuration === "forbid");
    expect(outcome).toMatchObject({ decision: "skip-create", created: true, repository: "repo-a" });
    const skipped = await admin.get("BackupVerificationSession", ns, outcome?.name ?? "");
    expect(skipped.metadata.name).toBe(`repo-a-hourly-${atMinutes(10).getTime() / 1000}`);
    expect(skipped.status?.phase).toBe("Skipped");
    expect(skipped.status?.conditions).toEqual([
      expect.objectContaining({
        type: "BackupVerificationSkipped",
        status: "True",
        reason: "ConcurrentVerificationRunning",
        message: expect.stringContaining(first?.metadata.name ?? "?"),
      }),
    ]);
  });
});

describe("a due verifier on a Schedule Tick", () => {
  it("gets exactly one BackupVerificationSession, as KubeStash's trigger-verifier makes it, announced with the backups", async () => {
    // Prepare: repo-a verified at H:30; repo-b names a verifier that does not exist.
    await admin.create(
      "BackupVerifier",
      verifier("verify-app", `30 ${H} * * *`, { retryConfig: { maxRetry: 2 } }),
    );
    await installConfiguration(admin, ns, "app", {
      repositories: [verified("repo-a", "verify-app"), verified("repo-b", "verify-missing")],
    });
    const config = await admin.get("BackupConfiguration", ns, "app");
    const publisher = new BatchRecorder();
    // Act
    const report = await tick(atSeconds(30 * 60 + 5), publisher);
    // Assess: the session
    const name = `repo-a-hourly-${atMinutes(30).getTime() / 1000}`;
    const sessions = await verificationsOf("app");
    expect(sessions.map((s) => s.metadata.name)).toEqual([name]);
    const [session] = sessions;
    expect(session?.metadata.labels).toMatchObject({
      "app.kubernetes.io/managed-by": "kubestash.com",
      "kubestash.com/invoker-kind": "BackupConfiguration",
      "kubestash.com/invoker-name": "app",
      "kubestash.com/session-name": "hourly",
      "kubestash.com/repo-name": "repo-a",
    });
    expect(session?.metadata.annotations).toMatchObject({
      "serverless.kubestash.com/scheduled-time": toKubeTime(atMinutes(30)),
      "serverless.kubestash.com/origin": "schedule",
      "serverless.kubestash.com/verifier": `${ns}/verify-app`,
    });
    expect(session?.metadata.ownerReferences).toEqual([
      {
        apiVersion: "core.kubestash.com/v1alpha1",
        kind: "BackupConfiguration",
        name: "app",
        uid: config.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(session?.metadata.finalizers).toEqual(["kubestash.com/cleanup"]);
    expect(session?.spec).toEqual({
      invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: "app" },
      session: "hourly",
      repository: "repo-a",
      retryLeft: 2,
    });
    // … its "Created" went out in the same publish as the backup's, and an Event is on the configuration.
    const batch = publisher.batches.find((b) =>
      b.some((e) => e.detailType === "BackupVerificationSession Created" && detail(e).name === name),
    );
    expect(
      batch?.filter((e) => detail(e).namespace === ns).map((e) => [e.detailType, detail(e).configuration]),
    ).toEqual(
      expect.arrayContaining([
        ["BackupSession Created", "app"],
        ["BackupVerificationSession Created", "app"],
      ]),
    );
    expect(await eventsOn("app", "BackupVerificationSessionCreated")).toHaveLength(1);
    // … and the verifier that does not exist: no session, a Warning on the configuration.
    expect(mine(report).find((o) => o.configuration === "app" && o.repository === "repo-b")).toMatchObject({
      decision: "missing-verifier",
      verifier: `${ns}/verify-missing`,
    });
    const warnings = await eventsOn("app", "VerifierNotFound");
    expect(warnings.map((e) => [e.type, e.message])).toEqual([
      [
        "Warning",
        `BackupVerifier ${ns}/verify-missing of repository "repo-b" (session "hourly") does not exist: its verifications are not scheduled`,
      ],
    ]);
  });

  it("creates nothing more on a repeated tick of the same minute", async () => {
    const publisher = new RecordingPublisher();
    const report = await tick(atSeconds(30 * 60 + 40), publisher);
    expect(mine(report).find((o) => o.configuration === "app" && o.repository === "repo-a")?.decision).toBe(
      "wait",
    );
    expect(await verificationsOf("app")).toHaveLength(1);
    expect(
      publisher.ofType("BackupVerificationSession Created").filter((e) => detail(e).namespace === ns),
    ).toEqual([]);
  });

  it("creates one session when two create-sessions runs race for the same minute", async () => {
    // Prepare: a verifier due at H:45, first seen by two ticks at once.
    await admin.create("BackupVerifier", verifier("verify-race", `45 ${H} * * *`));
    await installConfiguration(admin, ns, "race", { repositories: [verified("repo-a", "verify-race")] });
    const publisher = new RecordingPublisher();
    // Act
    const reports = await Promise.all([
      tick(atSeconds(45 * 60 + 3), publisher),
      tick(atSeconds(45 * 60 + 3), publisher),
    ]);
    await tick(atSeconds(45 * 60 + 30), publisher);
    // Assess
    expect((await verificationsOf("race")).map((s) => s.metadata.name)).toEqual([
      `repo-a-hourly-${atMinutes(45).getTime() / 1000}`,
    ]);
    const created = reports.flatMap(mine).filter((o) => o.configuration === "race" && o.created === true);
    expect(created).toHaveLength(1);
    expect(
      publisher
        .ofType("BackupVerificationSession Created")
        .filter((e) => detail(e).namespace === ns && detail(e).configuration === "race"),
    ).toHaveLength(1);
  });
});

describe("Verification Trigger Requested", () => {
  it("creates one session for a request delivered twice at once, and again later", async () => {
    const publisher = new RecordingPublisher();
    const deps = { client: functions, publisher };
    const request = {
      version: "1" as const,
      clusterId: one.id,
      requestId: "pipeline-9-verify-1",
      namespace: ns,
      configuration: "app",
      repository: "repo-a",
      snapshot: "repo-a-app-hourly-1764147600",
    };
    const requestedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    // Act: the same event twice at once, then redelivered a minute later (another time: another name).
    const outcomes = await Promise.all([
      triggerVerification(deps, request, requestedAt, new Date()),
      triggerVerification(deps, request, requestedAt, new Date()),
    ]);
    const later = await triggerVerification(
      deps,
      request,
      new Date(requestedAt.getTime() + 60_000),
      new Date(),
    );
    // Assess
    expect(outcomes.map((o) => o.status).sort()).toEqual(["created", "duplicate"]);
    expect(later.status).toBe("duplicate");
    const triggered = (await verificationsOf("app")).filter(
      (s) => s.metadata.annotations?.["serverless.kubestash.com/origin"] === "trigger",
    );
    expect(triggered.map((s) => [s.metadata.name, s.spec.snapshot, s.spec.repository])).toEqual([
      [`repo-a-hourly-${requestedAt.getTime() / 1000}`, request.snapshot, "repo-a"],
    ]);
    expect(triggered[0]?.metadata.annotations?.["serverless.kubestash.com/trigger-request-id"]).toBe(
      request.requestId,
    );
    expect(publisher.ofType("BackupVerificationSession Created").map((e) => detail(e).origin)).toEqual([
      "trigger",
    ]);
  });

  it("rejects a request for a repository without a verifier, naming it", async () => {
    const outcome = await triggerVerification(
      { client: functions, publisher: new RecordingPublisher() },
      {
        version: "1",
        clusterId: one.id,
        requestId: "pipeline-9-verify-2",
        namespace: ns,
        configuration: "app",
        repository: "repo-b",
      },
      new Date(),
      new Date(),
    );
    expect(outcome).toEqual({
      status: "rejected",
      reason: `BackupVerifier ${ns}/verify-missing of repository "repo-b" does not exist`,
    });
  });

  it("goes through the trigger-backup function: a duplicate delivery of the event creates no second session", async () => {
    // Prepare: the function's own dependencies, with a registry naming the cluster
    const registry = loadRegistry(
      {
        clusters: [{ id: one.id, credentials: { source: "kubeconfig", path: one.functionsKubeconfigPath } }],
      },
      { baseDir: os.tmpdir() },
    );
    const clusters = new ClusterClients(registry);
    const deadLetters: DeadLetterEntry[] = [];
    const deps = {
      ...observability("trigger-backup", { logLevel: "SILENT" }),
      clock: new ManualClock(new Date()),
      deadLetters: { send: async (entry: DeadLetterEntry) => void deadLetters.push(entry) },
      publisher: new RecordingPublisher(),
      clusters,
      loadRegistry: async () => registry,
    };
    const time = new Date(Math.floor(Date.now() / 1000) * 1000 + 5000);
    const envelope = {
      id: "ev-verify-3",
      "detail-type": "Verification Trigger Requested",
      source: "kss.cli",
      time: time.toISOString(),
      detail: {
        version: "1",
        clusterId: one.id,
        requestId: "kss-verify-3-abcdef",
        namespace: ns,
        configuration: "race",
      },
    };
    // Act: delivered twice, then a request for a configuration that does not exist
    const first = await handleEvent(triggerBackupFunction, envelope, deps);
    const again = await handleEvent(triggerBackupFunction, envelope, deps);
    const missing = await handleEvent(
      triggerBackupFunction,
      {
        ...envelope,
        id: "ev-verify-4",
        detail: { ...envelope.detail, requestId: "kss-verify-4-abcdef", configuration: "nope" },
      },
      deps,
    );
    await clusters.close();
    // Assess
    const name = `repo-a-hourly-${time.getTime() / 1000}`;
    expect(first).toMatchObject({ status: "done", result: { status: "created", name } });
    expect(again).toMatchObject({ status: "done", result: { status: "duplicate", name } });
    expect(missing).toMatchObject({ status: "done", result: { status: "rejected" } });
    const triggered = (await verificationsOf("race")).filter(
      (s) => s.metadata.annotations?.["serverless.kubestash.com/origin"] === "trigger",
    );
    expect(triggered.map((s) => s.metadata.name)).toEqual([name]);
    expect(deps.publisher.ofType("BackupVerificationSession Created")).toHaveLength(1);
    expect(deadLetters.map((d) => d.reason)).toEqual([`BackupConfiguration ${ns}/nope not found`]);
  });
});

describe("Verification Overdue", () => {
  it("is published once the verifier's missed run is a whole interval late, with when it last verified", async () => {
    // Prepare: hourly at :20 with no slack; a verification that succeeded long before, never one since.
    await admin.create(
      "BackupVerifier",
      verifier("verify-late", "20 * * * *", {
        scheduler: { schedule: "20 * * * *", jobTemplate: {}, startingDeadlineSeconds: 0 },
      }),
    );
    await installConfiguration(admin, ns, "late", { repositories: [verified("repo-a", "verify-late")] });
    const created = new Date(
      (await admin.get("BackupConfiguration", ns, "late")).metadata.creationTimestamp ?? "",
    );
    const old = new Date(Math.floor(created.getTime() / 3_600_000) * 3_600_000 - 3 * 3_600_000 + 20 * 60_000);
    const done = await admin.create("BackupVerificationSession", {
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "BackupVerificationSession",
      metadata: {
        name: `repo-a-hourly-${old.getTime() / 1000}`,
        namespace: ns,
        annotations: {
          "serverless.kubestash.com/scheduled-time": toKubeTime(old),
          "serverless.kubestash.com/origin": "schedule",
        },
      },
      spec: {
        invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: "late" },
        session: "hourly",
        repository: "repo-a",
      },
    });
    const ended = new Date(old.getTime() + 4 * 60_000);
    await admin.updateStatus("BackupVerificationSession", ns, done.object.metadata.name, () => ({
      phase: "Succeeded" as const,
      conditions: [
        {
          type: "RestoreSucceeded",
          status: "True" as const,
          reason: "SuccessfullyRestoredBackup",
          lastTransitionTime: toKubeTime(ended),
        },
      ],
    }));
    // The first :20 after the configuration was made, and the tick just after it became an hour late.
    const firstDue = new Date(
      Math.ceil((created.getTime() - 20 * 60_000 + 1) / 3_600_000) * 3_600_000 + 20 * 60_000,
    );
    const publisher = new RecordingPublisher();
    // Act
    const report = await tick(new Date(firstDue.getTime() + 3_600_000 + 5_000), publisher);
    // Assess
    expect(mine(report).find((o) => o.configuration === "late")).toMatchObject({
      decision: "missed-deadline",
      overdue: true,
    });
    const overdue = publisher.ofType("Verification Overdue").filter((e) => detail(e).namespace === ns);
    expect(overdue.map(detail)).toEqual([
      expect.objectContaining({
        configuration: "late",
        session: "hourly",
        repository: "repo-a",
        verifier: `${ns}/verify-late`,
        schedule: "20 * * * *",
        overdueSince: toKubeTime(firstDue),
        missedRuns: 2,
        lastVerified: toKubeTime(ended),
      }),
    ]);
    expect((await verificationsOf("late")).map((s) => s.metadata.name)).toEqual([done.object.metadata.name]);
  });
});
