import path from "node:path";
import { type Command, Option } from "commander";
import { z } from "zod";
import { systemClock } from "../../shared/clock.ts";
import { loadRegistryFile } from "../../shared/clusters/registry.ts";
import {
  compareVerificationsOldestFirst,
  verificationOwner,
  verificationRef,
} from "../../shared/decide/fleet/verification-view.ts";
import { ClusterClients } from "../../shared/kube/cluster-clients.ts";
import { NotFoundError } from "../../shared/kube/errors.ts";
import type { BackupVerificationSession } from "../../shared/model/backup-verifier.ts";
import { KssError } from "../../shared/model/errors.ts";
import { toKubeTime } from "../../shared/model/time.ts";
import type { CliCommand } from "../command.ts";
import { CliError, ExitCode } from "../context.ts";
import { OutputFormat, outputOption, renderJson, renderTable } from "../output.ts";
import { formatAge } from "./fleet.ts";
import { optionError, TimeOption } from "./schedule-next.ts";

/**
 * `kss verify history --cluster ID -n NS --config NAME [--session S] [--repository R]`: the
 * BackupVerificationSessions of a BackupConfiguration, read from the cluster, newest first — repository,
 * the Snapshot restored, phase, duration, whether it was retried, age, and why it failed or was skipped
 * (docs/verification.md#visibility). Exit 0; 1 when the configuration does not exist; 2 when the registry or
 * the cluster cannot be used.
 */

const HistoryOptions = z.object({
  cluster: z.string().min(1),
  namespace: z.string().min(1),
  config: z.string().min(1),
  session: z.string().min(1).optional(),
  repository: z.string().min(1).optional(),
  registry: z.string().min(1),
  output: OutputFormat,
  now: TimeOption.optional(),
});

export interface VerificationHistoryRow {
  name: string;
  session?: string;
  repository?: string;
  snapshot?: string;
  phase: string;
  duration?: string;
  retried: boolean;
  retryOf?: string;
  origin?: string;
  /** When it was due, when it was created, when it ended. */
  time: string;
  createdAt?: string;
  endedAt?: string;
  /** Since its creation (else since it was due), in seconds. */
  ageSeconds: number;
  condition?: string;
  reason?: string;
  message?: string;
}

export interface HistoryFilter {
  configuration: string;
  session?: string;
  repository?: string;
}

/** The configuration's verifications that match the filter, newest first. */
export function verificationHistory(
  sessions: readonly BackupVerificationSession[],
  filter: HistoryFilter,
  now: Date,
): VerificationHistoryRow[] {
  return sessions
    .filter((s) => {
      const owner = verificationOwner(s);
      return (
        owner.configuration === filter.configuration &&
        (filter.session === undefined || owner.session === filter.session) &&
        (filter.repository === undefined || owner.repository === filter.repository)
      );
    })
    .sort((a, b) => compareVerificationsOldestFirst(b, a))
    .map((s) => {
      const ref = verificationRef(s, now);
      const owner = verificationOwner(s);
      const created = s.metadata.creationTimestamp;
      const since = created === undefined ? Date.parse(ref.time) : Date.parse(created);
      return {
        name: ref.name,
        ...(owner.session !== undefined ? { session: owner.session } : {}),
        ...(owner.repository !== undefined ? { repository: owner.repository } : {}),
        ...(ref.snapshot ? { snapshot: ref.snapshot } : {}),
        phase: ref.phase,
        ...(ref.duration ? { duration: ref.duration } : {}),
        retried: ref.retried === true,
        ...(ref.retryOf ? { retryOf: ref.retryOf } : {}),
        ...(ref.origin ? { origin: ref.origin } : {}),
        time: ref.time,
        ...(created !== undefined ? { createdAt: toKubeTime(new Date(created)) } : {}),
        ...(ref.endedAt ? { endedAt: ref.endedAt } : {}),
        ageSeconds: Math.max(0, Math.round((now.getTime() - since) / 1000)),
        ...(ref.condition ? { condition: ref.condition } : {}),
        ...(ref.reason ? { reason: ref.reason } : {}),
        ...(ref.message ? { message: ref.message } : {}),
      };
    });
}

