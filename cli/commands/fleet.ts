import path from "node:path";
import { type Command, Option } from "commander";
import { z } from "zod";
import { systemClock } from "../../shared/clock.ts";
import { loadRegistryFile } from "../../shared/clusters/registry.ts";
import type {
  ClusterOperatorFact,
  ConfigurationFleetFacts,
  SessionFleetFacts,
} from "../../shared/decide/fleet/fleet.ts";
import type { RunCellKind } from "../../shared/decide/fleet/run-history.ts";
import type { RepositoryVerificationView } from "../../shared/decide/fleet/verification-view.ts";
import { spanText } from "../../shared/decide/rpo/rpo-risk.ts";
import { ClusterClients } from "../../shared/kube/cluster-clients.ts";
import { KssError } from "../../shared/model/errors.ts";
import {
  DEFAULT_CLUSTER_TIMEOUT_MS,
  DEFAULT_FLEET_CONCURRENCY,
  type FleetStatus,
  fleetStatus,
  fleetTransportOptions,
  needsAttention,
  type ReachableCluster,
} from "../../shared/usecases/fleet-status.ts";
import type { CliCommand } from "../command.ts";
import { CliError, ExitCode } from "../context.ts";
import { OutputFormat, outputOption, renderIndented, renderJson, renderTable } from "../output.ts";
import { optionError, TimeOption } from "./schedule-next.ts";

/**
 * `kss fleet [--registry FILE] [--cluster ID…|--selector k=v] [--output table|json] [--now TIME]`: every
 * selected cluster's BackupConfigurations and sessions — phase, last success and its age, the last verified
 * restore (docs/verification.md#visibility), RPO, running sessions, failures and retries in the last 24 h,
 * overdue schedules, Snapshots per repository, retention last applied, the RPO risk of sessions with an RPO
 * target (docs/rpo.md#where-it-shows). Exit 0 when all is well, 1 when a schedule is overdue, a cluster is
 * unreachable or a session's RPO risk is at its alarm level (to gate a pipeline or an alarm), 2 for usage
 * errors and an unreadable registry.
 */

const FleetOptions = z.object({
  registry: z.string().min(1),
  cluster: z.array(z.string().min(1)).optional(),
  selector: z.string().min(1).optional(),
  output: OutputFormat,
  now: TimeOption.optional(),
  timeout: z.coerce.number().int().min(100).max(600_000),
  concurrency: z.coerce.number().int().min(1).max(100),
});

const collect = (value: string, previous: string[] | undefined) => [
  ...(previous ?? []),
  ...value.split(",").map((v) => v.trim()),
];

/** "45s", "12m", "3h20m", "2d5h": kubectl-like, at most two units (the RPO rating's own words). */
export function formatAge(seconds: number): string {
  return spanText(Math.max(0, seconds) * 1000);
}

/**
 * One repository's last verification: `Succeeded 3h`, `Failed 10m` (with `, ok 1d` when an older restore
 * was verified), `Skipped 2h`, `Running`, `never`, `missing` (the verifier does not exist); a running one
 * beside a result adds `+running`.
 */
export function verificationText(view: RepositoryVerificationView): string {
  const last = view.lastVerification;
  let text: string;
  if (last === undefined) text = view.running ? "Running" : view.verifierMissing ? "missing" : "never";
  else {
    text = `${last.phase}${last.ageSeconds === undefined ? "" : ` ${formatAge(last.ageSeconds)}`}`;
    if (last.phase !== "Succeeded" && view.lastVerified)
      text += `, ok ${formatAge(view.lastVerified.ageSeconds)}`;
    if (view.running) text += " +running";
    if (view.verifierMissing) text += " (verifier missing)";
  }
  return text;
}

/** The VERIFIED cell: `-` without a verifier; the repository named when the session has several. */
export function verifiedCell(s: SessionFleetFacts): string {
  const views = s.verifications ?? [];
  if (views.length === 0) return "-";
  if (views.length === 1 && views[0]) return verificationText(views[0]);
  return views.map((v) => `${v.repository}:${verificationText(v)}`).join(" ");
}

/**
 * The RPO cell: with an RPO target, its risk level and the time left (`2 12h left`) or past (`4 -3h`;
 * docs/rpo.md#where-it-shows); without one, the time since the last success against the schedule interval.
 */
export function rpoCell(s: SessionFleetFacts): string {
  const risk = s.rpoRisk;
  if (risk) {
    const left = risk.timeLeftSeconds;
    return `${risk.level} ${left >= 0 ? `${formatAge(left)} left` : `-${formatAge(-left)}`}${risk.atRisk ? "!" : ""}`;
  }
  const rpo = s.rpo?.ratio === undefined ? (s.rpo?.breached ? "never!" : "-") : `${s.rpo.ratio}×`;
  return `${rpo}${s.rpo?.breached && s.rpo.ratio !== undefined ? "!" : ""}`;
}

