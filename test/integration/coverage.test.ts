import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { CoverageItem } from "../../shared/decide/coverage/coverage.ts";
import type { KubeClient } from "../../shared/kube/client.ts";
import { NotFoundError } from "../../shared/kube/errors.ts";
import type {
  CoverageReport,
  ReachableClusterCoverage,
  UnreachableClusterCoverage,
} from "../../shared/usecases/coverage.ts";
import { type ControlPlane, startControlPlane } from "../controlplane/index.ts";
import {
  claim,
  configurationFor,
  daemonSet,
  deployment,
  NO_BACKUP_LABELS,
  pvcTarget,
  statefulSet,
  workloadTarget,
} from "../support/coverage-samples.ts";
import { runKssInProcess } from "../support/kss.ts";
import { adminAndFunctions, ensureNamespace } from "../support/kube.ts";

/**
 * `kss coverage` (docs/coverage.md) on a private control plane of 3 clusters, read with the functions' identity
 * (infra/rbac: the LISTs it needs), as the registry names it. Cluster one is partly covered: a Deployment target
 * and the claim it mounts, a claim nothing mounts, a labelled claim, a paused StatefulSet target with a claim
 * left beyond its replicas, a DaemonSet nobody targets, a namespace the registry excludes and one labelled
 * out. Cluster two has no BackupConfiguration at all, not even the CRD (KubeStash never installed). Cluster three is all covered, then stopped: reported
 * unreachable while the other two are read in full.
 */

let plane: ControlPlane;
let dir: string;
let registryFile: string;
const tag = Date.now().toString(36).slice(-6);
const shop = `shop-${tag}`;
const db = `db-${tag}`;
const scratch = `scratch-${tag}`;
const ci = `ci-${tag}`;
const bare = `bare-${tag}`;
const safe = `safe-${tag}`;
let ids: string[] = [];

async function partlyCovered(admin: KubeClient): Promise<void> {
  await ensureNamespace(admin, shop);
  await ensureNamespace(admin, db);
  await ensureNamespace(admin, scratch);
  await ensureNamespace(admin, ci, NO_BACKUP_LABELS);
  for (const pvc of [
    claim(shop, "images"),
    claim(shop, "uploads"),
    claim(shop, "cache", { labels: NO_BACKUP_LABELS }),
    claim(db, "data-pg-0"),
    claim(db, "data-pg-1"),
    claim(db, "data-pg-2"),
    claim(db, "shared"),
    claim(scratch, "tmp"),
    claim(ci, "runner-cache"),
  ]) {
    await admin.create("PersistentVolumeClaim", pvc);
  }
  await admin.create("Deployment", deployment(shop, "catalog", { claims: ["images", "cache"] }));
  await admin.create("Deployment", deployment(shop, "frontend"));
  await admin.create("StatefulSet", statefulSet(db, "pg", { templates: ["data"], replicas: 2 }));
  await admin.create("DaemonSet", daemonSet(db, "agent", { claims: ["shared"] }));
  await admin.create(
    "BackupConfiguration",
    configurationFor(shop, "catalog", workloadTarget("Deployment", "catalog")),
  );
  await admin.create(
    "BackupConfiguration",
    configurationFor(db, "pg", workloadTarget("StatefulSet", "pg"), { paused: true }),
  );
}

