import path from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import {
  type ClusterRegistry,
  type ClusterSelection,
  loadRegistryFile,
  type RegisteredCluster,
  selectClusters,
} from "../../shared/clusters/registry.ts";
import { isRecord } from "../../shared/decide/manifests/manifest-references.ts";
import { ClusterClients } from "../../shared/kube/cluster-clients.ts";
import { KssError } from "../../shared/model/errors.ts";
import {
  type ApplyManifestsReport,
  type ApplyTarget,
  applyManifests,
  applyTargetOf,
  FIELD_MANAGER,
} from "../../shared/usecases/apply-manifests.ts";
import type { CliCommand } from "../command.ts";
import { type CliContext, CliError, ExitCode, InputError } from "../context.ts";
import { readInputText } from "../input.ts";
import { type ManifestEntry, parseManifestText } from "../manifest-file.ts";
import { OutputFormat, outputOption, renderJson } from "../output.ts";
import { renderApplyTable } from "./apply-output.ts";
import { optionError } from "./schedule-next.ts";
import {
  checkInputSize,
  renderValidationTable,
  type ValidationResult,
  validateManifestEntries,
} from "./validate.ts";

/**
 * `kss apply -f <file|-> --clusters <selector|all|id,id>`: rolls BackupConfigurations, RetentionPolicies,
 * BackupStorages and Repositories out to many clusters with server-side apply (shared/usecases/
 * apply-manifests.ts). The file is validated first: any invalid object (or another kind) and nothing is
 * applied. Exit 0 all applied; 1 invalid file, a cluster failed, or an object failed, conflicted or drifted;
 * 2 usage, unreadable input or registry, unknown cluster.
 */

const ApplyOptions = z.object({
  file: z.string().min(1),
  clusters: z.string().trim().min(1),
  registry: z.string().min(1),
  namespace: z.string().min(1),
  dryRun: z.boolean().default(false),
  parallel: z.coerce.number().int().min(1).max(64),
  output: OutputFormat,
});

/** `all` → every cluster; `k=v[,k2=v2]` → a label selector; otherwise a comma-separated list of ids. */
export function clusterSelectionOf(spec: string): ClusterSelection {
  const text = spec.trim();
  if (text === "all") return {};
  if (text.includes("=")) return { selector: text };
  const ids = text
    .split(",")
    .map((id) => id.trim())
    .filter((id) => id !== "");
  if (ids.length === 0) throw new CliError(`--clusters "${spec}" names no cluster`);
  return { ids };
}

/** Validates the file's objects and turns them into apply targets; an object of another kind is invalid. */
export function planApply(
  entries: readonly ManifestEntry[],
  defaultNamespace: string,
): { validation: ValidationResult; targets: ApplyTarget[] } {
  const validation = validateManifestEntries(entries);
  const targets: ApplyTarget[] = [];
  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    const report = validation.objects[index];
    if (report === undefined || !("object" in entry) || !isRecord(entry.object)) return;
    const planned = applyTargetOf(entry.object, defaultNamespace);
    if ("issue" in planned) {
      // Another kind: our message replaces the validator's (which lists every kind it knows).
      const errors = [
        ...report.errors.filter((e) => e.path !== "kind"),
        // kss apply's own rule (the server would take the kind): not the API server's verdict.
        { ...planned.issue, kind: "semantic" as const },
      ];
      // Judged now, by kss apply's rule, even where kss validate does not judge the kind.
      validation.objects[index] = { ...report, valid: false, checked: true, errors };
      return;
    }
    if (!report.valid) return;
    const key = `${planned.target.kind}/${planned.target.namespace}/${planned.target.name}`;
    const first = seen.get(key);
    if (first !== undefined) {
      const message = `the same object as document ${validation.objects[first]?.document ?? "?"}`;
      const errors = [{ path: "metadata.name", message, kind: "semantic" as const }];
      validation.objects[index] = { ...report, valid: false, errors };
      return;
    }
    seen.set(key, index);
    targets.push(planned.target);
  });
  validation.valid = validation.objects.every((o) => o.valid);
  return { validation, targets };
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

async function run(
  o: z.output<typeof ApplyOptions>,
  targets: ApplyTarget[],
  context: CliContext,
): Promise<ApplyManifestsReport> {
  const registryFile = path.resolve(context.cwd, o.registry);
  const clusters = await chooseClusters(registryFile, o.clusters);
  const registry = { clusters };
  const clients = new ClusterClients(registry, { transport: { maxAttempts: 2, timeoutMs: 10_000 } });
  try {
    return await applyManifests({ clients, concurrency: o.parallel }, clusters, targets, {
      dryRun: o.dryRun,
    });
  } finally {
    await clients.close();
  }
}

const HELP = `
Applies with Kubernetes server-side apply under the field manager "${FIELD_MANAGER}", never forced: a
field another manager owns is reported as a conflict, or as drift when we applied the object before and
someone changed it since (the diff reads live → file). Nothing is applied when any object is invalid.

Identity: kss apply writes with the credentials the registry names, so point --registry at a registry of
YOUR identity (your kubeconfig, an admin or platform role). The functions' ClusterRole (infra/rbac) has no
write access to these kinds on purpose; with the functions' registry every object fails with Forbidden.

Exit status: 0 all applied (or would be, with --dry-run); 1 an invalid file, a cluster failed, or an
object failed, conflicted or drifted; 2 usage, unreadable file or registry, unknown cluster.`;

export const applyCommand: CliCommand = {
  path: ["apply"],
  summary: "roll out BackupConfigurations, RetentionPolicies, BackupStorages, Repositories to many clusters",
  configure(command: Command): void {
    command
      .requiredOption(
        "-f, --file <file>",
        "manifest file (YAML or JSON, multi-document or List); - for stdin",
      )
      .requiredOption("--clusters <clusters>", "all, a label selector (env=prod,tier=gold) or ids (a,b)")
      .option(
        "--registry <file>",
        "cluster registry file",
        process.env.KSS_CLUSTER_REGISTRY ?? "clusters.yaml",
      )
      .option("-n, --namespace <namespace>", "namespace of objects that name none", "default")
      .option("--dry-run", "the API server's dry run (dryRun=All): report, change nothing")
      .option("--parallel <n>", "clusters worked on at once", "4")
      .addOption(outputOption())
      .addHelpText("after", HELP);
  },
  async run({ options }, context) {
    const parsed = ApplyOptions.safeParse(options);
    if (!parsed.success) throw optionError(parsed.error);
    const o = parsed.data;
    clusterSelectionOf(o.clusters); // a bad --clusters is a usage error before anything is read
    const input = await readInputText(o.file, context);
    checkInputSize(input.name, input.text);
    const entries = parseManifestText(input.text);
    if (entries.length === 0) throw new InputError(`${input.name} holds no objects`);
    const { validation, targets } = planApply(entries, o.namespace);
    if (!validation.valid) {
      context.writeOut(o.output === "json" ? renderJson(validation) : renderValidationTable(validation));
      context.writeErr(`kss: nothing applied: ${input.name} holds invalid objects\n`);
      return ExitCode.Invalid;
    }
    const report = await run(o, targets, context);
    context.writeOut(o.output === "json" ? renderJson(report) : renderApplyTable(report));
    return report.ok ? ExitCode.Ok : ExitCode.Invalid;
  },
};
