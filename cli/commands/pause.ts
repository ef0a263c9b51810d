import path from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { systemClock } from "../../shared/clock.ts";
import {
  type ClusterRegistry,
  loadRegistryFile,
  type RegisteredCluster,
  selectClusters,
} from "../../shared/clusters/registry.ts";
import {
  type PauseAction,
  type PauseRecord,
  parseConfigurationSelector,
  pauseRequestIssues,
} from "../../shared/decide/configuration/pause-plan.ts";
import { ClusterClients } from "../../shared/kube/cluster-clients.ts";
import { KssError } from "../../shared/model/errors.ts";
import {
  type ConfigurationPauseReport,
  type PauseConfigurationsReport,
  pauseConfigurations,
} from "../../shared/usecases/pause-configurations.ts";
import type { CliCommand } from "../command.ts";
import { type CliContext, CliError, ExitCode } from "../context.ts";
import { OutputFormat, outputOption, renderJson, renderTable } from "../output.ts";
import { clusterSelectionOf } from "./apply.ts";
import { optionError } from "./schedule-next.ts";

/**
 * `kss pause|resume --clusters SEL [-n NS] [--selector k=v] --reason TEXT [--by NAME] [--dry-run]`: sets
 * `spec.paused` on the matching BackupConfigurations of every selected cluster, with who, why and when
 * recorded in annotations (docs/pause.md), through shared/usecases/pause-configurations.ts. Exit 0 when every
 * selected cluster was done (disabled ones are skipped), 1 when a cluster or a configuration failed, 2 usage
 * (no reason to pause, nobody to record, a bad selector), an unreadable registry or an unknown cluster.
 */

const PauseOptions = z.object({
  clusters: z.string().trim().min(1),
  registry: z.string().min(1),
  namespace: z.string().trim().min(1).optional(),
  selector: z.string().trim().min(1).optional(),
  reason: z.string().optional(),
  by: z.string().optional(),
  dryRun: z.boolean().default(false),
  parallel: z.coerce.number().int().min(1).max(64),
  output: OutputFormat,
});

/**
 * Who is recorded (docs/pause.md#who): `--by`, else the environment's `KSS_USER`, else `USER`; an empty value
 * counts as none. Undefined when none says.
 */
export function whoIs(
  by: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  for (const candidate of [by, env.KSS_USER, env.USER]) {
    const name = candidate?.trim();
    if (name) return name;
  }
  return undefined;
}

function recordText(record: PauseRecord | undefined): string {
  if (record === undefined) return "";
  const by = record.by ? ` by ${record.by}` : "";
  const at = record.at ? ` at ${record.at}` : "";
  return `${by}${at}${record.reason ? `: ${record.reason}` : ""}`;
}

const SELECTOR_MISMATCH = "labels do not match --selector";

/** The RESULT cell of one configuration. */
export function resultText(row: ConfigurationPauseReport, dryRun: boolean): string {
  switch (row.result) {
    case "paused":
      return dryRun ? "would pause" : "paused";
    case "resumed": {
      // Paused without kss (kubectl, a GitOps tool): said so, as the pause kss did not see (docs/pause.md#the-record).
      const was = row.record ? ` (paused${recordText(row.record)})` : " (was paused without a kss record)";
      return `${dryRun ? "would resume" : "resumed"}${was}`;
    }
    case "already-paused":
      return row.record
        ? `already paused${recordText(row.record)}`
        : "already paused (no record: not by kss)";
    case "not-paused":
      return "not paused";
    case "skipped":
      return `skipped: ${row.why ?? ""}`;
    case "failed":
      return `error: ${row.error ?? ""}`;
  }
}

/**
 * CLUSTER, NAMESPACE, CONFIGURATION, RESULT per configuration (those skipped because their labels do not match
 * --selector only counted), a row per cluster that failed or was skipped, then the summary line.
 */
export function renderPauseTable(report: PauseConfigurationsReport): string {
  const rows: string[][] = [];
  for (const cluster of report.clusters) {
    if (cluster.status === "skipped")
      rows.push([cluster.clusterId, "-", "-", `skipped: ${cluster.error ?? ""}`]);
    const shown = cluster.configurations.filter(
      (c) => !(c.result === "skipped" && c.why === SELECTOR_MISMATCH),
    );
    for (const c of shown) rows.push([cluster.clusterId, c.namespace, c.name, resultText(c, report.dryRun)]);
    if (cluster.status === "failed")
      rows.push([cluster.clusterId, "-", "-", `error: ${cluster.error ?? ""}`]);
    else if (cluster.status === "done" && shown.length === 0)
      rows.push([cluster.clusterId, "-", "-", "no configuration in scope"]);
  }
  const table = renderTable(rows, { header: ["CLUSTER", "NAMESPACE", "CONFIGURATION", "RESULT"] });
  return `${table}\n${summaryLine(report)}\n`;
}

