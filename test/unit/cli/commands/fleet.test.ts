import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatAge, renderFleetTable, verifiedCell } from "../../../../cli/commands/fleet.ts";
import { clusterFleetFacts } from "../../../../shared/decide/fleet/fleet.ts";
import { type FleetStatus, fleetSummary } from "../../../../shared/usecases/fleet-status.ts";
import {
  ago,
  configuration,
  DAY,
  HOUR,
  kube,
  MINUTE,
  NOW,
  repository,
  session,
  snapshot,
  verificationSession,
  verifier,
} from "../../../support/fleet-samples.ts";
import { runKssInProcess } from "../../../support/kss.ts";

/** `kss fleet`: its table, and its exit codes on clusters that cannot be reached or asked for wrongly. */

describe("formatAge", () => {
  it.each([
    [0, "0s"],
    [59, "59s"],
    [60, "1m"],
    [3599, "59m"],
    [3600, "1h"],
    [5400, "1h30m"],
    [86_400, "1d"],
    [93_600, "1d2h"],
  ])("%i s → %s", (seconds, text) => {
    expect(formatAge(seconds)).toBe(text);
  });
});

describe("the table", () => {
  it("prints one block per cluster, a row per session, the unreachable cluster's reason and a summary", () => {
    const facts = clusterFleetFacts(
      {
        configurations: [configuration("db", { phase: "Ready" }), configuration("web", { phase: "Ready" })],
        sessions: [
          session("db", ago(30 * MINUTE), { phase: "Succeeded" }),
          session("web", ago(150 * MINUTE), { phase: "Failed" }),
        ],
        snapshots: [snapshot("db", "repo", ago(29 * MINUTE))],
        repositories: [repository("repo")],
      },
      NOW,
    );
    const clusters: FleetStatus["clusters"] = [
      {
        id: "eu",
        kubectl: "kubectl --context eu",
        elapsedMs: 12,
        reachable: true,
        requests: 4,
        invalidObjects: [],
        ...facts,
      },
      {
        id: "us",
        kubectl: "kubectl --context us",
        elapsedMs: 3,
        reachable: false,
        disabled: false,
        error: "[us] GET /apis: connect ECONNREFUSED",
        errorKind: "UnavailableError",
      },
    ];
    const text = renderFleetTable({ now: facts.now, clusters, summary: fleetSummary(clusters) });
    const lines = text.split("\n");
    expect(lines[0]).toBe(
      "CLUSTER eu · reachable · 2 configurations · 1 overdue · 0 failing · 0 running · 4 requests in 12 ms",
    );
    expect(lines[1]).toMatch(/^CONFIGURATION\s+PHASE\s+SESSION\s+STATE\s+LAST SUCCESS\s+VERIFIED\s+RPO/);
    expect(lines[2]).toMatch(
      /^apps\/db\s+Ready\s+backup\s+ok\s+29m ago\s+-\s+0\.48×\s+0\s+0\s+0\s+-\s+-\s+-\s+repo:1\/1\s+✓$/,
    );
    expect(lines[3]).toMatch(
      /^apps\/web\s+Ready\s+backup\s+overdue\s+never\s+-\s+never!\s+0\s+1\s+0\s+1h30m \(2 missed\)/,
    );
    // The runs, newest right, as the dashboard's strip: web's failure at 10:00, then 11:00 and 12:00 missed.
    expect(lines[1]).toMatch(/\sRUNS$/);
    expect(lines[3]).toMatch(/\s✗○○$/);
    expect(text).toContain(
      "CLUSTER us · UNREACHABLE (UnavailableError): [us] GET /apis: connect ECONNREFUSED · after 3 ms",
    );
    expect(lines.at(-2)).toBe(
      "at 2026-11-26T12:30:00Z: 2 clusters (1 reachable, 1 unreachable) · 2 configurations · 1 overdue · " +
        "0 failing · 1 past their RPO · 0 running · 1 failures and 0 retries in 24 h",
    );
  });
});

