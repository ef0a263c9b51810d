import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coverageSummaryLine, listedItems, renderCoverageTable } from "../../../../cli/commands/coverage.ts";
import { clusterCoverage } from "../../../../shared/decide/coverage/coverage.ts";
import {
  type ClusterCoverageStatus,
  type CoverageReport,
  coverageIncomplete,
  coverageSummary,
} from "../../../../shared/usecases/coverage.ts";
import {
  claim,
  configurationFor,
  coverageInput,
  deployment,
  namespace,
  pvcTarget,
  statefulSet,
  workloadTarget,
} from "../../../support/coverage-samples.ts";
import { runKssInProcess } from "../../../support/kss.ts";

/** `kss coverage`: its table and summary line, and its exit codes on clusters that cannot be reached or asked for wrongly. */

const AT = "2026-11-26T12:30:00Z";

function report(clusters: ClusterCoverageStatus[]): CoverageReport {
  return { at: AT, clusters, summary: coverageSummary(clusters) };
}

const head = (id: string) => ({ id, kubectl: `kubectl --context ${id}`, elapsedMs: 5 });

/** eu: a covered StatefulSet, an uncovered Deployment and its claim, a paused PVC; us: no configuration; ap: down. */
function fleet(): CoverageReport {
  const eu = clusterCoverage(
    coverageInput({
      namespaces: [namespace("kube-system"), namespace("shop"), namespace("db")],
      persistentVolumeClaims: [claim("db", "data-pg-0"), claim("shop", "images"), claim("shop", "old")],
      statefulSets: [statefulSet("db", "pg", { templates: ["data"] })],
      deployments: [deployment("shop", "catalog", { claims: ["images"] })],
      configurations: [
        configurationFor("db", "pg", workloadTarget("StatefulSet", "pg")),
        configurationFor("shop", "old", pvcTarget("old"), { paused: true }),
      ],
    }),
  );
  const us = clusterCoverage(coverageInput({ namespaces: [namespace("default"), namespace("kube-system")] }));
  return report([
    { ...head("eu"), ...eu, reachable: true, excludeNamespaces: [], requests: 6, invalidObjects: [] },
    {
      ...head("us"),
      ...us,
      reachable: true,
      excludeNamespaces: [],
      requests: 6,
      invalidObjects: [
        { kind: "Deployment", namespace: "default", name: "bad", error: "spec: not an object" },
      ],
    },
    {
      ...head("ap"),
      reachable: false,
      disabled: false,
      error: "[ap] connect ECONNREFUSED 127.0.0.1:1",
      errorKind: "UnavailableError",
    },
    {
      ...head("off"),
      reachable: false,
      disabled: true,
      error: 'cluster "off" is disabled',
      errorKind: "ClusterDisabledError",
    },
  ]);
}

describe("the table", () => {
  it("lists the uncovered and paused items of every cluster, the unreachable and disabled ones, invalid objects and a summary", () => {
    expect(renderCoverageTable(fleet()).split("\n")).toEqual([
      "CLUSTER  NAMESPACE  KIND                   NAME     WHY",
      "eu       shop       Namespace              shop     1 workload and 1 PVC of 3 holding data uncovered",
      "eu       shop       Deployment             catalog  no BackupConfiguration targets it; it holds data (PVC images)",
      "eu       shop       PersistentVolumeClaim  images   mounted by Deployment catalog, which no BackupConfiguration targets",
      "eu       shop       PersistentVolumeClaim  old      covered (paused): shop/old is paused",
      "us       -          Cluster                -        no BackupConfiguration in the cluster",
      "ap       -          Cluster                -        UNREACHABLE (UnavailableError): [ap] connect ECONNREFUSED 127.0.0.1:1",
      'off      -          Cluster                -        disabled: cluster "off" is disabled',
      "  us: invalid Deployment default/bad (left out): spec: not an object",
      `at ${AT}: 4 clusters (2 reachable, 1 unreachable, 1 disabled) · 4 uncovered (1 cluster without BackupConfiguration, 1 namespace, 1 workload, 1 PVC) · 4 covered (1 paused) · 2 excluded`,
      "",
    ]);
  });

  it("with --all lists every item, saying which are covered, excluded or hold no data", () => {
    const text = renderCoverageTable(fleet(), { all: true });
    expect(text).toMatch(/^eu +db +StatefulSet +pg +covered: backed up by db\/pg$/m);
    expect(text).toMatch(
      /^eu +db +PersistentVolumeClaim +data-pg-0 +covered: backed up by db\/pg through StatefulSet pg$/m,
    );
    expect(text).toMatch(/^eu +kube-system +Namespace +kube-system +excluded: system namespace$/m);
    expect(text).toMatch(/^us +default +Namespace +default +no data: holds no data/m);
  });

  it("says nothing is uncovered when all is covered", () => {
    const all = clusterCoverage(
      coverageInput({
        namespaces: [namespace("a")],
        persistentVolumeClaims: [claim("a", "x")],
        configurations: [configurationFor("a", "x", pvcTarget("x"))],
      }),
    );
    const r = report([
      { ...head("eu"), ...all, reachable: true, excludeNamespaces: [], requests: 6, invalidObjects: [] },
    ]);
    expect(renderCoverageTable(r)).toBe(
      `no uncovered namespace, PVC or workload\nat ${AT}: 1 cluster (1 reachable, 0 unreachable) · nothing uncovered · 2 covered · 0 excluded\n`,
    );
    expect(coverageIncomplete(r)).toBe(false);
  });
});

