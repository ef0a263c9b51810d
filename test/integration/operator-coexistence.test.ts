import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { KubeError } from "../../shared/kube/errors.ts";
import type { KubeClient } from "../../shared/kube/index.ts";
import {
  Annotation,
  type BackupSession,
  OperatorPresentCondition,
  type OwnerReference,
  parseWith,
  Snapshot,
  toKubeTime,
} from "../../shared/model/index.ts";
import { createDueSessions } from "../../shared/usecases/create-sessions.ts";
import { sweepFailures } from "../../shared/usecases/evaluate-failure.ts";
import type { FleetStatus, ReachableCluster } from "../../shared/usecases/fleet-status.ts";
import type { MigrationReport } from "../../shared/usecases/migrate-operator.ts";
import { reconcileSession, sweepSessions } from "../../shared/usecases/reconcile-session.ts";
import { sweepRetention } from "../../shared/usecases/retention-sweep.ts";
import { type ClusterInfo, type ControlPlane, startControlPlane } from "../controlplane/index.ts";
import { runKssInProcess } from "../support/kss.ts";
import { adminAndFunctions, ensureNamespace, uniqueNamespace } from "../support/kube.ts";
import {
  installBackend,
  installCatalog,
  installConfiguration,
  nextHour,
  RecordingPublisher,
} from "../support/lifecycle.ts";
import {
  endpointSliceFor,
  type OperatorFootprint,
  operatorFootprint,
} from "../support/operator-footprint.ts";

/**
 * Issue 13, coexistence: a cluster with the KubeStash operator's footprint (its Deployments, webhook Service,
 * ValidatingWebhookConfiguration, a trigger CronJob and the RBAC it makes — test/fixtures/kubestash/operator)
 * on a private one-cluster control plane, because a BackupSession webhook with failurePolicy Fail whose server is
 * gone rejects every BackupSession write of its cluster, which would break every other test file on the shared
 * one. While the operator is installed the webhook carries a namespaceSelector that matches no namespace (the
 * plane has no webhook server; the selector keeps the API server from calling it), so a BackupSession not
 * created is the gate's doing, not the webhook's. Then the uninstalled state: the webhook left exactly as the
 * chart makes it (a Helm hook outlives `helm uninstall`), its Service gone — every BackupSession write
 * rejected, and said so. Then `kss migrate --dry-run` and `kss migrate`, after which the functions drive the
 * cluster again.
 */

let plane: ControlPlane;
let cluster: ClusterInfo;
let admin: KubeClient;
let functions: KubeClient;
let dir: string;
/** The person's registry (kss migrate writes) and the functions' (kss fleet reads as the dashboard does). */
let adminRegistry: string;
let functionsRegistry: string;
let footprint: OperatorFootprint;
const ns = uniqueNamespace("coexist");
const OPERATOR_NS = "kubestash";
const VWC = "kubestash-kubestash-operator";
const hour = nextHour();
/** The tick: half a minute after the hourly run of configuration `app` is due. */
const TICK = new Date(hour.getTime() + 30_000);
const ourSessionName = `app-hourly-${hour.getTime() / 1000}`;
/** Sessions the operator made (its names: configuration, session, the unix time it ran). */
const OPERATOR_DONE = "app-hourly-1745301300";
const OPERATOR_PENDING = "app-hourly-1745301600";
const publisher = new RecordingPublisher();

const createRaw = (client: KubeClient, collection: string, body: unknown) =>
  client.transport.request({ method: "POST", path: collection, body });
const deleteRaw = (client: KubeClient, object: string) =>
  client.transport.request({ method: "DELETE", path: object }).catch(() => undefined);

