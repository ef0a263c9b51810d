import { describe, expect, it } from "vitest";
import { mountedClaims, templateClaimOf } from "../../../shared/decide/coverage/claims.ts";
import {
  type ClusterCoverage,
  type ClusterCoverageInput,
  type CoverageExclusions,
  clusterCoverage,
} from "../../../shared/decide/coverage/coverage.ts";
import { isSystemNamespace, namespaceExclusion } from "../../../shared/decide/coverage/exclusions.ts";
import {
  claim,
  configurationFor,
  coverageInput,
  daemonSet,
  deployment,
  NO_BACKUP_LABELS,
  namespace,
  pvcTarget,
  statefulSet,
  workloadTarget,
} from "../../support/coverage-samples.ts";

/** Coverage selection (docs/coverage.md#the-rules): which items of one cluster are covered, and why not. */

/** Every item as `<Kind> <namespace>/<name> <state>`, in the decision's order. */
const states = (coverage: ClusterCoverage) =>
  coverage.items.map((i) => `${i.kind} ${i.namespace}/${i.name} ${i.state}`);
const why = (coverage: ClusterCoverage, kind: string, name: string) =>
  coverage.items.find((i) => i.kind === kind && i.name === name)?.why;

const app = "app";
const withConfig = (objects: Partial<ClusterCoverageInput>) =>
  coverageInput({
    namespaces: [namespace(app)],
    ...objects,
    configurations: objects.configurations ?? [configurationFor(app, "manifests", undefined)],
  });

interface Row {
  scenario: string;
  input: ClusterCoverageInput;
  exclusions?: CoverageExclusions;
  expected: string[];
  whys?: Array<[kind: string, name: string, why: string | RegExp]>;
}