describe("the summary and the gate", () => {
  it("counts uncovered items by kind over the reachable clusters; an unreachable cluster fails the gate", () => {
    const r = fleet();
    expect(r.summary).toEqual({
      clusters: 4,
      reachable: 2,
      unreachable: 1,
      disabled: 1,
      clustersWithoutConfiguration: 1,
      uncovered: 4,
      namespacesUncovered: 1,
      persistentVolumeClaimsUncovered: 1,
      workloadsUncovered: 1,
      covered: 3,
      coveredPaused: 1,
      excluded: 2,
    });
    expect(coverageIncomplete(r)).toBe(true);
    const onlyDown = report([r.clusters[2] as ClusterCoverageStatus]);
    expect(coverageIncomplete(onlyDown)).toBe(true);
    const onlyDisabled = report([r.clusters[3] as ClusterCoverageStatus]);
    expect(coverageIncomplete(onlyDisabled)).toBe(false);
  });

  it("words the line in the singular and the plural", () => {
    const s = { ...fleet().summary, clusters: 1, reachable: 1, unreachable: 0, disabled: 0 };
    expect(
      coverageSummaryLine(AT, { ...s, clustersWithoutConfiguration: 2, namespacesUncovered: 3 }),
    ).toContain("(2 clusters without BackupConfiguration, 3 namespaces, 1 workload, 1 PVC)");
  });

  it("lists uncovered and paused items only, unless asked for all", () => {
    const items = fleet().clusters.flatMap((c) => (c.reachable ? c.items : []));
    expect(new Set(listedItems(items).map((i) => i.state))).toEqual(new Set(["uncovered", "covered-paused"]));
    expect(listedItems(items, true)).toHaveLength(items.length);
  });
});

describe("kss coverage against a registry", () => {
  let dir: string;
  let registry: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "kss-coverage-"));
    // A cluster on a port nobody listens on: refused at once, before any TLS.
    await writeFile(
      path.join(dir, "closed.kubeconfig"),
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1', insecure-skip-tls-verify: true}}]",
        "users: [{name: u, user: {token: t}}]",
        "contexts: [{name: x, context: {cluster: c, user: u}}]",
        "current-context: x",
      ].join("\n"),
    );
    registry = path.join(dir, "clusters.yaml");
    await writeFile(
      registry,
      [
        "clusters:",
        "  - id: closed",
        "    labels: {env: prod}",
        "    coverage: {excludeNamespaces: [scratch]}",
        "    credentials: {source: kubeconfig, path: closed.kubeconfig}",
        "  - id: off",
        "    enabled: false",
        "    credentials: {source: kubeconfig, path: closed.kubeconfig}",
      ].join("\n"),
    );
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("exits 1 with the cluster unreachable (and the disabled one only noted) in JSON", async () => {
    const run = await runKssInProcess([
      "coverage",
      "--registry",
      registry,
      "-o",
      "json",
      "--timeout",
      "2000",
    ]);
    expect(run.exitCode).toBe(1);
    const r = JSON.parse(run.stdout) as CoverageReport;
    expect(r.clusters.map((c) => [c.id, c.reachable, !c.reachable && c.disabled])).toEqual([
      ["closed", false, false],
      ["off", false, true],
    ]);
    expect(r.clusters[0]).toMatchObject({ errorKind: "UnavailableError" });
    expect(r.summary).toMatchObject({ unreachable: 1, disabled: 1, uncovered: 0 });
  });

  it("exits 0 when the selection leaves only the disabled cluster, and says so in the table", async () => {
    const run = await runKssInProcess(["coverage", "--registry", registry, "--clusters", "off"]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^off +- +Cluster +- +disabled: /m);
  });

  it("selects by label as kss apply does", async () => {
    const run = await runKssInProcess([
      "coverage",
      "--registry",
      registry,
      "--clusters",
      "env=prod",
      "-o",
      "json",
    ]);
    expect(run.exitCode).toBe(1);
    expect((JSON.parse(run.stdout) as CoverageReport).clusters.map((c) => c.id)).toEqual(["closed"]);
  });

  it.each([
    { args: ["--clusters", "nope"], error: /unknown cluster id "nope"/ },
    { args: ["--clusters", ","], error: /names no cluster/ },
    { args: ["--clusters", "env=dev"], error: /no cluster of .* matches --clusters env=dev/ },
    { args: ["--timeout", "5"], error: /--timeout/ },
    { args: ["--registry", "/no/such/registry.yaml"], error: /cannot read the cluster registry/ },
  ])("exits 2 for $args", async ({ args, error }) => {
    const run = await runKssInProcess(["coverage", "--registry", registry, ...args]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(error);
  });
});
