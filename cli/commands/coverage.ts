import path from "node:path";
import { type Command, Option } from "commander";
import { z } from "zod";
import { systemClock } from "../../shared/clock.ts";
import { loadRegistryFile, selectClusters } from "../../shared/clusters/registry.ts";
import type { CoverageItem } from "../../shared/decide/coverage/coverage.ts";
import { ClusterClients } from "../../shared/kube/cluster-clients.ts";
import { KssError } from "../../shared/model/errors.ts";
import {
  type CoverageReport,
  type CoverageSummary,
  coverageIncomplete,
  fleetCoverage,
} from "../../shared/usecases/coverage.ts";
import {
  DEFAULT_CLUSTER_TIMEOUT_MS,
  DEFAULT_FLEET_CONCURRENCY,
  fleetTransportOptions,
} from "../../shared/usecases/fleet-status.ts";
import type { CliCommand } from "../command.ts";
import { CliError, ExitCode } from "../context.ts";
import { OutputFormat, outputOption, renderIndented, renderJson, renderTable } from "../output.ts";
import { clusterSelectionOf } from "./apply.ts";
import { optionError } from "./schedule-next.ts";

/**
 * `kss coverage [--clusters all|k=v|id,id] [--registry FILE] [--all] [-o table|json]`: per selected cluster, the
 * namespaces, PersistentVolumeClaims and workloads holding data that no BackupConfiguration covers, and the
 * clusters without any (docs/coverage.md). Exit 0 when everything is covered, 1 when something is uncovered or a
 * cluster could not be read (a pipeline's gate), 2 for usage errors and an unreadable registry.
 */

const CoverageOptions = z.object({
  clusters: z.string().trim().min(1),
  registry: z.string().min(1),
  all: z.boolean().default(false),
  output: OutputFormat,
  timeout: z.coerce.number().int().min(100).max(600_000),
  concurrency: z.coerce.number().int().min(1).max(100),
});

const HEADER = ["CLUSTER", "NAMESPACE", "KIND", "NAME", "WHY"];

/** What the WHY cell says of a state the default table does not list (`--all`). */
const STATE_PREFIX: Record<CoverageItem["state"], string> = {
  uncovered: "",
  "covered-paused": "",
  covered: "covered: ",
  excluded: "excluded: ",
  "no-data": "no data: ",
};

/** The items the table lists: uncovered and covered (paused) ones; with `all`, every item. */
export function listedItems(items: readonly CoverageItem[], all = false): CoverageItem[] {
  return all ? [...items] : items.filter((i) => i.state === "uncovered" || i.state === "covered-paused");
}

function itemRow(cluster: string, item: CoverageItem): string[] {
  return [
    cluster,
    item.namespace || "-",
    item.kind,
    item.name || "-",
    `${STATE_PREFIX[item.state]}${item.why}`,
  ];
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The summary line: clusters read, what is uncovered by kind, covered (paused), excluded. */
export function coverageSummaryLine(at: string, s: CoverageSummary): string {
  const clusters =
    `${plural(s.clusters, "cluster")} (${s.reachable} reachable, ${s.unreachable} unreachable` +
    `${s.disabled > 0 ? `, ${s.disabled} disabled` : ""})`;
  const kinds = [
    ...(s.clustersWithoutConfiguration > 0
      ? [
          plural(
            s.clustersWithoutConfiguration,
            "cluster without BackupConfiguration",
            "clusters without BackupConfiguration",
          ),
        ]
      : []),
    ...(s.namespacesUncovered > 0 ? [plural(s.namespacesUncovered, "namespace")] : []),
    ...(s.workloadsUncovered > 0 ? [plural(s.workloadsUncovered, "workload")] : []),
    ...(s.persistentVolumeClaimsUncovered > 0 ? [plural(s.persistentVolumeClaimsUncovered, "PVC")] : []),
  ];
  const uncovered =
    s.uncovered === 0 ? "nothing uncovered" : `${s.uncovered} uncovered (${kinds.join(", ")})`;
  const covered = `${s.covered + s.coveredPaused} covered${s.coveredPaused > 0 ? ` (${s.coveredPaused} paused)` : ""}`;
  return `at ${at}: ${clusters} · ${uncovered} · ${covered} · ${s.excluded} excluded\n`;
}

export function renderCoverageTable(report: CoverageReport, options: { all?: boolean } = {}): string {
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const cluster of report.clusters) {
    if (!cluster.reachable) {
      const what = cluster.disabled ? "disabled" : `UNREACHABLE (${cluster.errorKind})`;
      rows.push([cluster.id, "-", "Cluster", "-", `${what}: ${cluster.error}`]);
      continue;
    }
    for (const item of listedItems(cluster.items, options.all)) rows.push(itemRow(cluster.id, item));
    for (const o of cluster.invalidObjects)
      notes.push(
        `${cluster.id}: invalid ${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name} (left out): ${o.error}`,
      );
  }
  const table =
    rows.length > 0 ? renderTable(rows, { header: HEADER }) : "no uncovered namespace, PVC or workload\n";
  return `${table}${renderIndented(notes)}${coverageSummaryLine(report.at, report.summary)}`;
}