function ownedBy(config: { metadata: { name: string; uid?: string } }): OwnerReference[] {
  return [
    {
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "BackupConfiguration",
      name: config.metadata.name,
      uid: config.metadata.uid ?? "",
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
}

/** The fixture's webhook configuration, scoped to no namespace (while "installed": nothing calls its server). */
function scopedWebhook(of: OperatorFootprint["validating"]) {
  const never = { matchLabels: { "kss-test/never-matches": "true" } };
  return { ...of, webhooks: (of.webhooks ?? []).map((w) => ({ ...w, namespaceSelector: never })) };
}

function operatorSession(name: string): BackupSession {
  return {
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "BackupSession",
    // As the operator's trigger makes them: only the invoker-name label, the cleanup finalizer, no annotation.
    metadata: {
      name,
      namespace: ns,
      labels: { "kubestash.com/invoker-name": "app" },
      finalizers: ["kubestash.com/cleanup"],
    },
    spec: {
      invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: "app" },
      session: "hourly",
    },
  } as BackupSession;
}

async function installFootprint() {
  const config = await admin.get("BackupConfiguration", ns, "app");
  await ensureNamespace(admin, OPERATOR_NS);
  for (const deployment of footprint.deployments) await admin.create("Deployment", deployment);
  await admin.create("Service", footprint.service, () => true);
  await admin.create("EndpointSlice", endpointSliceFor(footprint.service), () => true);
  await createRaw(admin, "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations", {
    ...scopedWebhook(footprint.validating),
  });
  // The trigger CronJob, its ServiceAccount and RoleBinding for `app`'s session; RBAC from the same cluster.
  const trigger = "trigger-app-hourly";
  await admin.create("CronJob", {
    ...footprint.cronJob,
    metadata: { name: trigger, namespace: ns, ownerReferences: ownedBy(config) },
  });
  for (const account of footprint.serviceAccounts)
    await admin.create("ServiceAccount", {
      ...account,
      metadata: { name: trigger, namespace: ns, ownerReferences: ownedBy(config) },
    });
  for (const binding of footprint.roleBindings) {
    const isTrigger = binding.roleRef.name === "kubestash-cron-job";
    await admin.create("RoleBinding", {
      ...binding,
      metadata: {
        ...binding.metadata,
        namespace: ns,
        ...(isTrigger ? { name: trigger, ownerReferences: ownedBy(config) } : {}),
      },
      subjects: (binding.subjects ?? []).map((s) => ({
        ...s,
        namespace: ns,
        ...(isTrigger ? { name: trigger } : {}),
      })),
    });
  }
  for (const role of footprint.clusterRoles) await admin.create("ClusterRole", role, () => true);
}

/** helm uninstall: its Deployments and Service go; the hook webhook (now as the chart makes it) and the rest stay. */
async function uninstallOperator() {
  for (const d of footprint.deployments) await admin.delete("Deployment", OPERATOR_NS, d.metadata.name);
  await admin.delete("Service", OPERATOR_NS, footprint.service.metadata.name);
  await admin.delete("EndpointSlice", OPERATOR_NS, endpointSliceFor(footprint.service).metadata.name);
  await deleteRaw(admin, `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${VWC}`);
  await createRaw(
    admin,
    "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
    footprint.validating,
  );
  await createRaw(
    admin,
    "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations",
    footprint.mutating,
  );
}

const configurationCondition = async () =>
  (await admin.get("BackupConfiguration", ns, "app")).status?.conditions?.find(
    (c) => c.type === OperatorPresentCondition.type,
  );
const eventsOnConfiguration = async (reason: string) =>
  (await admin.list("Event", { namespace: ns, fieldSelector: "involvedObject.name=app" })).items.filter(
    (e) => e.reason === reason,
  );
const sessionNames = async () =>
  (await admin.list("BackupSession", { namespace: ns })).items.map((s) => s.metadata.name);

async function fleet(): Promise<{ exitCode: number | null; cluster: ReachableCluster; table: string }> {
  const now = ["--now", TICK.toISOString()];
  const json = await runKssInProcess(["fleet", "--registry", functionsRegistry, "-o", "json", ...now]);
  const table = await runKssInProcess(["fleet", "--registry", functionsRegistry, ...now]);
  const status = JSON.parse(json.stdout) as FleetStatus;
  return { exitCode: json.exitCode, cluster: status.clusters[0] as ReachableCluster, table: table.stdout };
}

const migrate = (...args: string[]) =>
  runKssInProcess(["migrate", "--cluster", cluster.id, "--registry", adminRegistry, ...args]);

beforeAll(async () => {
  plane = await startControlPlane({ clusters: 1 });
  cluster = plane.clusters[0] as ClusterInfo;
  ({ admin, functions } = await adminAndFunctions(cluster));
  await installCatalog(admin);
  await ensureNamespace(admin, ns);
  await installBackend(admin, ns, ["repo-a"]);
  await installConfiguration(admin, ns, "app");
  footprint = operatorFootprint();
  await installFootprint();
  // The operator's history: a finished session with its Snapshot, and one it had not started yet.
  const done = (await admin.create("BackupSession", operatorSession(OPERATOR_DONE))).object;
  await admin.updateStatus("BackupSession", ns, done.metadata.name, () => ({ phase: "Succeeded" as const }));
  await admin.create("BackupSession", operatorSession(OPERATOR_PENDING));
  await admin.create(
    "Snapshot",
    parseWith(
      Snapshot,
      {
        apiVersion: "storage.kubestash.com/v1alpha1",
        kind: "Snapshot",
        metadata: { name: `repo-a-${OPERATOR_DONE}`, namespace: ns, finalizers: ["kubestash.com/cleanup"] },
        spec: { repository: "repo-a", session: "hourly", backupSession: OPERATOR_DONE, version: "v1" },
      },
      "snapshot",
    ),
  );
  dir = await mkdtemp(path.join(os.tmpdir(), "kss-coexist-it-"));
  const registry = (kubeconfig: string) =>
    stringify({ clusters: [{ id: cluster.id, credentials: { source: "kubeconfig", path: kubeconfig } }] });
  adminRegistry = path.join(dir, "admin.yaml");
  functionsRegistry = path.join(dir, "functions.yaml");
  await writeFile(adminRegistry, registry(cluster.kubeconfigPath));
  await writeFile(functionsRegistry, registry(cluster.functionsKubeconfigPath));
}, 240_000);

afterAll(async () => {
  await Promise.all([admin?.transport.close(), functions?.transport.close()]);
  await plane?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the KubeStash operator installed: nothing of ours runs there, and it is visible", () => {
  it("create-sessions creates no session and says why on the configuration, once", async () => {
    const report = await createDueSessions({ client: functions, publisher }, TICK);
    expect(report.operator?.state).toBe("present");
    expect(report.outcomes).toEqual([]);
    expect(await sessionNames()).not.toContain(ourSessionName);
    expect(publisher.ofType("BackupSession Created")).toEqual([]);

    const condition = await configurationCondition();
    expect(condition).toMatchObject({
      status: "True",
      reason: OperatorPresentCondition.OperatorInstalled,
      lastTransitionTime: toKubeTime(TICK),
    });
    expect(condition?.message).toContain(
      "The KubeStash operator is installed in this cluster (Deployment kubestash/kubestash-kubestash-operator-operator, kubestash/kubestash-kubestash-operator-webhook-server; webhook kubestash-kubestash-operator/vbackupsession.kb.io on BackupSessions; 1 trigger CronJob(s)",
    );
    expect(condition?.message).toContain("This configuration's trigger CronJobs: trigger-app-hourly.");
    const events = await eventsOnConfiguration(OperatorPresentCondition.OperatorInstalled);
    expect(events.map((e) => e.type)).toEqual(["Warning"]);

    // The next ticks: nothing rewritten, no second Event.
    const before = (await admin.get("BackupConfiguration", ns, "app")).metadata.resourceVersion;
    await createDueSessions({ client: functions, publisher }, new Date(TICK.getTime() + 60_000));
    await createDueSessions({ client: functions, publisher }, new Date(TICK.getTime() + 120_000));
    expect((await admin.get("BackupConfiguration", ns, "app")).metadata.resourceVersion).toBe(before);
    expect(await eventsOnConfiguration(OperatorPresentCondition.OperatorInstalled)).toHaveLength(1);
  });

  it("the sweeps and the Created path drive none of its sessions", async () => {
    const now = () => new Date(TICK.getTime() + 60_000);
    expect(await sweepSessions({ client: functions, publisher }, now)).toEqual([]);
    expect(await reconcileSession({ client: functions, publisher }, ns, OPERATOR_PENDING, now)).toEqual({
      namespace: ns,
      name: OPERATOR_PENDING,
      actions: 0,
      statusWritten: false,
    });
    expect(await sweepFailures({ client: functions, publisher }, now)).toEqual([]);
    expect(await sweepRetention({ client: functions, publisher }, now())).toMatchObject({
      sessions: [],
      repositories: [],
    });
    const pending = await admin.get("BackupSession", ns, OPERATOR_PENDING);
    expect(pending.status).toBeUndefined();
    expect((await admin.list("Job", { namespace: ns })).items).toEqual([]);
    expect((await admin.list("Snapshot", { namespace: ns })).items.map((s) => s.metadata.name)).toEqual([
      `repo-a-${OPERATOR_DONE}`,
    ]);
  });

  it("kss fleet shows the cluster as 'KubeStash operator present' (exit 0: the operator backs it up)", async () => {
    const { exitCode, cluster: seen, table } = await fleet();
    expect(exitCode).toBe(0);
    expect(seen.operator).toMatchObject({ state: "present", since: toKubeTime(TICK), configurations: 1 });
    expect(seen.operator?.message).not.toContain("This configuration's");
    expect(seen.configurations[0]?.operator?.state).toBe("present");
    expect(table).toContain(
      `CLUSTER ${cluster.id} · reachable · KubeStash operator present since ${toKubeTime(TICK)}`,
    );
    expect(table).toContain("1 with the KubeStash operator present");
  });

  it("kss migrate refuses while the operator's Deployment is there (exit 1), and changes nothing", async () => {
    const run = await migrate();
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(
      `kss migrate refused: the KubeStash operator is still installed in cluster ${cluster.id} (Deployment kubestash/kubestash-kubestash-operator-operator, kubestash/kubestash-kubestash-operator-webhook-server): uninstall it first`,
    );
    expect((await admin.list("CronJob", { namespace: ns })).items).toHaveLength(1);
  });
});

describe("the operator uninstalled, its validating webhook left behind", () => {
  beforeAll(uninstallOperator);

  it("the webhook rejects every BackupSession write: the API server's own answer", async () => {
    await expect(admin.create("BackupSession", operatorSession("app-hourly-by-hand"))).rejects.toThrow(
      /vbackupsession\.kb\.io/,
    );
    await expect(admin.create("BackupSession", operatorSession("app-hourly-by-hand"))).rejects.toBeInstanceOf(
      KubeError,
    );
  });

  it("is reported as exactly that: the condition names the webhook, its missing Service and the command", async () => {
    const time = new Date(TICK.getTime() + 180_000);
    const report = await createDueSessions({ client: functions, publisher }, time);
    expect(report.operator?.state).toBe("leftover-webhook");
    expect(report.outcomes).toEqual([]);
    const condition = await configurationCondition();
    expect(condition).toMatchObject({ status: "True", reason: OperatorPresentCondition.LeftoverWebhook });
    expect(condition?.message).toContain(
      `Leftover KubeStash validating webhook: ValidatingWebhookConfiguration ${VWC} (webhook vbackupsession.kb.io, failurePolicy Fail) calls Service kubestash/kubestash-kubestash-operator-webhook, which does not exist. The API server therefore rejects every BackupSession create and update in this cluster, so no session can be created or driven. Remove it: \`kubectl delete validatingwebhookconfiguration ${VWC}\`, or \`kss migrate --cluster ${cluster.id}\``,
    );
    expect(await eventsOnConfiguration(OperatorPresentCondition.LeftoverWebhook)).toHaveLength(1);
    expect(await sweepSessions({ client: functions, publisher }, () => time)).toEqual([]);
  });

  it("kss fleet marks the leftover webhook and exits 1", async () => {
    const { exitCode, cluster: seen, table } = await fleet();
    expect(exitCode).toBe(1);
    expect(seen.operator?.state).toBe("leftover-webhook");
    expect(table).toContain("LEFTOVER KUBESTASH WEBHOOK (every BackupSession write rejected)");
    expect(table).toContain(`kubectl delete validatingwebhookconfiguration ${VWC}`);
  });
});

describe("kss migrate", () => {
  const leftovers = [
    `delete ValidatingWebhookConfiguration ${VWC}`,
    `delete MutatingWebhookConfiguration ${VWC}`,
    `delete CronJob ${"NS"}/trigger-app-hourly`,
    `delete RoleBinding ${"NS"}/cluster-resources-backup-frequent-backup-1745301300`,
    `delete RoleBinding ${"NS"}/retention-policy-cluster-resources-backup-frequent-b-1745301300`,
    `delete RoleBinding ${"NS"}/trigger-app-hourly`,
    `delete ServiceAccount ${"NS"}/trigger-app-hourly`,
    "delete ClusterRole kubestash-backup-job",
    "delete ClusterRole kubestash-cron-job",
    "delete ClusterRole kubestash-retention-policy-job",
    `adopt BackupSession ${"NS"}/${OPERATOR_DONE}`,
    `adopt BackupSession ${"NS"}/${OPERATOR_PENDING}`,
    `adopt Snapshot ${"NS"}/repo-a-${OPERATOR_DONE}`,
    `clear-condition BackupConfiguration ${"NS"}/app`,
  ].map((line) => line.replace("NS", ns));
  const stepsOf = (report: MigrationReport) =>
    report.steps.map((s) => `${s.action} ${s.kind} ${s.namespace ? `${s.namespace}/` : ""}${s.name}`);

  it("--dry-run prints the plan and changes nothing", async () => {
    const table = await migrate("--dry-run");
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toContain(`kss migrate on ${cluster.id} (dry run: nothing changed)`);
    expect(table.stdout).toMatch(
      /delete\s+ValidatingWebhookConfiguration kubestash-kubestash-operator\s+would do\s+webhooks on kubestash\.com resources whose server is gone/,
    );
    expect(table.stdout).toContain(
      "10 leftovers to remove, 3 objects to adopt (1 unfinished sessions the functions drive)",
    );
    const json = await migrate("--dry-run", "-o", "json");
    const report = JSON.parse(json.stdout) as MigrationReport;
    expect(stepsOf(report)).toEqual(leftovers);
    expect(new Set(report.steps.map((s) => s.result))).toEqual(new Set(["planned"]));

    expect((await admin.list("ValidatingWebhookConfiguration")).items.map((c) => c.metadata.name)).toContain(
      VWC,
    );
    expect((await admin.list("CronJob", { namespace: ns })).items).toHaveLength(1);
    expect((await admin.list("ClusterRole")).items.map((r) => r.metadata.name)).toContain(
      "kubestash-cron-job",
    );
    const pending = await admin.get("BackupSession", ns, OPERATOR_PENDING);
    expect(pending.metadata.annotations?.[Annotation.AdoptedFromOperator]).toBeUndefined();
    expect((await configurationCondition())?.status).toBe("True");
  });

  it("removes the leftovers, adopts the operator's sessions and Snapshots, and prints what it did", async () => {
    const run = await migrate("-o", "json");
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    const report = JSON.parse(run.stdout) as MigrationReport;
    expect(stepsOf(report)).toEqual(leftovers);
    expect(report.steps.filter((s) => s.result !== "done")).toEqual([]);

    expect(
      (await admin.list("ValidatingWebhookConfiguration")).items.map((c) => c.metadata.name),
    ).not.toContain(VWC);
    expect(
      (await admin.list("MutatingWebhookConfiguration")).items.map((c) => c.metadata.name),
    ).not.toContain(VWC);
    expect((await admin.list("CronJob", { namespace: ns })).items).toEqual([]);
    expect(
      (await admin.list("ServiceAccount", { namespace: ns })).items.map((a) => a.metadata.name),
    ).not.toContain("trigger-app-hourly");
    const roles = (await admin.list("ClusterRole")).items.map((r) => r.metadata.name);
    for (const role of ["kubestash-backup-job", "kubestash-retention-policy-job", "kubestash-cron-job"])
      expect(roles).not.toContain(role);
    for (const name of [OPERATOR_DONE, OPERATOR_PENDING]) {
      const session = await admin.get("BackupSession", ns, name);
      expect(session.metadata.annotations?.[Annotation.AdoptedFromOperator]).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(session.metadata.finalizers).toEqual(["kubestash.com/cleanup"]);
    }
    const snapshot = await admin.get("Snapshot", ns, `repo-a-${OPERATOR_DONE}`);
    expect(snapshot.metadata.annotations?.[Annotation.AdoptedFromOperator]).toBeDefined();
    expect(await configurationCondition()).toMatchObject({
      status: "False",
      reason: OperatorPresentCondition.Migrated,
    });
  });

  it("does nothing the second time", async () => {
    const run = await migrate();
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("nothing to do");
    const json = JSON.parse((await migrate("-o", "json")).stdout) as MigrationReport;
    expect(json.steps).toEqual([]);
  });

  it("then the functions drive the cluster again: the due session is created, the adopted one driven", async () => {
    const time = new Date(TICK.getTime() + 240_000);
    // The API server drops the deleted webhook from its admission chain within moments; the next tick creates.
    let report = await createDueSessions({ client: functions, publisher }, time);
    for (let i = 0; i < 20 && !report.outcomes.some((o) => o.created); i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      report = await createDueSessions({ client: functions, publisher }, time);
    }
    expect(report.operator).toBeUndefined();
    expect(report.outcomes).toEqual([expect.objectContaining({ name: ourSessionName, created: true })]);
    expect(await sessionNames()).toContain(ourSessionName);

    const outcomes = await sweepSessions({ client: functions, publisher }, () => time);
    expect(outcomes.map((o) => o.name).sort()).toEqual([OPERATOR_PENDING, ourSessionName].sort());
    // Driven, not held: whatever the lifecycle's next step is, no webhook stands in its way any more.
    expect(outcomes.filter((o) => /webhook/i.test(o.error ?? ""))).toEqual([]);
    const { cluster: seen } = await fleet();
    expect(seen.operator).toBeUndefined();
  });
});
