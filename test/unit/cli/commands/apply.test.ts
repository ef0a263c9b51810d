import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { clusterSelectionOf, planApply } from "../../../../cli/commands/apply.ts";
import { renderApplyTable } from "../../../../cli/commands/apply-output.ts";
import { parseManifestText } from "../../../../cli/manifest-file.ts";
import type { ApplyManifestsReport } from "../../../../shared/usecases/apply-manifests.ts";
import { MANIFEST_FIXTURES, runKssInProcess } from "../../../support/kss.ts";

/**
 * `kss apply` without a cluster: usage errors, validation before anything is sent, the output. Against real
 * clusters: test/integration/apply-manifests.test.ts.
 */

const fixture = (name: string) => join(MANIFEST_FIXTURES, name);
const dir = mkdtempSync(join(tmpdir(), "kss-apply-unit-"));

/** A registry with a cluster whose server refuses (port 1), and one disabled on purpose. */
function unreachableRegistry(): string {
  const kubeconfig = join(dir, "kubeconfig.yaml");
  writeFileSync(
    kubeconfig,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:1", "insecure-skip-tls-verify": true } }],
      users: [{ name: "u", user: { token: "t" } }],
      contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
      "current-context": "x",
    }),
  );
  const credentials = { source: "kubeconfig", path: kubeconfig };
  const registry = join(dir, "clusters.yaml");
  const clusters = [
    { id: "down", labels: { env: "test" }, credentials },
    { id: "off", enabled: false, labels: { env: "test" }, credentials },
  ];
  writeFileSync(registry, stringify({ clusters }));
  return registry;
}

const registry = unreachableRegistry();
const valid = fixture("valid/backup-workload.yaml");

describe("kss apply: usage errors exit 2 and apply nothing", () => {
  it.each([
    ["no --clusters", ["apply", "-f", valid], "required option '--clusters <clusters>' not specified"],
    ["no -f", ["apply", "--clusters", "all"], "required option '-f, --file <file>' not specified"],
    [
      "--clusters naming nothing",
      ["apply", "-f", valid, "--clusters", ","],
      '--clusters "," names no cluster',
    ],
    ["--parallel 0", ["apply", "-f", valid, "--clusters", "all", "--parallel", "0"], "--parallel"],
    [
      "a missing file",
      ["apply", "-f", "nope.yaml", "--clusters", "all"],
      "cannot read nope.yaml: no such file",
    ],
    [
      "a missing registry",
      ["apply", "-f", valid, "--clusters", "all", "--registry", join(dir, "none.yaml")],
      "cannot read the cluster registry",
    ],
    [
      "an id the registry does not list",
      ["apply", "-f", valid, "--clusters", "down,elsewhere", "--registry", registry],
      'unknown cluster id "elsewhere" (the registry lists: down, off)',
    ],
    [
      "a selector no cluster matches",
      ["apply", "-f", valid, "--clusters", "env=prod", "--registry", registry],
      "matches --clusters env=prod",
    ],
    [
      "a selector that is not key=value",
      ["apply", "-f", valid, "--clusters", "env!=prod", "--registry", registry],
      "only equality is supported",
    ],
  ])("%s", async (_case, args, message) => {
    const run = await runKssInProcess(args);

    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe("");
  });
});

describe("kss apply: an invalid file exits 1 before any cluster is asked", () => {
  it.each([
    ["a bad cron", fixture("invalid/bad-cron.yaml"), "spec.sessions[0].scheduler.schedule"],
    ["a YAML syntax error", fixture("invalid/yaml-syntax-error.yaml"), "YAML syntax error"],
  ])("%s: the validation report, no cluster in the output", async (_case, file, problem) => {
    const run = await runKssInProcess(["apply", "-f", file, "--clusters", "all", "--registry", registry]);

    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain(problem);
    expect(run.stdout).not.toMatch(/down|off|CLUSTER/);
    expect(run.stderr).toBe(`kss: nothing applied: ${file} holds invalid objects\n`);
  });

  it("rejects kinds it does not roll out, and the same object twice, as json", async () => {
    const session = { apiVersion: "core.kubestash.com/v1alpha1", kind: "BackupSession" };
    const policy = { apiVersion: "storage.kubestash.com/v1alpha1", kind: "RetentionPolicy" };
    const text = [
      { ...session, metadata: { name: "s", namespace: "demo" }, spec: { session: "hourly" } },
      { ...policy, metadata: { name: "keep", namespace: "demo" }, spec: {} },
      { ...policy, metadata: { name: "keep", namespace: "demo" }, spec: { default: true } },
    ]
      .map((o) => stringify(o))
      .join("---\n");

    const run = await runKssInProcess(
      ["apply", "-f", "-", "--clusters", "all", "--registry", registry, "-o", "json"],
      text,
    );

    expect(run.exitCode).toBe(1);
    const result = JSON.parse(run.stdout) as { valid: boolean; objects: Array<{ errors: unknown[] }> };
    expect(result.valid).toBe(false);
    const [sessionErrors, first, second] = result.objects.map((o) => o.errors);
    expect(sessionErrors).toContainEqual({
      path: "kind",
      message:
        "kss apply rolls out BackupConfiguration, RetentionPolicy, BackupStorage, Repository; not core.kubestash.com/v1alpha1 BackupSession",
      kind: "semantic",
    });
    expect(first).toEqual([]);
    expect(second).toEqual([
      { path: "metadata.name", message: "the same object as document 2", kind: "semantic" },
    ]);
  });
});