const rows: Row[] = [
  {
    scenario: "a PVC that is a target is covered; a PVC nothing targets nor mounts is not",
    input: withConfig({
      persistentVolumeClaims: [claim(app, "data"), claim(app, "stray")],
      configurations: [configurationFor(app, "data-backup", pvcTarget("data"))],
    }),
    expected: [
      "Namespace app/app uncovered",
      "PersistentVolumeClaim app/data covered",
      "PersistentVolumeClaim app/stray uncovered",
    ],
    whys: [
      ["PersistentVolumeClaim", "data", "backed up by app/data-backup"],
      ["PersistentVolumeClaim", "stray", "no BackupConfiguration targets it, and no workload mounts it"],
      ["Namespace", "app", "1 PVC of 2 holding data uncovered"],
    ],
  },
  {
    scenario: "a Deployment target covers itself and the claims its pod template mounts",
    input: withConfig({
      persistentVolumeClaims: [claim(app, "uploads"), claim(app, "cache")],
      deployments: [deployment(app, "web", { claims: ["uploads", "cache"] })],
      configurations: [configurationFor(app, "web-backup", workloadTarget("Deployment", "web"))],
    }),
    expected: [
      "Namespace app/app covered",
      "Deployment app/web covered",
      "PersistentVolumeClaim app/cache covered",
      "PersistentVolumeClaim app/uploads covered",
    ],
    whys: [
      ["PersistentVolumeClaim", "uploads", "backed up by app/web-backup through Deployment web"],
      ["Namespace", "app", "all 3 holding data backed up"],
    ],
  },
  {
    scenario: "a DaemonSet target covers the claim its pods mount",
    input: withConfig({
      persistentVolumeClaims: [claim(app, "shared")],
      daemonSets: [daemonSet(app, "agent", { claims: ["shared"] })],
      configurations: [configurationFor(app, "agent-backup", workloadTarget("DaemonSet", "agent"))],
    }),
    expected: [
      "Namespace app/app covered",
      "DaemonSet app/agent covered",
      "PersistentVolumeClaim app/shared covered",
    ],
  },
  {
    scenario:
      "a StatefulSet target covers its claim templates' claims <template>-<sts>-<n> for n below its replicas, not a leftover beyond",
    input: withConfig({
      persistentVolumeClaims: [claim(app, "data-db-0"), claim(app, "data-db-1"), claim(app, "data-db-2")],
      statefulSets: [statefulSet(app, "db", { templates: ["data"], replicas: 2 })],
      configurations: [configurationFor(app, "db-backup", workloadTarget("StatefulSet", "db"))],
    }),
    expected: [
      "Namespace app/app uncovered",
      "StatefulSet app/db covered",
      "PersistentVolumeClaim app/data-db-0 covered",
      "PersistentVolumeClaim app/data-db-1 covered",
      "PersistentVolumeClaim app/data-db-2 uncovered",
    ],
    whys: [
      ["PersistentVolumeClaim", "data-db-1", "backed up by app/db-backup through StatefulSet db"],
      [
        "PersistentVolumeClaim",
        "data-db-2",
        "claim of StatefulSet db's template data for pod 2, beyond its replicas: it has 2 (pods 0–1); its backup reads the claims of pods 0–1 only",
      ],
    ],
  },
  {
    scenario:
      "a StatefulSet with spec.ordinals.start 3 and 2 replicas: its pods' claims are data-db-3 and data-db-4, not data-db-0",
    input: withConfig({
      persistentVolumeClaims: [claim(app, "data-db-0"), claim(app, "data-db-3"), claim(app, "data-db-4")],
      statefulSets: [
        (() => {
          const sts = statefulSet(app, "db", { templates: ["data"], replicas: 2 });
          return { ...sts, spec: { ...sts.spec, ordinals: { start: 3 } } };
        })(),
      ],
      configurations: [configurationFor(app, "db-backup", workloadTarget("StatefulSet", "db"))],
    }),
    expected: [
      "Namespace app/app uncovered",
      "StatefulSet app/db covered",
      "PersistentVolumeClaim app/data-db-0 uncovered",
      "PersistentVolumeClaim app/data-db-3 covered",
      "PersistentVolumeClaim app/data-db-4 covered",
    ],
    whys: [
      [
        "PersistentVolumeClaim",
        "data-db-0",
        "claim of StatefulSet db's template data for pod 0, beyond its replicas: it has 2 (pods 3–4); its backup reads the claims of pods 3–4 only",
      ],
    ],
  },
  {
    scenario: "a StatefulSet without replicas set has one pod: data-db-0 only",
    input: withConfig({
      persistentVolumeClaims: [claim(app, "data-db-0"), claim(app, "data-db-1")],
      statefulSets: [statefulSet(app, "db", { templates: ["data"] })],
      configurations: [configurationFor(app, "db-backup", workloadTarget("StatefulSet", "db"))],
    }),
    expected: [
      "Namespace app/app uncovered",
      "StatefulSet app/db covered",
      "PersistentVolumeClaim app/data-db-0 covered",
      "PersistentVolumeClaim app/data-db-1 uncovered",
    ],
  },
  {
    scenario: "an untargeted StatefulSet with claim templates holds data: it and its claims are uncovered",
    input: withConfig({
      persistentVolumeClaims: [claim(app, "wal-pg-0")],
      statefulSets: [statefulSet(app, "pg", { templates: ["wal"] })],
    }),
    expected: [
      "Namespace app/app uncovered",
      "StatefulSet app/pg uncovered",
      "PersistentVolumeClaim app/wal-pg-0 uncovered",
    ],
    whys: [
      ["StatefulSet", "pg", "no BackupConfiguration targets it; it holds data (claim templates wal)"],
      [
        "PersistentVolumeClaim",
        "wal-pg-0",
        "mounted by StatefulSet pg, which no BackupConfiguration targets",
      ],
      ["Namespace", "app", "1 workload and 1 PVC of 2 holding data uncovered"],
    ],
  },
  {
    scenario:
      "a PVC mounted by an uncovered workload is uncovered, naming the workload; one covered workload is enough",
    input: withConfig({
      persistentVolumeClaims: [claim(app, "media"), claim(app, "both")],
      deployments: [
        deployment(app, "api", { claims: ["media", "both"] }),
        deployment(app, "worker", { claims: ["both"] }),
      ],
      configurations: [configurationFor(app, "worker-backup", workloadTarget("Deployment", "worker"))],
    }),
    expected: [
      "Namespace app/app uncovered",
      "Deployment app/api uncovered",
      "Deployment app/worker covered",
      "PersistentVolumeClaim app/both covered",
      "PersistentVolumeClaim app/media uncovered",
    ],
    whys: [
      ["Deployment", "api", "no BackupConfiguration targets it; it holds data (PVC media, both)"],
      ["PersistentVolumeClaim", "media", "mounted by Deployment api, which no BackupConfiguration targets"],
      ["PersistentVolumeClaim", "both", "backed up by app/worker-backup through Deployment worker"],
    ],
  },
  {
    scenario: "a workload with no claim (emptyDir only) holds no data and is not listed",
    input: withConfig({ deployments: [deployment(app, "frontend")] }),
    expected: ["Namespace app/app no-data"],
    whys: [["Namespace", "app", "holds no data: no PVC, no workload that mounts one"]],
  },
  {
    scenario: "the target's namespace is the configuration's: the same name elsewhere is not covered",
    input: coverageInput({
      namespaces: [namespace("a"), namespace("b")],
      persistentVolumeClaims: [claim("a", "data"), claim("b", "data")],
      configurations: [configurationFor("a", "data-backup", pvcTarget("data"))],
    }),
    expected: [
      "Namespace a/a covered",
      "PersistentVolumeClaim a/data covered",
      "Namespace b/b uncovered",
      "PersistentVolumeClaim b/data uncovered",
    ],
    whys: [["Namespace", "b", "no BackupConfiguration in this namespace: 1 PVC of 1 holding data uncovered"]],
  },
  {
    scenario:
      "a configuration without target (cluster resources) and a Namespace target back up manifests, not data",
    input: withConfig({
      persistentVolumeClaims: [claim(app, "data")],
      configurations: [
        configurationFor(app, "cluster-yaml", undefined),
        configurationFor(app, "ns-yaml", { apiGroup: "", kind: "Namespace", name: app }),
      ],
    }),
    expected: ["Namespace app/app uncovered", "PersistentVolumeClaim app/data uncovered"],
  },
  {
    scenario:
      "an application target (an AppBinding) covers the workloads and claims labelled app.kubernetes.io/instance with its name",
    input: withConfig({
      persistentVolumeClaims: [
        claim(app, "data-pg-0", { labels: { "app.kubernetes.io/instance": "pg" } }),
        claim(app, "other", { labels: { "app.kubernetes.io/instance": "redis" } }),
      ],
      statefulSets: [
        statefulSet(app, "pg", { templates: ["data"], labels: { "app.kubernetes.io/instance": "pg" } }),
      ],
      configurations: [
        configurationFor(app, "pg-dump", {
          apiGroup: "appcatalog.appscode.com",
          kind: "AppBinding",
          name: "pg",
        }),
      ],
    }),
    expected: [
      "Namespace app/app uncovered",
      "StatefulSet app/pg covered",
      "PersistentVolumeClaim app/data-pg-0 covered",
      "PersistentVolumeClaim app/other uncovered",
    ],
  },
];