export const HISTORY_HEADER = [
  "NAME",
  "REPOSITORY",
  "SNAPSHOT",
  "PHASE",
  "DURATION",
  "RETRIED",
  "AGE",
  "REASON",
] as const;

export function renderHistoryTable(rows: readonly VerificationHistoryRow[]): string {
  if (rows.length === 0) return "no BackupVerificationSessions\n";
  return renderTable(
    rows.map((r) => [
      r.name,
      r.repository ?? "-",
      r.snapshot ?? "-",
      r.phase,
      r.duration ?? "-",
      r.retried ? "yes" : r.retryOf ? `retry of ${r.retryOf}` : "no",
      formatAge(r.ageSeconds),
      r.reason ? `${r.reason}${r.message ? `: ${r.message}` : ""}` : (r.message ?? ""),
    ]),
    { header: HISTORY_HEADER },
  );
}

/** The configuration's namespace's verification sessions; a cluster without their CRD (404) has none. */
async function readHistory(registryFile: string, clusterId: string, namespace: string, config: string) {
  const registry = await loadRegistryFile(registryFile);
  const clusters = new ClusterClients(registry, { transport: { maxAttempts: 2 } });
  try {
    const client = await clusters.client(clusterId);
    const configuration = await client.find("BackupConfiguration", namespace, config);
    if (configuration === undefined) return undefined;
    try {
      return (await client.list("BackupVerificationSession", { namespace })).items;
    } catch (error) {
      if (error instanceof NotFoundError) return [];
      throw error;
    }
  } finally {
    await clusters.close();
  }
}

export const verifyHistoryCommand: CliCommand = {
  path: ["verify", "history"],
  summary: "show a BackupConfiguration's backup verifications, newest first (Snapshot, phase, reason)",
  configure(command: Command) {
    command
      .requiredOption("--cluster <id>", "cluster id from the registry")
      .requiredOption("-n, --namespace <namespace>", "namespace of the BackupConfiguration")
      .requiredOption("--config <name>", "the BackupConfiguration")
      .option("--session <name>", "only this session of the configuration")
      .option("--repository <name>", "only this repository")
      .option(
        "--registry <file>",
        "cluster registry file",
        process.env.KSS_CLUSTER_REGISTRY ?? "clusters.yaml",
      )
      .addOption(outputOption())
      .addOption(new Option("--now <time>", "compute ages as if it were this time (RFC 3339)"))
      .addHelpText(
        "after",
        "\nExit status: 0 listed, 1 the BackupConfiguration does not exist, 2 usage, registry or cluster error.",
      );
  },
  async run({ options }, context) {
    const parsed = HistoryOptions.safeParse(options);
    if (!parsed.success) throw optionError(parsed.error);
    const o = parsed.data;
    let sessions: BackupVerificationSession[] | undefined;
    try {
      sessions = await readHistory(path.resolve(context.cwd, o.registry), o.cluster, o.namespace, o.config);
    } catch (error) {
      if (error instanceof KssError) throw new CliError(error.message, ExitCode.Usage, { cause: error });
      throw error;
    }
    if (sessions === undefined)
      throw new CliError(
        `BackupConfiguration ${o.namespace}/${o.config} does not exist on cluster ${o.cluster}`,
        ExitCode.Invalid,
      );
    const filter = {
      configuration: o.config,
      ...(o.session ? { session: o.session } : {}),
      ...(o.repository ? { repository: o.repository } : {}),
    };
    const rows = verificationHistory(sessions, filter, o.now ?? systemClock.now());
    if (o.output === "json") {
      context.writeOut(
        renderJson({ cluster: o.cluster, namespace: o.namespace, ...filter, verifications: rows }),
      );
    } else {
      context.writeOut(
        `BackupVerificationSessions of BackupConfiguration ${o.namespace}/${o.config} on ${o.cluster}\n`,
      );
      context.writeOut(renderHistoryTable(rows));
    }
    return ExitCode.Ok;
  },
};