describe("planApply and --clusters", () => {
  it("sends objects as written, in --namespace when they name none, without server-set fields", () => {
    const text = stringify({
      apiVersion: "storage.kubestash.com/v1alpha1",
      kind: "RetentionPolicy",
      metadata: { name: "keep", resourceVersion: "7", uid: "u", managedFields: [] },
      spec: { successfulSnapshots: { last: 3 } },
    });

    const { validation, targets } = planApply(parseManifestText(text), "team-a");

    expect(validation.valid).toBe(true);
    expect(targets).toEqual([
      {
        kind: "RetentionPolicy",
        namespace: "team-a",
        name: "keep",
        object: {
          apiVersion: "storage.kubestash.com/v1alpha1",
          kind: "RetentionPolicy",
          metadata: { name: "keep", namespace: "team-a" },
          spec: { successfulSnapshots: { last: 3 } },
        },
      },
    ]);
  });

  it.each([
    ["all", {}],
    ["env=prod,tier=gold", { selector: "env=prod,tier=gold" }],
    ["cluster-1, cluster-2", { ids: ["cluster-1", "cluster-2"] }],
  ])("--clusters %s", (spec, selection) => {
    expect(clusterSelectionOf(spec)).toEqual(selection);
  });
});

describe("kss apply: output", () => {
  it("json: an unreachable cluster fails alone, a disabled one is skipped; exit 1", async () => {
    const run = await runKssInProcess([
      "apply",
      "-f",
      valid,
      "--clusters",
      "env=test",
      "--registry",
      registry,
      "-o",
      "json",
    ]);

    expect(run.exitCode).toBe(1);
    const report = JSON.parse(run.stdout) as ApplyManifestsReport;
    expect(report).toMatchObject({ dryRun: false, fieldManager: "kubestash-serverless", ok: false });
    expect(report.clusters).toEqual([
      {
        clusterId: "down",
        status: "failed",
        error: expect.stringMatching(/^\[down\] GET .*fetch failed/),
        objects: [],
      },
      {
        clusterId: "off",
        status: "skipped",
        error: "disabled in the registry (enabled: false)",
        objects: [],
      },
    ]);
  });

  it("table: a row per cluster and object, the field changes, then a summary", () => {
    const policy = { kind: "RetentionPolicy", namespace: "demo" } as const;
    const report: ApplyManifestsReport = {
      dryRun: true,
      fieldManager: "kubestash-serverless",
      ok: false,
      clusters: [
        {
          clusterId: "prod-eu",
          status: "applied",
          objects: [
            {
              ...policy,
              name: "keep",
              result: "changed",
              changes: [{ path: "spec.successfulSnapshots.last", before: 5, after: 10 }],
            },
            { ...policy, name: "weekly", result: "created" },
          ],
        },
        {
          clusterId: "prod-us",
          status: "applied",
          objects: [
            {
              ...policy,
              name: "keep",
              result: "drifted",
              changes: [{ path: "spec.default", before: false }],
              managers: ["kubectl-edit"],
            },
            { ...policy, name: "weekly", result: "unchanged" },
          ],
        },
        { clusterId: "edge", status: "failed", error: "[edge] request timed out", objects: [] },
      ],
    };

    expect(renderApplyTable(report).split("\n")).toEqual([
      "DRY RUN (server-side, dryRun=All): nothing was changed.",
      "CLUSTER  OBJECT                       RESULT     DETAIL",
      "prod-eu  RetentionPolicy demo/keep    changed    1 field",
      "prod-eu  RetentionPolicy demo/weekly  created",
      "prod-us  RetentionPolicy demo/keep    drifted    not applied: changed since by kubectl-edit",
      "prod-us  RetentionPolicy demo/weekly  unchanged",
      "edge     -                            failed     [edge] request timed out",
      "",
      "prod-eu RetentionPolicy demo/keep changes:",
      "  spec.successfulSnapshots.last: 5 → 10",
      "prod-us RetentionPolicy demo/keep drifted, live → file (not applied: align the file, or take the fields back with kubectl apply --server-side --force-conflicts --field-manager=kubestash-serverless):",
      "  spec.default: false → (unset)",
      "",
      "3 clusters: 2 applied, 1 failed; objects: 1 created, 1 changed, 1 unchanged, 1 drifted",
      "",
    ]);
  });
});