const exclusionRows: Row[] = [
  {
    scenario: "system namespaces are left out, with their claims",
    input: withConfig({
      namespaces: [
        namespace("kube-system"),
        namespace("kube-public"),
        namespace("kube-node-lease"),
        namespace(app),
      ],
      persistentVolumeClaims: [claim("kube-system", "etcd-backup")],
    }),
    expected: [
      `Namespace ${app}/${app} no-data`,
      "Namespace kube-node-lease/kube-node-lease excluded",
      "Namespace kube-public/kube-public excluded",
      "Namespace kube-system/kube-system excluded",
    ],
    whys: [["Namespace", "kube-system", "system namespace"]],
  },
  {
    scenario: "the registry's coverage.excludeNamespaces leaves a namespace out",
    input: withConfig({
      namespaces: [namespace(app), namespace("scratch")],
      persistentVolumeClaims: [claim("scratch", "tmp")],
    }),
    exclusions: { excludeNamespaces: ["scratch"] },
    expected: [`Namespace ${app}/${app} no-data`, "Namespace scratch/scratch excluded"],
    whys: [["Namespace", "scratch", "listed in the registry's coverage.excludeNamespaces"]],
  },
  {
    scenario: 'a namespace labelled serverless.kubestash.com/backup: "false" is left out',
    input: withConfig({
      namespaces: [namespace(app), namespace("ci", NO_BACKUP_LABELS)],
      persistentVolumeClaims: [claim("ci", "runner-cache")],
    }),
    expected: [`Namespace ${app}/${app} no-data`, "Namespace ci/ci excluded"],
    whys: [["Namespace", "ci", "labelled serverless.kubestash.com/backup=false"]],
  },
  {
    scenario: "a labelled PVC is excluded; a workload mounting only it holds no data",
    input: withConfig({
      persistentVolumeClaims: [claim(app, "cache", { labels: NO_BACKUP_LABELS })],
      deployments: [deployment(app, "web", { claims: ["cache"] })],
    }),
    expected: ["Namespace app/app excluded", "PersistentVolumeClaim app/cache excluded"],
    whys: [["Namespace", "app", "everything in it that holds data is marked as not needing backup"]],
  },
  {
    scenario: "a labelled workload is excluded, and so are the claims only it mounts",
    input: withConfig({
      persistentVolumeClaims: [claim(app, "buffer"), claim(app, "shared")],
      deployments: [
        deployment(app, "queue", { claims: ["buffer", "shared"], labels: NO_BACKUP_LABELS }),
        deployment(app, "api", { claims: ["shared"] }),
      ],
    }),
    expected: [
      "Namespace app/app uncovered",
      "Deployment app/api uncovered",
      "Deployment app/queue excluded",
      "PersistentVolumeClaim app/buffer excluded",
      "PersistentVolumeClaim app/shared uncovered",
    ],
    whys: [
      [
        "PersistentVolumeClaim",
        "buffer",
        "mounted only by Deployment queue, labelled serverless.kubestash.com/backup=false",
      ],
      ["Namespace", "app", "1 workload and 1 PVC of 2 holding data uncovered"],
    ],
  },
  {
    scenario: "a labelled PVC that a configuration backs up all the same is covered",
    input: withConfig({
      persistentVolumeClaims: [claim(app, "data", { labels: NO_BACKUP_LABELS })],
      configurations: [configurationFor(app, "data-backup", pvcTarget("data"))],
    }),
    expected: ["Namespace app/app covered", "PersistentVolumeClaim app/data covered"],
  },
  {
    scenario: "a generic ephemeral volume's claim (owned by its Pod) is excluded",
    input: withConfig({ persistentVolumeClaims: [claim(app, "web-0-scratch", { ownerPod: "web-0" })] }),
    expected: ["Namespace app/app excluded", "PersistentVolumeClaim app/web-0-scratch excluded"],
    whys: [["PersistentVolumeClaim", "web-0-scratch", "an ephemeral volume of Pod web-0 (deleted with it)"]],
  },
];