/** KubeStash not even installed: no BackupConfiguration CRD, so its LIST answers 404 (no configuration). */
async function noConfiguration(admin: KubeClient): Promise<void> {
  await ensureNamespace(admin, bare);
  await admin.create("PersistentVolumeClaim", claim(bare, "data"));
  await admin.transport.request({
    method: "DELETE",
    path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/backupconfigurations.core.kubestash.com",
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const gone = await admin.list("BackupConfiguration").then(
      () => false,
      (error: unknown) => {
        if (error instanceof NotFoundError) return true;
        throw error;
      },
    );
    if (gone) return;
    if (Date.now() > deadline) throw new Error("BackupConfiguration is still served");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function allCovered(admin: KubeClient): Promise<void> {
  await ensureNamespace(admin, safe);
  await admin.create("PersistentVolumeClaim", claim(safe, "data"));
  await admin.create("BackupConfiguration", configurationFor(safe, "data", pvcTarget("data")));
}

beforeAll(async () => {
  plane = await startControlPlane({ clusters: 3 });
  ids = plane.clusters.map((c) => c.id);
  const clients = await Promise.all(plane.clusters.map((c) => adminAndFunctions(c)));
  const [one, two, three] = clients;
  if (!one || !two || !three) throw new Error("three clusters");
  await Promise.all([partlyCovered(one.admin), noConfiguration(two.admin), allCovered(three.admin)]);
  await Promise.all(clients.flatMap((c) => [c.admin.transport.close(), c.functions.transport.close()]));
  dir = await mkdtemp(path.join(os.tmpdir(), "kss-coverage-it-"));
  registryFile = path.join(dir, "clusters.yaml");
  const registry = {
    clusters: plane.clusters.map((c, i) => ({
      id: c.id,
      labels: { env: "local" },
      ...(i === 0 ? { coverage: { excludeNamespaces: [scratch] } } : {}),
      credentials: { source: "kubeconfig", path: c.functionsKubeconfigPath },
    })),
  };
  await writeFile(registryFile, stringify(registry));
}, 180_000);

afterAll(async () => {
  await plane?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const coverage = (args: string[]) => runKssInProcess(["coverage", "--registry", registryFile, ...args]);
const reachable = (report: CoverageReport, id: string | undefined) =>
  report.clusters.find((c): c is ReachableClusterCoverage => c.id === id && c.reachable);
/** `<Kind> <name> <state>` of one namespace's items, in the report's order. */
const itemsOf = (cluster: ReachableClusterCoverage | undefined, namespace: string) =>
  (cluster?.items ?? [])
    .filter((i) => i.namespace === namespace)
    .map((i) => `${i.kind} ${i.name} ${i.state}`);
const item = (cluster: ReachableClusterCoverage | undefined, namespace: string, name: string, kind: string) =>
  cluster?.items.find((i) => i.namespace === namespace && i.name === name && i.kind === kind) as CoverageItem;

describe("kss coverage with every cluster up", () => {
  it("exits 0 for the cluster where everything is covered", async () => {
    const run = await coverage(["--clusters", ids[2] ?? "", "-o", "json"]);
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    const report = JSON.parse(run.stdout) as CoverageReport;
    const three = reachable(report, ids[2]);
    expect(itemsOf(three, safe)).toEqual([`Namespace ${safe} covered`, "PersistentVolumeClaim data covered"]);
    expect(three?.requests).toBe(6);
    expect(report.summary).toMatchObject({ clusters: 1, reachable: 1, uncovered: 0 });
  });

  it("lists what is uncovered in the partly covered cluster and the cluster without configuration, and exits 1", async () => {
    const run = await coverage(["-o", "json"]);
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(1);
    const report = JSON.parse(run.stdout) as CoverageReport;
    const [one, two, three] = ids.map((id) => reachable(report, id));
    expect([one, two, three].map((c) => c?.requests)).toEqual([6, 6, 6]);
    expect(one?.excludeNamespaces).toEqual([scratch]);

    expect(itemsOf(one, shop)).toEqual([
      `Namespace ${shop} uncovered`,
      "Deployment catalog covered",
      "PersistentVolumeClaim cache covered",
      "PersistentVolumeClaim images covered",
      "PersistentVolumeClaim uploads uncovered",
    ]);
    expect(item(one, shop, "images", "PersistentVolumeClaim")).toMatchObject({
      why: `backed up by ${shop}/catalog through Deployment catalog`,
      coveredBy: [{ namespace: shop, name: "catalog", paused: false }],
      via: { kind: "Deployment", name: "catalog" },
    });
    expect(item(one, shop, "uploads", "PersistentVolumeClaim").why).toBe(
      "no BackupConfiguration targets it, and no workload mounts it",
    );

    expect(itemsOf(one, db)).toEqual([
      `Namespace ${db} uncovered`,
      "StatefulSet pg covered-paused",
      "DaemonSet agent uncovered",
      "PersistentVolumeClaim data-pg-0 covered-paused",
      "PersistentVolumeClaim data-pg-1 covered-paused",
      "PersistentVolumeClaim data-pg-2 uncovered",
      "PersistentVolumeClaim shared uncovered",
    ]);
    expect(item(one, db, "pg", "StatefulSet").why).toBe(`covered (paused): ${db}/pg is paused`);
    expect(item(one, db, "data-pg-2", "PersistentVolumeClaim").why).toMatch(/beyond its replicas: it has 2/);
    expect(item(one, db, "shared", "PersistentVolumeClaim").why).toBe(
      "mounted by DaemonSet agent, which no BackupConfiguration targets",
    );
    expect(itemsOf(one, scratch)).toEqual([`Namespace ${scratch} excluded`]);
    expect(itemsOf(one, ci)).toEqual([`Namespace ${ci} excluded`]);
    expect(itemsOf(one, "kube-system")).toEqual(["Namespace kube-system excluded"]);
    expect(one?.totals).toMatchObject({ uncovered: 6, coveredPaused: 3, namespacesUncovered: 2 });

    expect(two?.configurations).toBe(0);
    expect(two?.items[0]).toEqual({
      kind: "Cluster",
      namespace: "",
      name: "",
      state: "uncovered",
      why: "no BackupConfiguration in the cluster",
    });
    expect(itemsOf(two, bare)).toEqual([
      `Namespace ${bare} uncovered`,
      "PersistentVolumeClaim data uncovered",
    ]);
    expect(item(two, bare, bare, "Namespace").why).toBe(
      "no BackupConfiguration in this namespace: 1 PVC of 1 holding data uncovered",
    );
    expect(report.summary).toMatchObject({
      clusters: 3,
      reachable: 3,
      unreachable: 0,
      clustersWithoutConfiguration: 1,
      uncovered: 9,
      namespacesUncovered: 3,
      workloadsUncovered: 1,
      persistentVolumeClaimsUncovered: 4,
    });
  });

  it("prints the uncovered and paused items as a table with a summary line", async () => {
    const run = await coverage(["--clusters", `${ids[0]},${ids[1]}`]);
    expect(run.exitCode).toBe(1);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^CLUSTER\s+NAMESPACE\s+KIND\s+NAME\s+WHY$/);
    const rows = lines.slice(1, -1).map((l) =>
      l
        .split(/\s{2,}/)
        .slice(0, 4)
        .join(" "),
    );
    expect(rows).toEqual([
      `${ids[0]} ${db} Namespace ${db}`,
      `${ids[0]} ${db} StatefulSet pg`,
      `${ids[0]} ${db} DaemonSet agent`,
      `${ids[0]} ${db} PersistentVolumeClaim data-pg-0`,
      `${ids[0]} ${db} PersistentVolumeClaim data-pg-1`,
      `${ids[0]} ${db} PersistentVolumeClaim data-pg-2`,
      `${ids[0]} ${db} PersistentVolumeClaim shared`,
      `${ids[0]} ${shop} Namespace ${shop}`,
      `${ids[0]} ${shop} PersistentVolumeClaim uploads`,
      `${ids[1]} - Cluster -`,
      `${ids[1]} ${bare} Namespace ${bare}`,
      `${ids[1]} ${bare} PersistentVolumeClaim data`,
    ]);
    expect(lines.at(-1)).toMatch(
      /^at \S+: 2 clusters \(2 reachable, 0 unreachable\) · 9 uncovered \(1 cluster without BackupConfiguration, 3 namespaces, 1 workload, 4 PVCs\) · \d+ covered \(3 paused\) · \d+ excluded$/,
    );
  });
});

describe("kss coverage with one cluster stopped", () => {
  beforeAll(async () => {
    await plane.stopCluster(ids[2] ?? "");
  });

  it("reports the stopped cluster unreachable, reads the other two in full, and exits 1", async () => {
    const run = await coverage(["-o", "json", "--timeout", "3000"]);
    expect(run.exitCode).toBe(1);
    const report = JSON.parse(run.stdout) as CoverageReport;
    const stopped = report.clusters.find((c) => c.id === ids[2]) as UnreachableClusterCoverage;
    expect(stopped).toMatchObject({ reachable: false, disabled: false, errorKind: "UnavailableError" });
    expect(stopped.error).toMatch(/ECONNREFUSED|refused|fetch failed/i);
    expect(reachable(report, ids[0])?.totals.uncovered).toBe(6);
    expect(reachable(report, ids[1])?.totals.uncovered).toBe(3);
    expect(report.summary).toMatchObject({ clusters: 3, reachable: 2, unreachable: 1, uncovered: 9 });

    const alone = await coverage(["--clusters", ids[2] ?? ""]);
    expect(alone.exitCode).toBe(1);
    expect(alone.stdout).toMatch(
      new RegExp(`^${ids[2]}\\s+-\\s+Cluster\\s+-\\s+UNREACHABLE \\(UnavailableError\\): `, "m"),
    );
  });
});
