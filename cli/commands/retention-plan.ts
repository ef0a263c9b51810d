import path from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { systemClock } from "../../shared/clock.ts";
import { loadRegistryFile } from "../../shared/clusters/registry.ts";
import {
  decideRetention,
  type RetentionPlan,
  retentionPhase,
} from "../../shared/decide/retention/retention.ts";
import { ClusterClients } from "../../shared/kube/cluster-clients.ts";
import { KssError } from "../../shared/model/errors.ts";
import { RetentionPolicy, Snapshot } from "../../shared/model/index.ts";
import { tryParseWith } from "../../shared/model/parse.ts";
import { toKubeTime } from "../../shared/model/time.ts";
import { planRepository } from "../../shared/usecases/retention-plan.ts";
import { configurationFor, loadRetentionWorld } from "../../shared/usecases/retention-world.ts";
import type { CliCommand } from "../command.ts";
import { type CliContext, CliError, ExitCode, InputError } from "../context.ts";
import { readInputText } from "../input.ts";
import { parseManifestText } from "../manifest-file.ts";
import { OutputFormat, outputOption, renderJson, renderTable } from "../output.ts";
import { optionError, TimeOption } from "./schedule-next.ts";

/**
 * `kss retention plan`: which Snapshots a RetentionPolicy keeps and which it prunes, and why (a dry run).
 *   --policy <file> --snapshots <file|->              the policy and Snapshot objects from files (YAML or JSON)
 *   --cluster ID --namespace NS --repository NAME      live, as apply-retention would resolve and decide
 * Prints every snapshot with keep/prune and its reason; `--output json` prints `{ keep, prune }`.
 * Exit 0; 1 when a live repository has no usable policy (denied, missing); 2 for bad options or input.
 */

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

const PlanOptions = z
  .object({
    policy: z.string().min(1).optional(),
    snapshots: z.string().min(1).optional(),
    cluster: z.string().min(1).optional(),
    namespace: z.string().min(1).optional(),
    repository: z.string().min(1).optional(),
    session: z.string().min(1).optional(),
    registry: z.string().min(1).optional(),
    now: TimeOption.optional(),
    timeZone: z.string().refine(isTimeZone, "must be an IANA time zone such as Europe/Berlin").optional(),
    output: OutputFormat,
  })
  .refine((o) => o.snapshots !== undefined || o.cluster !== undefined, {
    message: "(with --policy) or --cluster (with --namespace and --repository) is required",
    path: ["snapshots"],
  })
  .refine((o) => o.snapshots === undefined || o.cluster === undefined, {
    message: "cannot be combined with --snapshots",
    path: ["cluster"],
  })
  .refine((o) => o.snapshots === undefined || o.policy !== undefined, {
    message: "is required with --snapshots",
    path: ["policy"],
  })
  .refine((o) => o.cluster === undefined || (o.namespace !== undefined && o.repository !== undefined), {
    message: "and --repository are required with --cluster",
    path: ["namespace"],
  })
  .refine((o) => !(o.policy === "-" && o.snapshots === "-"), {
    message: "and --snapshots cannot both read stdin",
    path: ["policy"],
  });
type PlanOptions = z.infer<typeof PlanOptions>;

/** One repository and session: what decided it, and its plan. */
interface PlannedGroup {
  title: string;
  snapshots: Snapshot[];
  plan?: RetentionPlan;
  error?: string;
}

async function readObjects<S extends z.ZodType>(file: string, kind: string, schema: S, context: CliContext) {
  const input = await readInputText(file, context);
  const objects: Array<z.output<S>> = [];
  for (const entry of parseManifestText(input.text)) {
    if ("syntaxError" in entry) throw new InputError(`${input.name}: ${entry.syntaxError}`);
    // A plain JSON or YAML list of objects counts as well as a List.
    const items: unknown[] = Array.isArray(entry.object) ? entry.object : [entry.object];
    for (const [index, item] of items.entries()) {
      if ((item as { kind?: unknown } | null)?.kind !== kind) continue;
      const where = `${input.name} line ${entry.location.line}${items.length > 1 ? `, item ${index}` : ""}`;
      const parsed = tryParseWith(schema, item, `${kind} (${where})`);
      if (!parsed.ok) throw new InputError(parsed.error.message);
      objects.push(parsed.value);
    }
  }
  if (objects.length === 0) throw new InputError(`${input.name} holds no ${kind}`);
  return objects;
}

async function readPolicy(file: string, context: CliContext): Promise<RetentionPolicy> {
  const [policy] = await readObjects(file, "RetentionPolicy", RetentionPolicy, context);
  if (!policy) throw new InputError(`${file} holds no RetentionPolicy`);
  return policy;
}

const zoneText = (zone: string | undefined) => `periods in ${zone ?? "UTC"}`;

async function planFromFiles(o: PlanOptions, now: Date, context: CliContext): Promise<PlannedGroup[]> {
  const policy = await readPolicy(o.policy ?? "", context);
  const snapshots = await readObjects(o.snapshots ?? "", "Snapshot", Snapshot, context);
  const plan = decideRetention(snapshots, policy.spec, now, o.timeZone ? { timeZone: o.timeZone } : {});
  const name = `${policy.metadata.namespace ?? "default"}/${policy.metadata.name}`;
  return [{ title: `RetentionPolicy ${name}, ${zoneText(o.timeZone)}`, snapshots, plan }];
}

