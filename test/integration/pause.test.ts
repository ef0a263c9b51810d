import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { loadRegistryFile } from "../../shared/clusters/registry.ts";
import { KubeClient, type PatchOptions } from "../../shared/kube/client.ts";
import type { BackupConfiguration } from "../../shared/model/backup-configuration.ts";
import { ScheduleActiveCondition } from "../../shared/model/conditions.ts";
import type { ModeledKind, ResourceOf } from "../../shared/model/index.ts";
import { Annotation, Label } from "../../shared/model/labels.ts";
import { toKubeTime } from "../../shared/model/time.ts";
import { type CreateSessionsReport, createDueSessions } from "../../shared/usecases/create-sessions.ts";
import { SchedulingIncompleteError } from "../../shared/usecases/errors.ts";
import type { FleetStatus, ReachableCluster } from "../../shared/usecases/fleet-status.ts";
import {
  type PauseConfigurationsReport,
  pauseConfigurations,
} from "../../shared/usecases/pause-configurations.ts";
import { type ControlPlane, startControlPlane } from "../controlplane/index.ts";
import { clockFrom } from "../support/clock.ts";
import { seedCluster } from "../support/fleet-world.ts";
import { runKssInProcess } from "../support/kss.ts";
import { clientFor, createRaw, ensureNamespace, PROJECT_ROOT, uniqueNamespace } from "../support/kube.ts";
import { installBackend, installConfiguration, nextHour, RecordingPublisher } from "../support/lifecycle.ts";

/**
 * `kss pause` / `kss resume` (docs/pause.md) on a private control plane of 3 clusters (so stopping one and
 * ticking cluster-wide disturb no other test), with a registry of the admin kubeconfigs (a person's identity):
 * on clusters one and two, in namespace `ns`, "gold" (label tier=gold), "app" (no label) and on one "manual"
 * (tier=gold, paused with kubectl); "gold" in another namespace too. Cluster three is stopped: every run reports
 * it failed with its error and does the other two. Then the functions' tick on cluster one: nothing while
 * paused, nothing for the hours missed after the resume, the next hour's session only. Last, RBAC: the
 * functions' identity may not pause; the ClusterRole of docs/pause.md#rbac is enough.
 */

let plane: ControlPlane;
let dir: string;
let registry: string;
const ns = uniqueNamespace("pause");
const other = uniqueNamespace("pause-other");
const admins: KubeClient[] = [];
let functionsOne: KubeClient;
const REASON = "bucket move to eu-west-2";
/** The functions' tick times: minutes after the first hour boundary after the configurations were made. */
let atMinutes: (minutes: number) => Date;

beforeAll(async () => {
  plane = await startControlPlane({ clusters: 3 });
  const seeded = await Promise.all(plane.clusters.map((c) => seedCluster(c, ns)));
  for (const { admin } of seeded.slice(0, 2)) {
    admins.push(admin);
    await installConfiguration(admin, ns, "gold");
    await labelled(admin, ns, "gold", { tier: "gold" });
    await ensureNamespace(admin, other);
    await installBackend(admin, other, ["repo-a"]);
    await installConfiguration(admin, other, "gold");
    await labelled(admin, other, "gold", { tier: "gold" });
  }
  const [one] = admins;
  if (!one) throw new Error("two clusters");
  await installConfiguration(one, ns, "manual");
  await one.patch("BackupConfiguration", ns, "manual", {
    metadata: { labels: { tier: "gold" } },
    spec: { paused: true },
  });
  atMinutes = clockFrom(nextHour()).atMinutes;
  functionsOne = await clientFor(plane.clusters[0] ?? never(), "functions");
  await seeded[2]?.admin.transport.close();
  await plane.stopCluster(plane.clusters[2]?.id ?? never());
  dir = await mkdtemp(path.join(os.tmpdir(), "kss-pause-it-"));
  registry = await writeRegistry("clusters.yaml", "admin");
}, 240_000);