const pausedRows: Row[] = [
  {
    scenario: "a paused configuration still covers: covered (paused)",
    input: withConfig({
      persistentVolumeClaims: [claim(app, "data")],
      configurations: [configurationFor(app, "data-backup", pvcTarget("data"), { paused: true })],
    }),
    expected: ["Namespace app/app covered-paused", "PersistentVolumeClaim app/data covered-paused"],
    whys: [
      ["PersistentVolumeClaim", "data", "covered (paused): app/data-backup is paused"],
      ["Namespace", "app", "covered (paused): 1 of 1 holding data only by paused configurations"],
    ],
  },
  {
    scenario: "paused through a workload: its claims say so too",
    input: withConfig({
      persistentVolumeClaims: [claim(app, "data-db-0")],
      statefulSets: [statefulSet(app, "db", { templates: ["data"] })],
      configurations: [
        configurationFor(app, "db-backup", workloadTarget("StatefulSet", "db"), { paused: true }),
      ],
    }),
    expected: [
      "Namespace app/app covered-paused",
      "StatefulSet app/db covered-paused",
      "PersistentVolumeClaim app/data-db-0 covered-paused",
    ],
    whys: [
      [
        "PersistentVolumeClaim",
        "data-db-0",
        "covered (paused): app/db-backup is paused through StatefulSet db",
      ],
    ],
  },
  {
    scenario: "one active configuration beside a paused one: covered",
    input: withConfig({
      persistentVolumeClaims: [claim(app, "data")],
      configurations: [
        configurationFor(app, "old", pvcTarget("data"), { paused: true }),
        configurationFor(app, "new", pvcTarget("data")),
      ],
    }),
    expected: ["Namespace app/app covered", "PersistentVolumeClaim app/data covered"],
    whys: [["PersistentVolumeClaim", "data", "backed up by app/new"]],
  },
];