describe("the VERIFIED column", () => {
  const verified = (
    verifications: Parameters<typeof clusterFleetFacts>[0]["verificationSessions"],
    names = ["repo"],
  ) => {
    const verifiers = Object.fromEntries(names.map((r) => [r, `verify-${r}`]));
    const facts = clusterFleetFacts(
      {
        configurations: [configuration("db", { phase: "Ready", repositories: names, verifiers })],
        sessions: [],
        snapshots: [],
        repositories: [],
        verifiers: names.filter((r) => r !== "gone").map((r) => verifier(`verify-${r}`)),
        verificationSessions: verifications ?? [],
      },
      NOW,
    );
    const s = facts.configurations[0]?.sessions[0];
    if (!s) throw new Error("one session");
    return verifiedCell(s);
  };
  const failedAt = (due: Date) =>
    verificationSession("db", "repo", due, {
      phase: "Failed",
      conditions: [
        {
          type: "RestoreSucceeded",
          status: "False",
          reason: "FailedToRestoreBackup",
          lastTransitionTime: kube(due),
        },
      ],
      cleanedAt: new Date(due.getTime() + 10 * MINUTE),
    });
  const okAt = (due: Date, repo = "repo") =>
    verificationSession("db", repo, due, { phase: "Succeeded", cleanedAt: new Date(due.getTime() + MINUTE) });

  it.each([
    ["no verification yet", [], "never"],
    ["a success 3 h ago", [okAt(ago(3 * HOUR + MINUTE))], "Succeeded 3h"],
    [
      "a failure 10 min ago after a success 1 d ago",
      [okAt(ago(DAY + MINUTE)), failedAt(ago(20 * MINUTE))],
      "Failed 10m, ok 1d",
    ],
    [
      "running, nothing finished",
      [verificationSession("db", "repo", ago(MINUTE), { phase: "Running" })],
      "Running",
    ],
    [
      "a success and one running",
      [okAt(ago(3 * HOUR + MINUTE)), verificationSession("db", "repo", ago(MINUTE), { phase: "Running" })],
      "Succeeded 3h +running",
    ],
  ])("%s → %s", (_scenario, sessions, text) => {
    expect(verified(sessions)).toBe(text);
  });

  it("names the repositories when a session has several, and says when a verifier is missing", () => {
    expect(verified([okAt(ago(2 * HOUR + MINUTE), "a")], ["a", "gone"])).toBe("a:Succeeded 2h gone:missing");
  });

  it("is - for a session without a verifier, in the table", () => {
    const facts = clusterFleetFacts(
      { configurations: [configuration("db")], sessions: [], snapshots: [], repositories: [] },
      NOW,
    );
    const s = facts.configurations[0]?.sessions[0];
    expect(s && verifiedCell(s)).toBe("-");
  });
});

describe("kss fleet against a registry", () => {
  let dir: string;
  let registry: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "kss-fleet-"));
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
    const run = await runKssInProcess(["fleet", "--registry", registry, "-o", "json", "--timeout", "2000"]);
    expect(run.exitCode).toBe(1);
    const status = JSON.parse(run.stdout) as FleetStatus;
    expect(status.clusters.map((c) => [c.id, c.reachable, !c.reachable && c.disabled])).toEqual([
      ["closed", false, false],
      ["off", false, true],
    ]);
    expect(status.clusters[0]).toMatchObject({
      errorKind: "UnavailableError",
      kubectl: expect.stringContaining("--kubeconfig"),
    });
    expect(status.summary).toMatchObject({ unreachable: 1, disabled: 1 });
  });

  it("exits 0 when the selection leaves only the disabled cluster", async () => {
    const run = await runKssInProcess(["fleet", "--registry", registry, "--cluster", "off"]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("CLUSTER off · disabled");
  });

  it.each([
    { args: ["--cluster", "nope"], error: /unknown cluster id "nope"/ },
    { args: ["--selector", "env"], error: /label selector "env"/ },
    { args: ["--now", "tomorrow"], error: /--now must be an RFC 3339 time/ },
    { args: ["--registry", "/no/such/registry.yaml"], error: /cannot read the cluster registry/ },
  ])("exits 2 for $args", async ({ args, error }) => {
    const run = await runKssInProcess(["fleet", "--registry", registry, ...args]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(error);
  });
});