/** Lines under a cluster's table: RPO annotations that cannot be read, each session at RPO risk and why. */
export function rpoLines(configurations: readonly ConfigurationFleetFacts[]): string[] {
  return configurations.flatMap((c) => [
    ...(c.rpoErrors ?? []).map((e) => `RPO target of ${c.namespace}/${c.name}: ${e}`),
    ...c.sessions.flatMap((s) =>
      s.rpoRisk && s.rpoRisk.level > 1
        ? [`RPO ${s.rpoRisk.level} ${c.namespace}/${c.name} ${s.session}: ${s.rpoRisk.reason}`]
        : [],
    ),
  ]);
}

function sessionCells(s: SessionFleetFacts): string[] {
  return [
    s.session,
    s.state,
    s.lastSuccess ? `${formatAge(s.lastSuccess.ageSeconds)} ago` : "never",
    verifiedCell(s),
    rpoCell(s),
    String(s.running.length),
    String(s.failures24h),
    String(s.retries24h),
    s.overdue ? `${formatAge(s.overdue.overdueSeconds)} (${s.overdue.missedRuns} missed)` : "-",
    s.missed ? `${s.missed.total} (last ${s.missed.newest})` : "-",
    s.retention
      ? `${[...new Set(s.retention.policies.map((p) => p.phase ?? "?"))].join(",")} ${s.retention.time}`
      : "-",
  ];
}

/** One glyph per run, as the dashboard's strip (newest right): the last {@link RUN_GLYPHS_SHOWN} runs. */
const RUN_GLYPH: Record<RunCellKind, string> = {
  succeeded: "✓",
  failed: "✗",
  retried: "↻",
  skipped: "-",
  running: "▶",
  missed: "○",
};
const RUN_GLYPHS_SHOWN = 10;

export function runsCell(s: SessionFleetFacts): string {
  return (
    s.runs.cells
      .slice(-RUN_GLYPHS_SHOWN)
      .map((c) => RUN_GLYPH[c.kind])
      .join("") || "-"
  );
}

function snapshotCell(config: ConfigurationFleetFacts): string {
  const cells = config.repositories.map(
    (r) => `${r.name}:${r.snapshots.succeeded}/${r.snapshots.total}${r.found ? "" : "(missing)"}`,
  );
  return cells.join(" ") || "-";
}

const HEADER = [
  "CONFIGURATION",
  "PHASE",
  "SESSION",
  "STATE",
  "LAST SUCCESS",
  "VERIFIED",
  "RPO",
  "RUNNING",
  "FAILED/24H",
  "RETRIES/24H",
  "OVERDUE",
  "MISSED",
  "RETENTION",
  "SNAPSHOTS (ok/all)",
  "RUNS",
];

function clusterTable(cluster: ReachableCluster): string {
  const rows = cluster.configurations.flatMap((config) => {
    const name = `${config.namespace}/${config.name}${config.paused ? " (paused)" : ""}`;
    const sessions = config.sessions.length > 0 ? config.sessions : undefined;
    if (!sessions)
      return [
        [name, config.phase, "-", config.state, "", "", "", "", "", "", "", "", "", snapshotCell(config), ""],
      ];
    return sessions.map((s) => [name, config.phase, ...sessionCells(s), snapshotCell(config), runsCell(s)]);
  });
  const table = rows.length > 0 ? renderTable(rows, { header: HEADER }) : "  no BackupConfigurations\n";
  const invalid = cluster.invalidObjects.map(
    (o) => `invalid ${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}: ${o.error}`,
  );
  // docs/pause.md#the-fleet-view: who paused a configuration, when and why.
  const paused = cluster.configurations.flatMap(({ namespace, name, pause: p }) => {
    const text = `${p?.by ? ` by ${p.by}` : ""}${p?.at ? ` at ${p.at}` : ""}${p?.reason ? `: ${p.reason}` : ""}`;
    return p ? [`paused ${namespace}/${name}${text}`] : [];
  });
  return table + renderIndented([...paused, ...invalid, ...rpoLines(cluster.configurations)]);
}

/** How a cluster held by the KubeStash operator's footprint is named (docs/migration.md#the-fleet-view). */
export function operatorLabel(operator: ClusterOperatorFact): string {
  return operator.state === "present"
    ? "KubeStash operator present"
    : "LEFTOVER KUBESTASH WEBHOOK (every BackupSession write rejected)";
}

