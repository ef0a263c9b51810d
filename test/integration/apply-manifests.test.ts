import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { KubeClient } from "../../shared/kube/index.ts";
import type { ApplyManifestsReport, ObjectApplyReport } from "../../shared/usecases/apply-manifests.ts";
import { type KssRun, runKssInProcess } from "../support/kss.ts";
import { clientFor, ensureNamespace, installRbac, uniqueNamespace } from "../support/kube.ts";
import { sharedCluster } from "../support/shared-cluster.ts";

/**
 * `kss apply` on the real control plane, clusters 1 and 2 (the third belongs to other tests), as a person
 * with the admin identity would run it: a temp registry of the admin kubeconfigs, a manifest file, the
 * command in process. Prepare / Act / Assess.
 */

const one = sharedCluster();
const two = sharedCluster(1);

const admin: Record<string, KubeClient> = {};
let ns: string;
let dir: string;
let registry: string;

function manifests(namespace: string, keepLast = 10): unknown[] {
  const meta = (name: string) => ({ name, namespace, labels: { team: "platform" } });
  const storage = "storage.kubestash.com/v1alpha1";
  const enc = { name: "enc", namespace };
  return [
    {
      apiVersion: storage,
      kind: "BackupStorage",
      metadata: meta("s3"),
      spec: {
        storage: { provider: "s3", s3: { endpoint: "https://s3.example.com", bucket: "b", secretName: "s" } },
        usagePolicy: { allowedNamespaces: { from: "All" } },
        default: true,
        deletionPolicy: "WipeOut",
      },
    },
    {
      apiVersion: storage,
      kind: "RetentionPolicy",
      metadata: meta("keep"),
      spec: { successfulSnapshots: { last: keepLast, daily: 7 }, failedSnapshots: { last: 2 } },
    },
    {
      apiVersion: storage,
      kind: "Repository",
      metadata: meta("repo"),
      spec: {
        appRef: { apiGroup: "apps", kind: "Deployment", name: "app", namespace },
        storageRef: { name: "s3", namespace },
        path: "/app",
        encryptionSecret: enc,
      },
    },
    {
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "BackupConfiguration",
      metadata: meta("app"),
      spec: {
        target: { apiGroup: "apps", kind: "Deployment", name: "app", namespace },
        backends: [
          { name: "s3", storageRef: { name: "s3", namespace }, retentionPolicy: { name: "keep", namespace } },
        ],
        sessions: [
          {
            name: "hourly",
            scheduler: { schedule: "0 * * * *", jobTemplate: { backoffLimit: 1 } },
            repositories: [{ name: "repo", backend: "s3", directory: "/app", encryptionSecret: enc }],
            addon: { name: "workload-addon", tasks: [{ name: "logical-backup" }] },
          },
        ],
      },
    },
  ];
}

async function writeManifests(name: string, objects: unknown[]): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, objects.map((o) => stringify(o)).join("---\n"));
  return file;
}

async function apply(file: string, clusterSpec: string, ...extra: string[]): Promise<KssRun> {
  const args = ["apply", "-f", file, "--clusters", clusterSpec, "--registry", registry, "-o", "json"];
  return runKssInProcess([...args, ...extra]);
}

function reportOf(run: KssRun): ApplyManifestsReport {
  return JSON.parse(run.stdout) as ApplyManifestsReport;
}

/** `clusterId kind/name → result` for every object of the report. */
const results = (report: ApplyManifestsReport): Record<string, string> =>
  Object.fromEntries(
    report.clusters.flatMap((c) => c.objects.map((o) => [`${c.clusterId} ${o.kind}/${o.name}`, o.result])),
  );

function objectOf(report: ApplyManifestsReport, clusterId: string, name: string): ObjectApplyReport {
  const found = report.clusters.find((c) => c.clusterId === clusterId)?.objects.find((o) => o.name === name);
  if (!found) throw new Error(`no ${name} on ${clusterId} in the report`);
  return found;
}

const everyObject = (clusterIds: string[], result: string) =>
  Object.fromEntries(
    clusterIds.flatMap((id) =>
      ["BackupStorage/s3", "RetentionPolicy/keep", "Repository/repo", "BackupConfiguration/app"].map(
        (key) => [`${id} ${key}`, result],
      ),
    ),
  );

