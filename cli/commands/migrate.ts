import path from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { systemClock } from "../../shared/clock.ts";
import { loadRegistryFile } from "../../shared/clusters/registry.ts";
import { ClusterClients } from "../../shared/kube/cluster-clients.ts";
import { KssError } from "../../shared/model/errors.ts";
import {
  type MigrationReport,
  migrateFromOperator,
  type ReportedStep,
} from "../../shared/usecases/migrate-operator.ts";
import type { CliCommand } from "../command.ts";
import { CliError, ExitCode } from "../context.ts";
import { OutputFormat, outputOption, renderIndented, renderJson, renderTable } from "../output.ts";
import { optionError } from "./schedule-next.ts";

/**
 * `kss migrate --cluster ID [--dry-run]`: what a KubeStash user runs after uninstalling the operator
 * (docs/migration.md#what-kss-migrate-does). Refuses while the operator still runs; otherwise removes what it
 * left (webhook configurations whose server is gone, trigger CronJobs, their ServiceAccounts and RoleBindings,
 * the per-session RoleBindings, its ClusterRoles), adopts its BackupSessions and Snapshots, and prints each step
 * with what happened (`--dry-run`: what would). Writes with the registry's identity (a person's). Exit 0 done
 * (or nothing to do); 1 refused or a step failed; 2 usage, registry or cluster error.
 */

const MigrateOptions = z.object({
  cluster: z.string().min(1),
  registry: z.string().min(1),
  dryRun: z.boolean().default(false),
  output: OutputFormat,
});

const RESULT_TEXT: Record<ReportedStep["result"], string> = {
  done: "done",
  "already-done": "already done",
  planned: "would do",
  failed: "FAILED",
};

function objectName(step: ReportedStep): string {
  return `${step.kind} ${step.namespace ? `${step.namespace}/` : ""}${step.name}`;
}

export function renderMigration(report: MigrationReport): string {
  const title = `kss migrate on ${report.clusterId}${report.dryRun ? " (dry run: nothing changed)" : ""}\n`;
  if (report.steps.length === 0) {
    return `${title}nothing to do: no leftovers of the KubeStash operator, every session and Snapshot adopted\n`;
  }
  const rows = report.steps.map((s) => [
    s.action,
    objectName(s),
    s.result === "failed" ? `${RESULT_TEXT[s.result]}: ${s.error ?? ""}` : RESULT_TEXT[s.result],
    s.why,
  ]);
  const kept = report.keptWebhookConfigurations.map((k) => `left alone: ${k.kind} ${k.name} (${k.why})`);
  const count = (action: ReportedStep["action"]) => report.steps.filter((s) => s.action === action).length;
  const summary =
    `${count("delete")} leftovers ${report.dryRun ? "to remove" : "removed"}, ` +
    `${count("adopt")} objects ${report.dryRun ? "to adopt" : "adopted"} ` +
    `(${report.steps.filter((s) => s.action === "adopt" && s.unfinished).length} unfinished sessions the functions drive), ` +
    `${count("clear-condition")} configurations handed over` +
    `${report.steps.some((s) => s.result === "failed") ? "; some steps FAILED: run again" : ""}\n`;
  return (
    title +
    renderTable(rows, { header: ["ACTION", "OBJECT", "RESULT", "WHY"] }) +
    renderIndented(kept) +
    summary
  );
}

async function runMigration(
  registryFile: string,
  clusterId: string,
  dryRun: boolean,
): Promise<MigrationReport> {
  const registry = await loadRegistryFile(registryFile);
  const clusters = new ClusterClients(registry, { transport: { maxAttempts: 2 } });
  try {
    return await migrateFromOperator(await clusters.client(clusterId), systemClock.now(), { dryRun });
  } finally {
    await clusters.close();
  }
}

export const migrateCommand: CliCommand = {
  path: ["migrate"],
  summary:
    "after uninstalling the KubeStash operator: remove its leftovers and adopt its sessions (--dry-run)",
  configure(command: Command) {
    command
      .requiredOption("--cluster <id>", "cluster id from the registry")
      .option("--dry-run", "print what would be done, change nothing")
      .option(
        "--registry <file>",
        "cluster registry file",
        process.env.KSS_CLUSTER_REGISTRY ?? "clusters.yaml",
      )
      .addOption(outputOption())
      .addHelpText(
        "after",
        "\nExit status: 0 done or nothing to do, 1 refused (the operator still runs) or a step failed, 2 usage or cluster error.",
      );
  },
  async run({ options }, context) {
    const parsed = MigrateOptions.safeParse(options);
    if (!parsed.success) throw optionError(parsed.error);
    const o = parsed.data;
    let report: MigrationReport;
    try {
      report = await runMigration(path.resolve(context.cwd, o.registry), o.cluster, o.dryRun);
    } catch (error) {
      if (error instanceof KssError) throw new CliError(error.message, ExitCode.Usage, { cause: error });
      throw error;
    }
    if (report.refused) {
      if (o.output === "json") context.writeOut(renderJson(report));
      throw new CliError(`kss migrate refused: ${report.refused}`, ExitCode.Invalid);
    }
    context.writeOut(o.output === "json" ? renderJson(report) : renderMigration(report));
    return report.steps.some((s) => s.result === "failed") ? ExitCode.Invalid : ExitCode.Ok;
  },
};