afterAll(async () => {
  for (const client of [...admins, functionsOne]) await client?.transport.close();
  await plane?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function never(): never {
  throw new Error("the control plane has fewer clusters");
}

async function labelled(admin: KubeClient, namespace: string, name: string, labels: Record<string, string>) {
  await admin.patch("BackupConfiguration", namespace, name, { metadata: { labels } });
}

/** A registry of the three clusters with the admin's (a person's) or the functions' kubeconfigs. */
async function writeRegistry(file: string, identity: "admin" | "functions"): Promise<string> {
  const clusters = plane.clusters.map((c) => ({
    id: c.id,
    labels: { env: "test" },
    credentials: {
      source: "kubeconfig",
      path: identity === "admin" ? c.kubeconfigPath : c.functionsKubeconfigPath,
    },
  }));
  const target = path.join(dir, file);
  await writeFile(target, stringify({ clusters }));
  return target;
}

const ids = () => plane.clusters.map((c) => c.id);
const config = (admin: KubeClient, namespace: string, name: string) =>
  admin.get("BackupConfiguration", namespace, name);
const ourAnnotations = (c: BackupConfiguration) =>
  Object.fromEntries(
    Object.entries(c.metadata.annotations ?? {}).filter(([k]) => k.startsWith("serverless.kubestash.com/")),
  );

async function kss(args: string[]): Promise<{ exitCode: number | null; report: PauseConfigurationsReport }> {
  const run = await runKssInProcess([...args, "--registry", registry, "-o", "json"]);
  expect(run.stderr).toBe("");
  return { exitCode: run.exitCode, report: JSON.parse(run.stdout) as PauseConfigurationsReport };
}

/** Each cluster's configurations as `namespace/name → result`, and how the stopped one failed. */
function results(report: PauseConfigurationsReport) {
  const [a, b, c] = ids();
  const of = (id: string | undefined) => report.clusters.find((x) => x.clusterId === id);
  const rows = (id: string | undefined) =>
    Object.fromEntries((of(id)?.configurations ?? []).map((r) => [`${r.namespace}/${r.name}`, r.result]));
  return { one: rows(a), two: rows(b), three: of(c), clusterOne: of(a), clusterTwo: of(b) };
}

function expectThirdDown(report: PauseConfigurationsReport) {
  const { three, clusterOne, clusterTwo } = results(report);
  expect(three).toMatchObject({ status: "failed", errorKind: "UnavailableError", configurations: [] });
  expect(three?.error).toMatch(/ECONNREFUSED|refused|fetch failed/i);
  expect([clusterOne?.status, clusterTwo?.status]).toEqual(["done", "done"]);
  expect(report.ok).toBe(false);
}

describe("kss pause across clusters, the third one down", () => {
  const pauseArgs = ["pause", "--clusters", "all", "-n", ns, "--selector", "tier=gold", "--reason", REASON];

  it("--dry-run: says what it would do, reports the stopped cluster, and writes nothing", async () => {
    const before = await config(admins[0] ?? never(), ns, "gold");
    const { exitCode, report } = await kss([...pauseArgs, "--by", "alice", "--dry-run"]);

    expect(exitCode).toBe(1);
    expect(report.dryRun).toBe(true);
    expectThirdDown(report);
    const { one, two } = results(report);
    expect(one).toEqual({
      [`${ns}/app`]: "skipped",
      [`${ns}/gold`]: "paused",
      [`${ns}/manual`]: "already-paused",
    });
    expect(two).toEqual({ [`${ns}/app`]: "skipped", [`${ns}/gold`]: "paused" });
    for (const admin of admins) {
      const after = await config(admin, ns, "gold");
      expect(after.spec.paused).toBeUndefined();
      expect(ourAnnotations(after)).toEqual({});
    }
    const after = await config(admins[0] ?? never(), ns, "gold");
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it("pauses the matching configurations of the namespace on both clusters that answer, recording who, why and when", async () => {
    const started = Date.now();
    const { exitCode, report } = await kss([...pauseArgs, "--by", "alice"]);

    expect(exitCode).toBe(1);
    expectThirdDown(report);
    const { one, two, clusterOne } = results(report);
    expect(one).toEqual({
      [`${ns}/app`]: "skipped",
      [`${ns}/gold`]: "paused",
      [`${ns}/manual`]: "already-paused",
    });
    expect(two).toEqual({ [`${ns}/app`]: "skipped", [`${ns}/gold`]: "paused" });
    expect(clusterOne?.configurations.find((r) => r.name === "manual")).not.toHaveProperty("record");
    expect(report.summary).toMatchObject({ paused: 2, alreadyPaused: 1, skipped: 2, clustersFailed: 1 });
    for (const admin of admins) {
      const gold = await config(admin, ns, "gold");
      expect(gold.spec.paused).toBe(true);
      const at = ourAnnotations(gold)[Annotation.PausedAt] ?? "";
      expect(ourAnnotations(gold)).toEqual({
        [Annotation.PausedBy]: "alice",
        [Annotation.PauseReason]: REASON,
        [Annotation.PausedAt]: at,
      });
      expect(at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(Date.parse(at)).toBeGreaterThanOrEqual(Math.floor(started / 1000) * 1000);
      expect(Date.parse(at)).toBeLessThanOrEqual(Date.now());
      // Not in the namespace (-n), not matching the selector: untouched.
      expect((await config(admin, other, "gold")).spec.paused).toBeUndefined();
      expect((await config(admin, ns, "app")).spec.paused).toBeUndefined();
    }
    // Paused with kubectl: kss adds no record of a pause it did not make.
    expect(ourAnnotations(await config(admins[0] ?? never(), ns, "manual"))).toEqual({});
  });

  it("a second pause by someone else keeps the first pause's record and reports it; exit 1 only for the stopped cluster", async () => {
    const before = await config(admins[1] ?? never(), ns, "gold");
    const { exitCode, report } = await kss([...pauseArgs, "--by", "bob"]);

    expect(exitCode).toBe(1);
    expectThirdDown(report);
    const gold = results(report).clusterTwo?.configurations.find((r) => r.name === "gold");
    expect(gold).toEqual({
      namespace: ns,
      name: "gold",
      result: "already-paused",
      record: {
        by: "alice",
        reason: REASON,
        at: ourAnnotations(before)[Annotation.PausedAt],
      },
    });
    const after = await config(admins[1] ?? never(), ns, "gold");
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    // Only the two clusters that answer: nothing failed, exit 0.
    const two = await runKssInProcess([
      ...pauseArgs,
      "--by",
      "bob",
      "--clusters",
      `${ids()[0]},${ids()[1]}`,
      "--registry",
      registry,
    ]);
    expect(two.exitCode).toBe(0);
    expect(two.stdout).toContain(
      `already paused by alice at ${ourAnnotations(before)[Annotation.PausedAt]}: ${REASON}`,
    );
    expect(two.stdout).toMatch(
      /^0 paused, 3 already paused, 0 not paused, 2 skipped, 0 failed · 2 clusters · by bob at /m,
    );
  });

  it("kss fleet shows who paused, when and why: in the JSON per configuration and under the cluster's table", async () => {
    const at = ourAnnotations(await config(admins[0] ?? never(), ns, "gold"))[Annotation.PausedAt];
    const run = await runKssInProcess(["fleet", "--registry", registry, "-o", "json", "--timeout", "3000"]);
    const status = JSON.parse(run.stdout) as FleetStatus;
    const one = status.clusters.find((c): c is ReachableCluster => c.id === ids()[0] && c.reachable);
    const byName = new Map(one?.configurations.filter((c) => c.namespace === ns).map((c) => [c.name, c]));
    expect(byName.get("gold")).toMatchObject({ paused: true, pause: { by: "alice", reason: REASON, at } });
    expect(byName.get("manual")).toMatchObject({ paused: true });
    expect(byName.get("manual")).not.toHaveProperty("pause");
    expect(byName.get("app")).toMatchObject({ paused: false });
    expect(byName.get("app")).not.toHaveProperty("pause");
    expect(status.clusters.find((c) => c.id === ids()[2])).toMatchObject({ reachable: false });

    const table = await runKssInProcess(["fleet", "--registry", registry, "--cluster", ids()[0] ?? ""]);
    expect(table.stdout).toContain(`  paused ${ns}/gold by alice at ${at}: ${REASON}\n`);
  });
});

/** The functions' tick on cluster one at `at`; what it did for `ns` (another file's objects are not here). */
async function tick(at: Date): Promise<CreateSessionsReport> {
  return createDueSessions({ client: functionsOne, publisher: new RecordingPublisher() }, at).catch(
    (error: unknown) => {
      if (error instanceof SchedulingIncompleteError) return error.report;
      throw error;
    },
  );
}

async function sessionsOf(name: string): Promise<string[]> {
  const list = await (admins[0] ?? never()).list("BackupSession", {
    namespace: ns,
    labelSelector: `${Label.InvokerName}=${name}`,
  });
  return list.items.map((s) => s.metadata.annotations?.[Annotation.ScheduledTime] ?? "?").sort();
}

describe("kss resume, and the tick after it makes up nothing", () => {
  it("a tick while paused creates no session for the paused configuration (the unpaused one gets its own)", async () => {
    const report = await tick(atMinutes(5));
    const created = report.outcomes
      .filter((o) => o.namespace === ns && o.created)
      .map((o) => o.configuration);
    expect(created).toEqual(["app"]);
    expect(await sessionsOf("gold")).toEqual([]);
    const gold = await config(admins[0] ?? never(), ns, "gold");
    const condition = gold.status?.sessions?.[0]?.conditions?.find(
      (c) => c.type === ScheduleActiveCondition.type,
    );
    expect(condition).toMatchObject({ status: "False", reason: ScheduleActiveCondition.Paused });
  });

  it("resumes what is paused in scope, with or without a record, removing the record and recording the resume", async () => {
    const { exitCode, report } = await kss([
      "resume",
      "--clusters",
      "all",
      "-n",
      ns,
      "--selector",
      "tier=gold",
      "--by",
      "carol",
      "--reason",
      "move done",
    ]);

    expect(exitCode).toBe(1);
    expectThirdDown(report);
    const { one, two, clusterOne } = results(report);
    expect(one).toEqual({ [`${ns}/app`]: "skipped", [`${ns}/gold`]: "resumed", [`${ns}/manual`]: "resumed" });
    expect(two).toEqual({ [`${ns}/app`]: "skipped", [`${ns}/gold`]: "resumed" });
    expect(clusterOne?.configurations.find((r) => r.name === "gold")?.record).toMatchObject({ by: "alice" });
    for (const admin of admins) {
      const gold = await config(admin, ns, "gold");
      expect(gold.spec.paused).toBe(false);
      expect(ourAnnotations(gold)).toEqual({
        [Annotation.ResumedBy]: "carol",
        [Annotation.ResumeReason]: "move done",
        [Annotation.ResumedAt]: report.at,
      });
    }
    const again = await kss(["resume", "--clusters", `${ids()[0]},${ids()[1]}`, "-n", ns, "--by", "carol"]);
    expect(again.exitCode).toBe(0);
    expect(results(again.report).one).toEqual({
      [`${ns}/app`]: "not-paused",
      [`${ns}/gold`]: "not-paused",
      [`${ns}/manual`]: "not-paused",
    });
  });

  it("kss fleet no longer shows a pause record, nor the hours missed while paused as overdue before the next tick", async () => {
    // As if 3½ h later, before any tick has seen the resume (the condition is still False from the pause).
    const run = await runKssInProcess([
      "fleet",
      "--registry",
      registry,
      "--cluster",
      ids()[0] ?? "",
      "-o",
      "json",
      "--now",
      atMinutes(210).toISOString(),
    ]);
    const one = (JSON.parse(run.stdout) as FleetStatus).clusters[0] as ReachableCluster;
    const byName = new Map(one.configurations.filter((c) => c.namespace === ns).map((c) => [c.name, c]));
    const gold = byName.get("gold");
    expect(gold).toMatchObject({ paused: false });
    expect(gold).not.toHaveProperty("pause");
    expect(gold?.sessions[0]).not.toHaveProperty("overdue");
    // The configuration never paused is overdue then: its hourly runs after the tick at +5 min got no session.
    expect(byName.get("app")?.sessions[0]?.overdue?.missedRuns).toBeGreaterThanOrEqual(2);
  });

  it("the first tick after the resume creates nothing for the hours missed while paused; the next hour gets its session", async () => {
    // Three and a half hours after the first hour boundary: 3 hourly times passed since the pause.
    const late = await tick(atMinutes(3 * 60 + 30));
    const forGold = late.outcomes.filter((o) => o.namespace === ns && o.configuration === "gold");
    expect(forGold.filter((o) => o.created)).toEqual([]);
    expect(await sessionsOf("gold")).toEqual([]);
    // The configuration never paused is made up for the latest missed time, as CronJob would: the pause is why gold is not.
    expect(await sessionsOf("app")).toEqual([toKubeTime(atMinutes(0)), toKubeTime(atMinutes(180))]);
    const gold = await config(admins[0] ?? never(), ns, "gold");
    const condition = gold.status?.sessions?.[0]?.conditions?.find(
      (c) => c.type === ScheduleActiveCondition.type,
    );
    // Recorded at the resume the tick scheduled from (docs/decisions.md#resume-after-pause): kss resume's
    // resumed-at is the real clock's, before this test's pause on its clock ahead, so a minute before the tick.
    expect(condition).toMatchObject({
      status: "True",
      reason: ScheduleActiveCondition.Resumed,
      lastTransitionTime: toKubeTime(atMinutes(209)),
    });

    await tick(atMinutes(4 * 60));
    expect(await sessionsOf("gold")).toEqual([toKubeTime(atMinutes(240))]);
  });
});

/**
 * The same real client, but before each of its patches `interfere` changes the object on the API server (as
 * another person or a GitOps sync would, between kss's LIST and its write), so the patch's resourceVersion is
 * stale and the server answers 409 Conflict.
 */
class InterferedClient extends KubeClient {
  patches = 0;
  constructor(
    base: KubeClient,
    private readonly interfere: (patch: number) => Promise<void>,
  ) {
    super(base.transport);
  }
  override async patch<K extends ModeledKind>(
    kind: K,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    options?: PatchOptions,
  ): Promise<ResourceOf<K>> {
    this.patches++;
    await this.interfere(this.patches);
    return super.patch(kind, namespace, name, patch, options);
  }
}

describe("a configuration that changes between the LIST and the write (docs/pause.md#writes)", () => {
  async function pauseWith(client: InterferedClient, by: string) {
    const [cluster] = (await loadRegistryFile(registry)).clusters;
    return pauseConfigurations({ clients: { client: async () => client } }, cluster ? [cluster] : [], {
      action: "pause",
      by,
      reason: "conflict check",
      now: new Date(),
      scope: { namespace: other },
      dryRun: false,
    });
  }

  it("changed before every write: three writes, each refused by its precondition, then reported failed; nothing written", async () => {
    const admin = admins[0] ?? never();
    const client = new InterferedClient(admin, (n) => labelled(admin, other, "gold", { touched: String(n) }));
    const report = await pauseWith(client, "frank");

    expect(client.patches).toBe(3);
    expect(report.clusters[0]?.configurations).toEqual([
      {
        namespace: other,
        name: "gold",
        result: "failed",
        error: expect.stringMatching(/^still changing after 3 attempts: .*modified/),
      },
    ]);
    expect(report.ok).toBe(false);
    const gold = await config(admin, other, "gold");
    expect(gold.spec.paused).toBeUndefined();
    expect(gold.metadata.labels?.touched).toBe("3");
  });

  it("paused by someone else meanwhile: the Conflict makes kss read it again and report their pause, which it keeps", async () => {
    const admin = admins[0] ?? never();
    const theirs = {
      [Annotation.PausedBy]: "erin",
      [Annotation.PauseReason]: "her own reason",
      [Annotation.PausedAt]: "2026-11-26T09:00:00Z",
    };
    const client = new InterferedClient(admin, async (n) => {
      if (n === 1)
        await admin.patch("BackupConfiguration", other, "gold", {
          metadata: { annotations: theirs },
          spec: { paused: true },
        });
    });
    const report = await pauseWith(client, "frank");

    expect(client.patches).toBe(1);
    expect(report.clusters[0]?.configurations).toEqual([
      {
        namespace: other,
        name: "gold",
        result: "already-paused",
        record: { by: "erin", reason: "her own reason", at: "2026-11-26T09:00:00Z" },
        attempts: 1,
      },
    ]);
    expect(report.ok).toBe(true);
    expect(ourAnnotations(await config(admin, other, "gold"))).toEqual(theirs);
  });
});

describe("RBAC (docs/pause.md#rbac)", () => {
  /** The ClusterRole docs/pause.md documents, read from the doc itself. */
  async function documentedRole(): Promise<{ metadata: { name: string } }> {
    const doc = await readFile(path.join(PROJECT_ROOT, "docs/pause.md"), "utf8");
    const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1] ?? "";
    return parse(yaml) as { metadata: { name: string } };
  }

  it("the functions' identity may not pause (Forbidden, reported per configuration); the documented ClusterRole is enough", async () => {
    const functionsRegistry = await writeRegistry("functions.yaml", "functions");
    const two = ids()[1] ?? "";
    const args = ["pause", "--clusters", two, "-n", other, "--reason", "rbac check", "--by", "dave"];
    const denied = await runKssInProcess([...args, "--registry", functionsRegistry, "-o", "json"]);
    expect(denied.exitCode).toBe(1);
    const report = JSON.parse(denied.stdout) as PauseConfigurationsReport;
    expect(report.clusters[0]?.status).toBe("done");
    expect(report.clusters[0]?.configurations).toEqual([
      { namespace: other, name: "gold", result: "failed", error: expect.stringMatching(/forbidden/i) },
    ]);

    const admin = admins[1] ?? never();
    const role = await documentedRole();
    await createRaw(admin, "/apis/rbac.authorization.k8s.io/v1/clusterroles", role);
    await createRaw(admin, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "kss-pause-test" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
      subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "kss-functions" }],
    });
    // The authorizer sees a new binding within moments.
    let allowed = denied;
    for (let i = 0; i < 40 && allowed.exitCode !== 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      allowed = await runKssInProcess([...args, "--registry", functionsRegistry]);
    }
    expect(allowed.exitCode).toBe(0);
    expect(allowed.stdout).toMatch(new RegExp(`${two}\\s+${other}\\s+gold\\s+paused`));
    expect((await config(admin, other, "gold")).spec.paused).toBe(true);
  });
});