beforeAll(async () => {
  ns = uniqueNamespace("apply");
  dir = await mkdtemp(path.join(tmpdir(), "kss-apply-"));
  registry = path.join(dir, "clusters.yaml");
  const credentials = (kubeconfig: string) => ({ source: "kubeconfig", path: kubeconfig });
  const entry = (id: string, kubeconfig: string, extra: object = {}) => ({
    id,
    labels: { fleet: "apply-test" },
    credentials: credentials(kubeconfig),
    ...extra,
  });
  const entries = [
    entry(one.id, one.kubeconfigPath),
    entry(two.id, two.kubeconfigPath),
    entry("gone", one.kubeconfigPath, { server: "https://127.0.0.1:1" }),
  ];
  await writeFile(registry, stringify({ clusters: entries }));
  for (const cluster of [one, two]) {
    const client = await clientFor(cluster, "admin");
    admin[cluster.id] = client;
    await installRbac(client);
    await ensureNamespace(client, ns);
  }
});

afterAll(async () => {
  await Promise.all(Object.values(admin).map((c) => c.transport.close()));
});

describe("kss apply on two real clusters", () => {
  it("creates every object on both clusters, owned by our field manager", async () => {
    // Prepare
    const file = await writeManifests("policies.yaml", manifests(ns));
    // Act
    const run = await apply(file, `${one.id},${two.id}`);
    // Assess
    expect(run.exitCode, run.stderr).toBe(0);
    const report = reportOf(run);
    expect(report).toMatchObject({ ok: true, dryRun: false, fieldManager: "kubestash-serverless" });
    expect(results(report)).toEqual(everyObject([one.id, two.id], "created"));
    for (const cluster of [one, two]) {
      const policy = await admin[cluster.id]?.get("RetentionPolicy", ns, "keep");
      expect(policy?.spec.successfulSnapshots?.last).toBe(10);
      const managers = policy?.metadata.managedFields as Array<{ manager: string; operation: string }>;
      expect(managers).toEqual([
        expect.objectContaining({ manager: "kubestash-serverless", operation: "Apply" }),
      ]);
    }
  });

  it("is idempotent: the same file again is unchanged everywhere and writes nothing", async () => {
    // Prepare
    const file = await writeManifests("policies.yaml", manifests(ns));
    const before = await admin[one.id]?.get("BackupConfiguration", ns, "app");
    // Act
    const run = await apply(file, `${one.id},${two.id}`);
    // Assess
    expect(run.exitCode, run.stderr).toBe(0);
    expect(results(reportOf(run))).toEqual(everyObject([one.id, two.id], "unchanged"));
    const after = await admin[one.id]?.get("BackupConfiguration", ns, "app");
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
  });

  it("reports drift when another field manager changed a field we set, and does not force it back", async () => {
    // Prepare: a person edits the policy on cluster 2 by hand
    await admin[two.id]?.patch(
      "RetentionPolicy",
      ns,
      "keep",
      { spec: { successfulSnapshots: { last: 99 } } },
      { fieldManager: "kubectl-edit" },
    );
    const file = await writeManifests("policies.yaml", manifests(ns));
    // Act
    const run = await apply(file, `${one.id},${two.id}`);
    // Assess
    expect(run.exitCode).toBe(1);
    const report = reportOf(run);
    expect(report.ok).toBe(false);
    expect(results(report)).toEqual({
      ...everyObject([one.id, two.id], "unchanged"),
      [`${two.id} RetentionPolicy/keep`]: "drifted",
    });
    expect(objectOf(report, two.id, "keep")).toMatchObject({
      changes: [{ path: "spec.successfulSnapshots.last", before: 99, after: 10 }],
      managers: ["kubectl-edit"],
      error: expect.stringContaining("kubectl-edit"),
    });
    const live = await admin[two.id]?.get("RetentionPolicy", ns, "keep");
    expect(live?.spec.successfulSnapshots?.last).toBe(99);
  });

  it("--dry-run reports created and changed objects with their diff, and changes nothing", async () => {
    // Prepare: the file raises `last` and adds a policy
    const extra = { ...(manifests(ns)[1] as object), metadata: { name: "extra", namespace: ns } };
    const file = await writeManifests("changed.yaml", [...manifests(ns, 20), extra]);
    const before = await admin[one.id]?.get("RetentionPolicy", ns, "keep");
    // Act
    const run = await apply(file, one.id, "--dry-run");
    // Assess
    expect(run.exitCode, run.stderr).toBe(0);
    const report = reportOf(run);
    expect(report.dryRun).toBe(true);
    expect(objectOf(report, one.id, "keep")).toMatchObject({
      result: "changed",
      changes: [{ path: "spec.successfulSnapshots.last", before: 10, after: 20 }],
    });
    expect(objectOf(report, one.id, "extra").result).toBe("created");
    const after = await admin[one.id]?.get("RetentionPolicy", ns, "keep");
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    expect(after?.spec.successfulSnapshots?.last).toBe(10);
    expect(await admin[one.id]?.find("RetentionPolicy", ns, "extra")).toBeUndefined();
  });

  it("reports an unreachable cluster and applies to the others", async () => {
    // Prepare: a new policy, to the clusters selected by label (1, 2 and one whose server refuses)
    const policy = { ...(manifests(ns)[1] as object), metadata: { name: "weekly", namespace: ns } };
    const file = await writeManifests("weekly.yaml", [policy]);
    // Act
    const run = await apply(file, "fleet=apply-test");
    // Assess
    expect(run.exitCode).toBe(1);
    const report = reportOf(run);
    expect(report.clusters.map((c) => [c.clusterId, c.status])).toEqual([
      [one.id, "applied"],
      [two.id, "applied"],
      ["gone", "failed"],
    ]);
    expect(report.clusters[2]?.error).toMatch(/^\[gone\] GET .*fetch failed/);
    expect(results(report)).toEqual({
      [`${one.id} RetentionPolicy/weekly`]: "created",
      [`${two.id} RetentionPolicy/weekly`]: "created",
    });
    expect(await admin[two.id]?.find("RetentionPolicy", ns, "weekly")).toBeDefined();
  });

  it("with the functions' identity every object fails alone with Forbidden: their ClusterRole writes none", async () => {
    // Prepare
    const functionsRegistry = path.join(dir, "functions-clusters.yaml");
    const credentials = { source: "kubeconfig", path: one.functionsKubeconfigPath };
    await writeFile(functionsRegistry, stringify({ clusters: [{ id: one.id, credentials }] }));
    const file = await writeManifests("policies.yaml", manifests(ns));
    // Act
    const args = ["-f", file, "--clusters", "all", "--registry", functionsRegistry, "-o", "json"];
    const run = await runKssInProcess(["apply", ...args]);
    // Assess
    expect(run.exitCode).toBe(1);
    const report = reportOf(run);
    expect(report.clusters[0]?.status).toBe("applied");
    expect(report.clusters[0]?.objects.map((o) => [o.name, o.result])).toEqual([
      ["s3", "failed"],
      ["keep", "failed"],
      ["repo", "failed"],
      ["app", "failed"],
    ]);
    expect(report.clusters[0]?.objects[0]?.error).toMatch(/forbidden/i);
  });

  it("reports a conflict on an object another manager created, and leaves it alone", async () => {
    // Prepare: the policy exists on cluster 1, created by someone else with another value
    const theirs = { ...(manifests(ns, 3)[1] as object), metadata: { name: "theirs", namespace: ns } };
    await admin[one.id]?.patch("RetentionPolicy", ns, "theirs", theirs, {
      type: "apply",
      fieldManager: "gitops",
    });
    const ours = { ...(manifests(ns)[1] as object), metadata: { name: "theirs", namespace: ns } };
    const file = await writeManifests("theirs.yaml", [ours]);
    // Act
    const run = await apply(file, one.id);
    // Assess
    expect(run.exitCode).toBe(1);
    expect(objectOf(reportOf(run), one.id, "theirs")).toMatchObject({
      result: "conflict",
      managers: ["gitops"],
      changes: [{ path: "spec.successfulSnapshots.last", before: 3, after: 10 }],
    });
    const live = await admin[one.id]?.get("RetentionPolicy", ns, "theirs");
    expect(live?.spec.successfulSnapshots?.last).toBe(3);
  });
});