export function summaryLine(report: PauseConfigurationsReport): string {
  const s = report.summary;
  const done = report.action === "pause" ? `${s.paused} paused` : `${s.resumed} resumed`;
  const counts = [
    done,
    `${s.alreadyPaused} already paused`,
    `${s.notPaused} not paused`,
    `${s.skipped} skipped`,
    `${s.failed} failed`,
  ].join(", ");
  const clusters =
    `${s.clusters} clusters` +
    (s.clustersFailed > 0 ? ` (${s.clustersFailed} failed)` : "") +
    (s.clustersSkipped > 0 ? ` (${s.clustersSkipped} disabled)` : "");
  const why = report.reason ? ` · reason: ${report.reason}` : "";
  const dry = report.dryRun ? "dry run, nothing stored: " : "";
  return `${dry}${counts} · ${clusters} · by ${report.by} at ${report.at}${why}`;
}

async function chooseClusters(registryFile: string, spec: string): Promise<RegisteredCluster[]> {
  let registry: ClusterRegistry;
  let chosen: RegisteredCluster[];
  try {
    registry = await loadRegistryFile(registryFile);
    chosen = selectClusters(registry, clusterSelectionOf(spec));
  } catch (error) {
    if (error instanceof KssError && !(error instanceof CliError))
      throw new CliError(error.message, ExitCode.Usage, { cause: error });
    throw error;
  }
  if (chosen.length === 0) throw new CliError(`no cluster of ${registryFile} matches --clusters ${spec}`);
  return chosen;
}

const HELP = (action: PauseAction) => `
--selector selects BackupConfigurations by their labels (k=v, k!=v, k, !k, comma-separated: all must
hold); --clusters selects clusters of the registry (all, a label selector of the registry's labels, or ids).
${
  action === "pause"
    ? `A configuration paused already keeps the record of its first pause (reported, never overwritten).
--reason is required.`
    : `Times missed while paused are never made up: the first session after resuming is for the first scheduled
time after the functions' next tick (docs/decisions.md#resume-after-pause). --reason is optional.`
}
Who is recorded: --by, else $KSS_USER, else $USER. Each configuration is one merge patch (spec.paused and the
record together) with its resourceVersion as precondition; a Conflict reads it again and plans again.

Identity: kss writes with the credentials the registry names (point --registry at a registry of YOUR
identity): it needs get, list and patch on backupconfigurations.core.kubestash.com (docs/pause.md#rbac);
the functions' ClusterRole cannot patch them, so with the functions' registry every write is Forbidden.

Exit status: 0 every selected cluster done (disabled ones skipped), 1 a cluster or a configuration failed,
2 usage, unreadable registry, unknown cluster.`;

function pauseOrResume(action: PauseAction): CliCommand {
  return {
    path: [action],
    summary:
      action === "pause"
        ? "pause BackupConfigurations across clusters (spec.paused), recording who, why and when"
        : "resume paused BackupConfigurations across clusters; missed times are not made up",
    configure(command: Command): void {
      command
        .requiredOption("--clusters <clusters>", "all, a label selector (env=prod,tier=gold) or ids (a,b)")
        .option(
          "--registry <file>",
          "cluster registry file",
          process.env.KSS_CLUSTER_REGISTRY ?? "clusters.yaml",
        )
        .option("-n, --namespace <namespace>", "only this namespace (default: every namespace)")
        .option("--selector <k=v>", "only configurations whose labels match (k=v,k2!=v2,k3,!k4)")
        .option(
          "--reason <text>",
          action === "pause" ? "why (required; recorded and shown)" : "why (optional; recorded)",
        )
        .option("--by <name>", "who is recorded (default: $KSS_USER, else $USER)")
        .option("--dry-run", "the API server's dry run of every patch (dryRun=All): report, change nothing")
        .option("--parallel <n>", "clusters worked on at once", "4")
        .addOption(outputOption())
        .addHelpText("after", HELP(action));
    },
    async run({ options }, context: CliContext) {
      const parsed = PauseOptions.safeParse(options);
      if (!parsed.success) throw optionError(parsed.error);
      const o = parsed.data;
      clusterSelectionOf(o.clusters);
      const by = whoIs(o.by, process.env) ?? "";
      const issues = pauseRequestIssues({
        action,
        by,
        ...(o.reason !== undefined ? { reason: o.reason } : {}),
      });
      if (issues.length > 0) throw new CliError(issues.map((i) => `${i.path} ${i.message}`).join("; "));
      if (o.selector !== undefined) {
        try {
          parseConfigurationSelector(o.selector);
        } catch (error) {
          if (error instanceof KssError) throw new CliError(error.message, ExitCode.Usage, { cause: error });
          throw error;
        }
      }
      const clusters = await chooseClusters(path.resolve(context.cwd, o.registry), o.clusters);
      const clients = new ClusterClients({ clusters }, { transport: { maxAttempts: 2, timeoutMs: 10_000 } });
      let report: PauseConfigurationsReport;
      try {
        report = await pauseConfigurations({ clients, concurrency: o.parallel }, clusters, {
          action,
          by,
          ...(o.reason !== undefined ? { reason: o.reason } : {}),
          now: systemClock.now(),
          scope: {
            ...(o.namespace ? { namespace: o.namespace } : {}),
            ...(o.selector ? { selector: o.selector } : {}),
          },
          dryRun: o.dryRun,
        });
      } finally {
        await clients.close({ force: true });
      }
      context.writeOut(o.output === "json" ? renderJson(report) : renderPauseTable(report));
      return report.ok ? ExitCode.Ok : ExitCode.Invalid;
    },
  };
}

export const pauseCommand: CliCommand = pauseOrResume("pause");
export const resumeCommand: CliCommand = pauseOrResume("resume");