export function renderFleetTable(status: FleetStatus): string {
  const blocks = status.clusters.map((cluster) => {
    const title = `CLUSTER ${cluster.id}${cluster.displayName ? ` (${cluster.displayName})` : ""}`;
    if (!cluster.reachable) {
      const what = cluster.disabled ? "disabled" : `UNREACHABLE (${cluster.errorKind})`;
      return `${title} · ${what}: ${cluster.error} · after ${cluster.elapsedMs} ms\n`;
    }
    const t = cluster.totals;
    const facts = `${t.configurations} configurations · ${t.overdue} overdue · ${t.failing} failing · ${t.running} running`;
    const cost = `${cluster.requests} requests in ${cluster.elapsedMs} ms`;
    const operator = cluster.operator
      ? [
          ` · ${operatorLabel(cluster.operator)} since ${cluster.operator.since}`,
          `  ${cluster.operator.message}\n`,
        ]
      : ["", ""];
    return `${title} · reachable${operator[0]} · ${facts} · ${cost}\n${operator[1]}${clusterTable(cluster)}`;
  });
  const s = status.summary;
  const summary =
    `at ${status.now}: ${s.clusters} clusters (${s.reachable} reachable, ${s.unreachable} unreachable` +
    `${s.disabled > 0 ? `, ${s.disabled} disabled` : ""}) · ${s.configurations} configurations · ` +
    `${s.overdue} overdue · ${s.failing} failing · ${s.rpoBreached} past their RPO · ${s.running} running · ` +
    `${s.failures24h} failures and ${s.retries24h} retries in 24 h` +
    `${s.rpoAtRisk > 0 ? ` · ${s.rpoAtRisk} at RPO risk` : ""}` +
    `${s.verificationsFailed > 0 ? ` · ${s.verificationsFailed} verified restores failed` : ""}` +
    `${s.operatorPresent > 0 ? ` · ${s.operatorPresent} with the KubeStash operator present` : ""}` +
    `${s.leftoverWebhook > 0 ? ` · ${s.leftoverWebhook} with a leftover KubeStash webhook` : ""}\n`;
  return `${blocks.join("\n")}\n${summary}`;
}

export const fleetCommand: CliCommand = {
  path: ["fleet"],
  summary:
    "show every cluster's backups: last success, RPO, running, failed, overdue (exit 1 when overdue/unreachable)",
  configure(command: Command) {
    command
      .option(
        "--registry <file>",
        "cluster registry file",
        process.env.KSS_CLUSTER_REGISTRY ?? "clusters.yaml",
      )
      .option("--cluster <id>", "only this cluster (repeat or comma-separate for several)", collect)
      .option("--selector <k=v>", "only clusters whose registry labels match (k=v,k2=v2)")
      .addOption(outputOption())
      .option("--now <time>", "evaluate as if it were this time (RFC 3339); default: the current time")
      .addOption(
        new Option("--timeout <ms>", "time each cluster has to answer").default(
          String(DEFAULT_CLUSTER_TIMEOUT_MS),
        ),
      )
      .addOption(
        new Option("--concurrency <n>", "clusters read at once").default(String(DEFAULT_FLEET_CONCURRENCY)),
      )
      .addHelpText(
        "after",
        "\nExit status: 0 all well, 1 a schedule is overdue, a cluster is unreachable, a leftover KubeStash webhook" +
          " blocks its sessions or a session's RPO risk is at its alarm level, 2 usage or registry error." +
          "\nRPO: with an RPO target (docs/rpo.md) the risk level 1-5 and the time left (2 12h left) or past (4 -3h).",
      );
  },
  async run({ options }, context) {
    const parsed = FleetOptions.safeParse(options);
    if (!parsed.success) throw optionError(parsed.error);
    const o = parsed.data;
    let clients: ClusterClients | undefined;
    let status: FleetStatus;
    try {
      const registry = await loadRegistryFile(path.resolve(context.cwd, o.registry));
      clients = new ClusterClients(registry, { transport: fleetTransportOptions(o.timeout) });
      status = await fleetStatus(
        { clusters: clients, clusterTimeoutMs: o.timeout, concurrency: o.concurrency },
        { ...(o.cluster ? { ids: o.cluster } : {}), ...(o.selector ? { selector: o.selector } : {}) },
        o.now ?? systemClock.now(),
      );
    } catch (error) {
      if (error instanceof KssError) throw new CliError(error.message, ExitCode.Usage, { cause: error });
      throw error;
    } finally {
      await clients?.close({ force: true });
    }
    context.writeOut(o.output === "json" ? renderJson(status) : renderFleetTable(status));
    return needsAttention(status) ? ExitCode.Invalid : ExitCode.Ok;
  },
};