const clusterRows: Row[] = [
  {
    scenario:
      "a cluster with no BackupConfiguration at all: the Cluster item, and every namespace without one",
    input: coverageInput({
      namespaces: [namespace("kube-system"), namespace(app), namespace("web")],
      persistentVolumeClaims: [claim(app, "data")],
    }),
    expected: [
      "Cluster / uncovered",
      "Namespace app/app uncovered",
      "PersistentVolumeClaim app/data uncovered",
      "Namespace kube-system/kube-system excluded",
      "Namespace web/web no-data",
    ],
    whys: [
      ["Cluster", "", "no BackupConfiguration in the cluster"],
      ["Namespace", app, "no BackupConfiguration in this namespace: 1 PVC of 1 holding data uncovered"],
    ],
  },
  {
    scenario: "no BackupConfiguration, but every namespace is excluded: nothing uncovered",
    input: coverageInput({ namespaces: [namespace("kube-system"), namespace("tools", NO_BACKUP_LABELS)] }),
    expected: [
      "Cluster / excluded",
      "Namespace kube-system/kube-system excluded",
      "Namespace tools/tools excluded",
    ],
  },
  {
    scenario: "everything covered",
    input: coverageInput({
      namespaces: [namespace("kube-system"), namespace("shop"), namespace("db")],
      persistentVolumeClaims: [claim("shop", "images"), claim("db", "data-pg-0"), claim("db", "data-pg-1")],
      deployments: [deployment("shop", "catalog", { claims: ["images"] }), deployment("shop", "stateless")],
      statefulSets: [statefulSet("db", "pg", { templates: ["data"], replicas: 2 })],
      configurations: [
        configurationFor("shop", "catalog", workloadTarget("Deployment", "catalog")),
        configurationFor("db", "pg", workloadTarget("StatefulSet", "pg")),
      ],
    }),
    expected: [
      "Namespace db/db covered",
      "StatefulSet db/pg covered",
      "PersistentVolumeClaim db/data-pg-0 covered",
      "PersistentVolumeClaim db/data-pg-1 covered",
      "Namespace kube-system/kube-system excluded",
      "Namespace shop/shop covered",
      "Deployment shop/catalog covered",
      "PersistentVolumeClaim shop/images covered",
    ],
  },
];

describe.each([
  ["the rules", rows],
  ["exclusions", exclusionRows],
  ["paused configurations", pausedRows],
  ["the cluster", clusterRows],
])("coverage: %s", (_, table) => {
  it.each(table)("$scenario", ({ input, exclusions, expected, whys }) => {
    const coverage = clusterCoverage(input, exclusions);
    expect(states(coverage)).toEqual(expected);
    for (const [kind, name, text] of whys ?? []) {
      if (typeof text === "string") expect(why(coverage, kind, name)).toBe(text);
      else expect(why(coverage, kind, name)).toMatch(text);
    }
  });
});