const HELP = `
Covered: a PVC that a BackupConfiguration targets, or that a targeted workload mounts (a StatefulSet's
claims <template>-<sts>-<n> for n below its replicas); a workload that one targets; a namespace whose PVCs
and workloads holding data are all covered. A paused configuration still covers: "covered (paused)".
Left out: kube-system and the other system namespaces, the registry entry's coverage.excludeNamespaces,
and objects labelled serverless.kubestash.com/backup: "false". See docs/coverage.md.

Exit status: 0 everything covered, 1 something uncovered or a cluster unreachable, 2 usage or registry error.`;

export const coverageCommand: CliCommand = {
  path: ["coverage"],
  summary: "list the namespaces, PVCs and workloads no BackupConfiguration covers (exit 1 when any)",
  configure(command: Command) {
    command
      .option("--clusters <clusters>", "all, a label selector (env=prod,tier=gold) or ids (a,b)", "all")
      .option(
        "--registry <file>",
        "cluster registry file",
        process.env.KSS_CLUSTER_REGISTRY ?? "clusters.yaml",
      )
      .option("--all", "list every item (covered, excluded, without data), not only the uncovered and paused")
      .addOption(outputOption())
      .addOption(
        new Option("--timeout <ms>", "time each cluster has to answer").default(
          String(DEFAULT_CLUSTER_TIMEOUT_MS),
        ),
      )
      .addOption(
        new Option("--concurrency <n>", "clusters read at once").default(String(DEFAULT_FLEET_CONCURRENCY)),
      )
      .addHelpText("after", HELP);
  },
  async run({ options }, context) {
    const parsed = CoverageOptions.safeParse(options);
    if (!parsed.success) throw optionError(parsed.error);
    const o = parsed.data;
    const selection = clusterSelectionOf(o.clusters);
    const registryFile = path.resolve(context.cwd, o.registry);
    let clients: ClusterClients | undefined;
    let report: CoverageReport;
    try {
      const registry = await loadRegistryFile(registryFile);
      if (selectClusters(registry, selection).length === 0)
        throw new CliError(`no cluster of ${registryFile} matches --clusters ${o.clusters}`);
      clients = new ClusterClients(registry, { transport: fleetTransportOptions(o.timeout) });
      report = await fleetCoverage(
        { clusters: clients, clusterTimeoutMs: o.timeout, concurrency: o.concurrency },
        selection,
        systemClock.now(),
      );
    } catch (error) {
      if (error instanceof KssError && !(error instanceof CliError))
        throw new CliError(error.message, ExitCode.Usage, { cause: error });
      throw error;
    } finally {
      await clients?.close({ force: true });
    }
    context.writeOut(o.output === "json" ? renderJson(report) : renderCoverageTable(report, { all: o.all }));
    return coverageIncomplete(report) ? ExitCode.Invalid : ExitCode.Ok;
  },
};
