import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { renderPauseTable, resultText, whoIs } from "../../../../cli/commands/pause.ts";
import {
  type PauseConfigurationsReport,
  pauseSummary,
} from "../../../../shared/usecases/pause-configurations.ts";
import { runKssInProcess } from "../../../support/kss.ts";

/**
 * `kss pause` / `kss resume` without a real cluster: usage errors before any cluster is asked, who is
 * recorded, a cluster that refuses reported (exit 1) beside one disabled (skipped), the table. On the real
 * control plane: test/integration/pause.test.ts.
 */

const dir = mkdtempSync(join(tmpdir(), "kss-pause-unit-"));

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

describe("kss pause / resume: usage errors exit 2 and ask no cluster", () => {
  it.each([
    [
      "pause without --reason",
      ["pause", "--clusters", "all", "--registry", registry],
      "--reason is required",
    ],
    [
      "pause with a blank --reason",
      ["pause", "--clusters", "all", "--registry", registry, "--reason", "  "],
      "--reason is required to pause",
    ],
    ["no --clusters", ["resume", "--registry", registry], "required option '--clusters <clusters>'"],
    [
      "a --selector that is a set term",
      ["resume", "--clusters", "all", "--registry", registry, "--selector", "tier in (a)"],
      '--selector "tier in (a)" is invalid',
    ],
    [
      "an id the registry does not list",
      ["resume", "--clusters", "elsewhere", "--registry", registry],
      'unknown cluster id "elsewhere"',
    ],
  ])("%s", async (_case, args, message) => {
    const run = await runKssInProcess([...args, "--by", "alice"]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe("");
  });

  it("refuses when nobody can be recorded: a blank --by, no KSS_USER, no USER", async () => {
    const saved = { KSS_USER: process.env.KSS_USER, USER: process.env.USER };
    delete process.env.KSS_USER;
    delete process.env.USER;
    try {
      const run = await runKssInProcess(["resume", "--clusters", "all", "--registry", registry, "--by", " "]);
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toContain("--by is empty: pass --by NAME or set KSS_USER (or USER)");
    } finally {
      for (const [key, value] of Object.entries(saved))
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
    }
  });
});

describe("whoIs", () => {
  it.each<[string, string | undefined, Record<string, string | undefined>, string | undefined]>([
    ["--by wins", "alice", { KSS_USER: "bob", USER: "carol" }, "alice"],
    ["then KSS_USER", undefined, { KSS_USER: "bob", USER: "carol" }, "bob"],
    ["then USER", undefined, { USER: "carol" }, "carol"],
    ["blank values count as none", " ", { KSS_USER: "", USER: "carol" }, "carol"],
    ["nobody", undefined, {}, undefined],
  ])("%s", (_case, by, env, expected) => {
    expect(whoIs(by, env)).toBe(expected);
  });
});

describe("kss pause with a cluster that refuses and one disabled", () => {
  it("reports the refusing cluster failed with its error, skips the disabled one, and exits 1", async () => {
    const run = await runKssInProcess([
      "pause",
      "--clusters",
      "all",
      "--registry",
      registry,
      "--reason",
      "maintenance",
      "--by",
      "alice",
      "-o",
      "json",
    ]);
    expect(run.exitCode).toBe(1);
    const report = JSON.parse(run.stdout) as PauseConfigurationsReport;
    expect(report).toMatchObject({ action: "pause", by: "alice", reason: "maintenance", ok: false });
    expect(report.clusters).toEqual([
      {
        clusterId: "down",
        status: "failed",
        error: expect.stringMatching(/ECONNREFUSED|refused|fetch failed/i),
        errorKind: "UnavailableError",
        configurations: [],
      },
      {
        clusterId: "off",
        status: "skipped",
        error: "disabled in the registry (enabled: false)",
        configurations: [],
      },
    ]);
    expect(report.summary).toMatchObject({ clusters: 2, clustersFailed: 1, clustersSkipped: 1, paused: 0 });
  });
});

describe("the table", () => {
  const alice = { by: "alice", reason: "storage migration", at: "2026-11-25T08:00:00Z" };
  const clusters: PauseConfigurationsReport["clusters"] = [
    {
      clusterId: "eu-1",
      status: "done",
      configurations: [
        { namespace: "shop", name: "db", result: "already-paused", record: alice },
        { namespace: "shop", name: "legacy", result: "already-paused" },
        { namespace: "shop", name: "logs", result: "skipped", why: "labels do not match --selector" },
        { namespace: "shop", name: "web", result: "paused", record: { ...alice, by: "bob" }, attempts: 1 },
        { namespace: "shop", name: "x", result: "failed", error: "forbidden: cannot patch" },
      ],
    },
    { clusterId: "eu-2", status: "done", configurations: [] },
    { clusterId: "us-1", status: "failed", error: "[us-1] connect ECONNREFUSED", configurations: [] },
  ];
  const report: PauseConfigurationsReport = {
    action: "pause",
    dryRun: false,
    by: "bob",
    reason: "bucket move",
    at: "2026-11-26T12:30:00Z",
    ok: false,
    clusters,
    summary: pauseSummary(clusters),
  };

  it("lists each configuration's result, a row for a cluster with nothing in scope and one that failed, then the summary", () => {
    expect(renderPauseTable(report)).toBe(
      [
        "CLUSTER  NAMESPACE  CONFIGURATION  RESULT",
        "eu-1     shop       db             already paused by alice at 2026-11-25T08:00:00Z: storage migration",
        "eu-1     shop       legacy         already paused (no record: not by kss)",
        "eu-1     shop       web            paused",
        "eu-1     shop       x              error: forbidden: cannot patch",
        "eu-2     -          -              no configuration in scope",
        "us-1     -          -              error: [us-1] connect ECONNREFUSED",
        "",
        "1 paused, 2 already paused, 0 not paused, 1 skipped, 1 failed · 3 clusters (1 failed) · by bob at 2026-11-26T12:30:00Z · reason: bucket move",
        "",
      ].join("\n"),
    );
  });

  it("says what a dry run would do, and which pause a resume undid", () => {
    expect(resultText({ namespace: "a", name: "b", result: "paused" }, true)).toBe("would pause");
    expect(resultText({ namespace: "a", name: "b", result: "resumed", record: alice }, false)).toBe(
      "resumed (paused by alice at 2026-11-25T08:00:00Z: storage migration)",
    );
    expect(resultText({ namespace: "a", name: "b", result: "resumed" }, true)).toBe(
      "would resume (was paused without a kss record)",
    );
    expect(resultText({ namespace: "a", name: "b", result: "resumed" }, false)).toBe(
      "resumed (was paused without a kss record)",
    );
    expect(renderPauseTable({ ...report, dryRun: true })).toContain("dry run, nothing stored: 1 paused");
  });
});