describe("coverage totals and manifests", () => {
  it("counts items by state, uncovered namespaces and those without any configuration", () => {
    const coverage = clusterCoverage(
      coverageInput({
        namespaces: [namespace("a"), namespace("b"), namespace("kube-system")],
        persistentVolumeClaims: [claim("a", "x"), claim("a", "y"), claim("b", "z")],
        configurations: [
          configurationFor("a", "x", pvcTarget("x")),
          configurationFor("a", "cluster-yaml", undefined),
          configurationFor("a", "b-yaml", { kind: "Namespace", name: "b" }),
        ],
      }),
    );
    expect(coverage.totals).toEqual({
      uncovered: 4,
      covered: 1,
      coveredPaused: 0,
      excluded: 1,
      namespacesUncovered: 2,
      namespacesWithoutConfiguration: 1,
    });
    expect(coverage.configurations).toBe(3);
    expect(coverage.manifests).toEqual({
      cluster: [{ namespace: "a", name: "cluster-yaml", paused: false }],
      namespaces: [{ namespace: "b", configurations: [{ namespace: "a", name: "b-yaml", paused: false }] }],
    });
  });

  it("takes KubeStash's stand-in target {apiGroup: na, kind: '', name: na} as no target", () => {
    const coverage = clusterCoverage(
      coverageInput({
        configurations: [configurationFor("a", "c", { apiGroup: "na", kind: "", name: "na" })],
      }),
    );
    expect(coverage.manifests.cluster).toEqual([{ namespace: "a", name: "c", paused: false }]);
  });

  it("lists objects of a namespace the namespace LIST did not show (created in between)", () => {
    const coverage = clusterCoverage(
      coverageInput({
        persistentVolumeClaims: [claim("late", "data")],
        configurations: [configurationFor("a", "c", undefined)],
      }),
    );
    expect(states(coverage)).toEqual([
      "Namespace late/late uncovered",
      "PersistentVolumeClaim late/data uncovered",
    ]);
  });
});

describe("claims a workload mounts", () => {
  it("are its template's claims and, for a StatefulSet, one claim per template and pod", () => {
    expect(mountedClaims(deployment("a", "web", { claims: ["x", "y", "x"] }))).toEqual(["x", "y"]);
    expect(
      mountedClaims(statefulSet("a", "db", { templates: ["data", "wal"], replicas: 2, claims: ["conf"] })),
    ).toEqual(["conf", "data-db-0", "data-db-1", "wal-db-0", "wal-db-1"]);
    expect(mountedClaims(statefulSet("a", "db", { templates: ["data"], replicas: 0 }))).toEqual([]);
  });

  it("read a claim's name back to its StatefulSet, template and ordinal, and only a number as ordinal", () => {
    const sets = [
      statefulSet("a", "db", { templates: ["data"] }),
      statefulSet("a", "db-replica", { templates: ["data"] }),
    ];
    expect(templateClaimOf("data-db-7", sets)).toMatchObject({ template: "data", ordinal: 7 });
    expect(templateClaimOf("data-db-7", sets)?.statefulSet.metadata.name).toBe("db");
    expect(templateClaimOf("data-db-replica-0", sets)?.statefulSet.metadata.name).toBe("db-replica");
    expect(templateClaimOf("data-db-x", sets)).toBeUndefined();
    expect(templateClaimOf("data-db-01", sets)).toBeUndefined();
    expect(templateClaimOf("logs-db-0", sets)).toBeUndefined();
  });
});

describe("namespace exclusions", () => {
  it.each<[string, Record<string, string> | undefined, string[], string | undefined]>([
    ["kube-system", undefined, [], "system namespace"],
    ["openshift-monitoring", undefined, [], "system namespace"],
    ["gke-managed-system", undefined, [], "system namespace"],
    ["kubestash", undefined, [], undefined],
    ["default", undefined, [], undefined],
    ["scratch", undefined, ["scratch"], "listed in the registry's coverage.excludeNamespaces"],
    [
      "ci",
      { "serverless.kubestash.com/backup": "false" },
      [],
      "labelled serverless.kubestash.com/backup=false",
    ],
    ["ci", { "serverless.kubestash.com/backup": "true" }, [], undefined],
    ["ci", { "serverless.kubestash.com/backup": "False" }, [], undefined],
  ])("%s %j (registry %j): %s", (name, labels, excluded, expected) => {
    expect(namespaceExclusion(name, labels, excluded)).toBe(expected);
  });

  it("knows kube-system but not kube-prometheus (a user's namespace with data)", () => {
    expect(isSystemNamespace("kube-system")).toBe(true);
    expect(isSystemNamespace("kube-prometheus")).toBe(false);
  });
});
