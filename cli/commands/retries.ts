import path from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { loadRegistryFile } from "../../shared/clusters/registry.ts";
import { compareSessionsOldestFirst } from "../../shared/decide/session/session-history.ts";
import { ClusterClients } from "../../shared/kube/cluster-clients.ts";
import type { BackupSession } from "../../shared/model/backup-session.ts";
import { findCondition, RetryCondition } from "../../shared/model/conditions.ts";
import { KssError } from "../../shared/model/errors.ts";
import { Annotation, Label } from "../../shared/model/labels.ts";
import type { CliCommand } from "../command.ts";
import { CliError, ExitCode } from "../context.ts";
import { OutputFormat, outputOption, renderJson, renderTable } from "../output.ts";
import { optionError } from "./schedule-next.ts";

/**
 * `kss retries --cluster ID --namespace NS --config NAME`: the retry chains of a BackupConfiguration's
 * sessions, read from the cluster: each original session, then the retry created for it, then the retry of
 * that retry… with phase, retryLeft, nextRetry, whether it was retried, and why a retry is held back
 * (RetryDeferred) or will not come (RetrySkipped). Exit 0; 2 when the registry or the cluster cannot be used.
 */

const RetriesOptions = z.object({
  cluster: z.string().min(1),
  namespace: z.string().min(1),
  config: z.string().min(1),
  registry: z.string().min(1),
  output: OutputFormat,
});

export interface ChainLink {
  name: string;
  phase: string;
  retryLeft: number;
  nextRetry?: string;
  retried: boolean;
  retryOf?: string;
  /** Why the retry is held back or will not come: `RetryDeferred: <reason>` / `RetrySkipped: <reason>`. */
  note?: string;
}

function linkOf(session: BackupSession): ChainLink {
  const conditions = session.status?.conditions;
  const deferred = findCondition(conditions, RetryCondition.Deferred);
  const skipped = findCondition(conditions, RetryCondition.Skipped);
  const note =
    skipped?.status === "True"
      ? `${RetryCondition.Skipped}: ${skipped.reason ?? ""}`
      : deferred?.status === "True"
        ? `${RetryCondition.Deferred}: ${deferred.reason ?? ""}`
        : undefined;
  const retryOf = session.metadata.annotations?.[Annotation.RetryOf];
  return {
    name: session.metadata.name,
    phase: session.status?.phase ?? "(new)",
    retryLeft: session.spec.retryLeft ?? 0,
    ...(session.status?.nextRetry ? { nextRetry: session.status.nextRetry } : {}),
    retried: session.status?.retried === true,
    ...(retryOf ? { retryOf } : {}),
    ...(note ? { note } : {}),
  };
}

/** Chains oldest first: an original (or a retry whose original is gone), then each retry in turn. */
export function retryChains(sessions: ReadonlyArray<BackupSession>): ChainLink[][] {
  const byName = new Map(sessions.map((s) => [s.metadata.name, s]));
  const retryOf = (s: BackupSession) => s.metadata.annotations?.[Annotation.RetryOf];
  const next = new Map<string, BackupSession>();
  for (const s of sessions) {
    const parent = retryOf(s);
    if (parent !== undefined && byName.has(parent)) next.set(parent, s);
  }
  const roots = sessions
    .filter((s) => {
      const parent = retryOf(s);
      return parent === undefined || !byName.has(parent);
    })
    .sort(compareSessionsOldestFirst);
  return roots.map((root) => {
    const chain: ChainLink[] = [];
    for (
      let s: BackupSession | undefined = root;
      s && chain.length <= sessions.length;
      s = next.get(s.metadata.name)
    )
      chain.push(linkOf(s));
    return chain;
  });
}

function renderChains(chains: ChainLink[][]): string {
  const rows = chains.flatMap((chain) =>
    chain.map((link, depth) => [
      depth === 0 ? link.name : `${"   ".repeat(depth - 1)}└─ ${link.name}`,
      link.phase,
      String(link.retryLeft),
      link.nextRetry ?? "-",
      link.retried ? "yes" : "no",
      link.note ?? "",
    ]),
  );
  if (rows.length === 0) return "no BackupSessions\n";
  return renderTable(rows, { header: ["SESSION", "PHASE", "RETRY-LEFT", "NEXT-RETRY", "RETRIED", "NOTE"] });
}

async function listSessions(registryFile: string, clusterId: string, namespace: string, config: string) {
  const registry = await loadRegistryFile(registryFile);
  const clusters = new ClusterClients(registry, { transport: { maxAttempts: 2 } });
  try {
    const client = await clusters.client(clusterId);
    const list = await client.list("BackupSession", {
      namespace,
      labelSelector: `${Label.InvokerName}=${config}`,
    });
    return list.items.filter((s) => (s.spec.invoker?.name ?? config) === config);
  } finally {
    await clusters.close();
  }
}

export const retriesCommand: CliCommand = {
  path: ["retries"],
  summary: "show the retry chains (original → retries) of a BackupConfiguration's sessions",
  configure(command: Command) {
    command
      .requiredOption("--cluster <id>", "cluster id from the registry")
      .requiredOption("-n, --namespace <namespace>", "namespace of the BackupConfiguration")
      .requiredOption("--config <name>", "the BackupConfiguration")
      .option(
        "--registry <file>",
        "cluster registry file",
        process.env.KSS_CLUSTER_REGISTRY ?? "clusters.yaml",
      )
      .addOption(outputOption());
  },
  async run({ options }, context) {
    const parsed = RetriesOptions.safeParse(options);
    if (!parsed.success) throw optionError(parsed.error);
    const o = parsed.data;
    let sessions: BackupSession[];
    try {
      sessions = await listSessions(path.resolve(context.cwd, o.registry), o.cluster, o.namespace, o.config);
    } catch (error) {
      if (error instanceof KssError) throw new CliError(error.message, ExitCode.Usage, { cause: error });
      throw error;
    }
    const chains = retryChains(sessions);
    if (o.output === "json") {
      const result = { cluster: o.cluster, namespace: o.namespace, configuration: o.config, chains };
      context.writeOut(renderJson(result));
    } else {
      context.writeOut(`BackupConfiguration ${o.namespace}/${o.config} on ${o.cluster}\n`);
      context.writeOut(renderChains(chains));
    }
    return ExitCode.Ok;
  },
};