async function planLive(o: PlanOptions, now: Date, context: CliContext): Promise<PlannedGroup[]> {
  const file = path.resolve(context.cwd, o.registry ?? process.env.KSS_CLUSTER_REGISTRY ?? "clusters.yaml");
  const given = o.policy ? await readPolicy(o.policy, context) : undefined;
  const clusters = new ClusterClients(await loadRegistryFile(file));
  try {
    const cluster = o.cluster ?? "";
    const client = await clusters.client(cluster);
    const namespace = o.namespace ?? "";
    const repository = o.repository ?? "";
    const world = await loadRetentionWorld(client, namespace);
    const zone = o.timeZone ?? clusters.cluster(cluster).entry?.timeZone;
    const inRepository = world.snapshots.filter((s) => s.spec.repository === repository);
    const sessions = o.session
      ? [o.session]
      : [...new Set(inRepository.map((s) => s.spec.session ?? ""))].sort();
    return sessions.map((sessionName): PlannedGroup => {
      const configuration = configurationFor(world, namespace, repository, sessionName);
      const planned = planRepository(
        world,
        { namespace, repository, sessionName, ...(configuration ? { configuration } : {}) },
        now,
        { ...(zone ? { clusterTimeZone: zone } : {}), ...(given ? { policy: given } : {}) },
      );
      const where = `repository ${namespace}/${repository}, session ${sessionName || "(none)"}`;
      if (!planned.ok) return { title: where, snapshots: [], error: planned.error };
      const policy = `RetentionPolicy ${planned.ref.namespace}/${planned.ref.name} (${planned.source})`;
      return {
        title: `${where}: ${policy}, ${zoneText(planned.timeZone)}`,
        snapshots: planned.snapshots,
        plan: planned.plan,
      };
    });
  } catch (error) {
    if (error instanceof KssError && !(error instanceof CliError)) {
      throw new CliError(error.message, ExitCode.Usage, { cause: error });
    }
    throw error;
  } finally {
    await clusters.close();
  }
}

/** Per group: a heading, then every snapshot newest first with its action and reason. */
export function renderPlanTable(groups: readonly PlannedGroup[], now: Date): string {
  const blocks = groups.map((group) => {
    if (group.error) return `${group.title}\n  not applied: ${group.error}\n`;
    const byName = new Map(group.snapshots.map((s) => [s.metadata.name, s]));
    const rows = [
      ...(group.plan?.keep ?? []).map((e) => ({ action: "keep", ...e })),
      ...(group.plan?.prune ?? []).map((e) => ({ action: "prune", ...e })),
    ].map((e) => {
      const s = byName.get(e.name);
      const time = s?.status?.snapshotTime ?? s?.metadata.creationTimestamp ?? "";
      const group = `${s?.spec.repository ?? ""}\u0000${s?.spec.session ?? ""}`;
      return { group, time, cells: [e.action, e.name, s ? retentionPhase(s) : "", time, e.reason] };
    });
    rows.sort((a, b) =>
      a.group !== b.group ? (a.group < b.group ? -1 : 1) : Date.parse(b.time) - Date.parse(a.time),
    );
    const header = ["ACTION", "SNAPSHOT", "PHASE", "SNAPSHOT TIME", "REASON"];
    const kept = group.plan?.keep.length ?? 0;
    const pruned = group.plan?.prune.length ?? 0;
    return `${group.title}\n${renderTable(
      rows.map((r) => r.cells),
      { header },
    )}${kept} kept, ${pruned} pruned\n`;
  });
  return `Retention plan at ${toKubeTime(now)} (dry run: nothing is deleted)\n\n${blocks.join("\n")}`;
}

export const retentionPlanCommand: CliCommand = {
  path: ["retention", "plan"],
  summary: "show which Snapshots a RetentionPolicy keeps and prunes, and why (dry run)",
  configure(command: Command): void {
    command
      .option("--policy <file>", "RetentionPolicy manifest (YAML or JSON); - for stdin")
      .option("--snapshots <file>", "Snapshot objects (YAML or JSON, a List or documents); - for stdin")
      .option("--cluster <id>", "read live from this cluster of the registry")
      .option("-n, --namespace <namespace>", "namespace of the repository (live)")
      .option("--repository <name>", "the Repository whose Snapshots to plan (live)")
      .option("--session <name>", "only Snapshots of this session name (live)")
      .option("--registry <file>", "cluster registry (default: $KSS_CLUSTER_REGISTRY or clusters.yaml)")
      .option("--now <time>", "decide as if it were this time (RFC 3339); default: the current time")
      .option("--time-zone <zone>", "IANA zone of the periods (default: UTC, live: the cluster's)")
      .addOption(outputOption())
      .addHelpText(
        "after",
        "\nExit status: 0 planned, 1 a repository has no usable policy, 2 bad options or input.",
      );
  },
  async run({ options }, context) {
    const parsed = PlanOptions.safeParse(options);
    if (!parsed.success) throw optionError(parsed.error);
    const o = parsed.data;
    const now = o.now ?? systemClock.now();
    const groups = o.cluster ? await planLive(o, now, context) : await planFromFiles(o, now, context);
    if (o.output === "json") {
      const keep = groups.flatMap((g) => g.plan?.keep ?? []);
      const prune = groups.flatMap((g) => g.plan?.prune ?? []);
      const errors = groups.filter((g) => g.error).map((g) => ({ group: g.title, error: g.error }));
      context.writeOut(renderJson({ keep, prune, ...(errors.length > 0 ? { errors } : {}) }));
    } else {
      context.writeOut(renderPlanTable(groups, now));
    }
    return groups.some((g) => g.error) ? ExitCode.Invalid : ExitCode.Ok;
  },
};
