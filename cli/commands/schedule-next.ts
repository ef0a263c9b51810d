import path from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { systemClock } from "../../shared/clock.ts";
import { loadRegistryFile } from "../../shared/clusters/registry.ts";
import { type UpcomingTimes, upcomingSessionTimes } from "../../shared/decide/schedule/schedule-next.ts";
import type { WindowContext } from "../../shared/decide/schedule/schedule-windows.ts";
import { BackupConfiguration } from "../../shared/model/backup-configuration.ts";
import { formatGoDuration } from "../../shared/model/duration.ts";
import { KssError } from "../../shared/model/errors.ts";
import { tryParseWith } from "../../shared/model/parse.ts";
import { parseStartWindow } from "../../shared/model/schedule-windows.ts";
import { toKubeTime } from "../../shared/model/time.ts";
import type { CliCommand } from "../command.ts";
import { CliError, ExitCode, InputError } from "../context.ts";
import { readInputText } from "../input.ts";
import { parseManifestText } from "../manifest-file.ts";
import { OutputFormat, outputOption, renderIndented, renderJson, renderTable } from "../output.ts";

/**
 * `kss schedule next -f <file>`: the next scheduled times of every session of the BackupConfigurations in a
 * file, in UTC and in the schedule's own zone, with each session's stagger offset and what exclusion
 * windows do to it (docs/windows.md#kss-schedule-next): the configuration's annotation, and with
 * `--registry FILE --cluster ID` the cluster's windows too. Exit 0, or 1 when a session's schedule or windows
 * do not parse; 2 when the file cannot be read or holds no BackupConfiguration.
 */

/** `--now` and `--last`: an RFC 3339 time with an offset. */
export const TimeOption = z.iso
  .datetime({ offset: true, error: "must be an RFC 3339 time such as 2026-11-26T12:00:00Z" })
  .transform((text) => new Date(text));

export function optionError(error: z.ZodError): CliError {
  const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const issues = error.issues.map((issue) => `--${kebab(issue.path.join("."))} ${issue.message}`);
  return new CliError(`invalid options: ${issues.join("; ")}`);
}

const NextOptions = z.object({
  file: z.string().min(1),
  count: z.coerce.number().int().min(1).max(1000),
  now: TimeOption.optional(),
  output: OutputFormat,
  registry: z.string().min(1).optional(),
  cluster: z.string().min(1).optional(),
  namespaceLabels: z
    .string()
    .regex(/^\s*[^=,\s]+=[^=,]*(\s*,\s*[^=,\s]+=[^=,]*)*\s*$/, "must be k=v,k2=v2")
    .optional(),
});

/** `--namespace-labels env=prod,team=data` → the labels a registry window's namespaceSelector is matched with. */
function labelsOf(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const term of (text ?? "").split(",")) {
    const eq = term.indexOf("=");
    if (eq > 0) labels[term.slice(0, eq).trim()] = term.slice(eq + 1).trim();
  }
  return labels;
}

/** The cluster's windows, zone and start window from the registry (`--registry`, `--cluster`). */
async function clusterWindows(
  o: z.output<typeof NextOptions>,
  cwd: string,
): Promise<WindowContext | undefined> {
  if (o.registry === undefined && o.cluster === undefined) return undefined;
  if (o.registry === undefined || o.cluster === undefined) {
    throw new CliError(
      "--registry and --cluster go together (the cluster's windows are read from its entry)",
    );
  }
  let registry: Awaited<ReturnType<typeof loadRegistryFile>>;
  try {
    registry = await loadRegistryFile(path.resolve(cwd, o.registry));
  } catch (error) {
    if (error instanceof KssError) throw new InputError(error.message);
    throw error;
  }
  const cluster = registry.clusters.find((c) => c.id === o.cluster);
  if (cluster === undefined) {
    const known = registry.clusters.map((c) => c.id).join(", ") || "none";
    throw new InputError(`${o.registry} has no cluster "${o.cluster}" (it has ${known})`);
  }
  if (cluster.entry === undefined) {
    const why = "error" in cluster && cluster.error ? `: ${cluster.error}` : "";
    throw new InputError(`cluster "${o.cluster}" of ${o.registry} has no valid entry${why}`);
  }
  const { entry } = cluster;
  const start = entry.startWindow ? parseStartWindow(entry.startWindow) : undefined;
  return {
    ...(entry.exclusionWindows?.length ? { clusterWindows: entry.exclusionWindows } : {}),
    ...(entry.timeZone ? { clusterTimeZone: entry.timeZone } : {}),
    ...(start?.ok ? { defaultStartWindowMs: start.value } : {}),
    namespaceLabels: labelsOf(o.namespaceLabels),
  };
}

/** The BackupConfigurations of a manifest file (other kinds are skipped); exit 2 when it holds none. */
export function readConfigurations(text: string, source: string): BackupConfiguration[] {
  const configurations: BackupConfiguration[] = [];
  for (const entry of parseManifestText(text)) {
    if ("syntaxError" in entry) throw new InputError(`${source}: ${entry.syntaxError}`);
    const object = entry.object as { kind?: unknown };
    if (object.kind !== "BackupConfiguration") continue;
    const parsed = tryParseWith(
      BackupConfiguration,
      entry.object,
      `BackupConfiguration (line ${entry.location.line})`,
    );
    if (!parsed.ok) throw new InputError(`${parsed.error.message} (run kss validate -f ${source})`);
    configurations.push(parsed.value);
  }
  if (configurations.length === 0) throw new InputError(`${source} holds no BackupConfiguration`);
  return configurations;
}

/** One block per configuration: a heading, the times as a table, then sessions without times. */
export function renderUpcomingTable(reports: readonly UpcomingTimes[]): string {
  return reports
    .map((report) => {
      // The WINDOW column only when a window touches one of the times.
      const windowed = report.times.some((t) => t.window !== undefined);
      const rows = report.times.map((t) => [
        t.session,
        t.schedule,
        t.timeZone,
        t.next,
        t.nextLocal,
        formatGoDuration(t.staggerOffsetMs),
        t.state,
        ...(windowed ? [windowCell(t.window)] : []),
      ]);
      const header = [
        "SESSION",
        "SCHEDULE",
        "TIME ZONE",
        "NEXT (UTC)",
        "LOCAL",
        "STAGGER",
        "STATE",
        ...(windowed ? ["WINDOW"] : []),
      ];
      const table = rows.length > 0 ? renderTable(rows, { header }) : "";
      const notes = report.notScheduled.map(
        (n) => `${n.session}: ${n.invalid ? "invalid schedule: " : ""}${n.reason}`,
      );
      return `BackupConfiguration ${report.configuration}\n${table}${renderIndented(notes)}`;
    })
    .join("\n");
}

/** held → "held by nightly until T"; superseded → "not run: …"; skipped → "skipped by freeze". */
function windowCell(effect: UpcomingTimes["times"][number]["window"]): string {
  if (effect === undefined) return "-";
  const names = effect.windows.join(", ");
  if (effect.effect === "skipped") return `skipped by ${names}`;
  if (effect.effect === "superseded")
    return `not run: held by ${names} until ${effect.startsAt}, a newer time runs`;
  return `held by ${names} until ${effect.startsAt}`;
}

export const scheduleNextCommand: CliCommand = {
  path: ["schedule", "next"],
  summary: "show the next scheduled times of each session of BackupConfigurations in a file",
  configure(command: Command): void {
    command
      .requiredOption("-f, --file <file>", "manifest file with BackupConfigurations; - for stdin")
      .option("-n, --count <count>", "how many times per session", "5")
      .option("--now <time>", "compute as if it were this time (RFC 3339); default: the current time")
      .option(
        "--registry <file>",
        "cluster registry: with --cluster, the cluster's exclusion windows apply too",
      )
      .option("--cluster <id>", "the registry cluster the configurations run on")
      .option(
        "--namespace-labels <k=v,...>",
        "labels of the configurations' namespace, for registry windows with a namespaceSelector",
      )
      .addOption(outputOption())
      .addHelpText("after", "\nExit status: 0 ok, 1 some schedule or window is invalid, 2 unreadable input.");
  },
  async run({ options }, context) {
    const parsed = NextOptions.safeParse(options);
    if (!parsed.success) throw optionError(parsed.error);
    const { file, count, output } = parsed.data;
    const now = parsed.data.now ?? systemClock.now();
    const windows = await clusterWindows(parsed.data, context.cwd);
    const input = await readInputText(file, context);
    const reports = readConfigurations(input.text, input.name).map((c) =>
      upcomingSessionTimes(c, now, count, windows),
    );
    context.writeOut(
      output === "json"
        ? renderJson({ now: toKubeTime(now), configurations: reports })
        : renderUpcomingTable(reports),
    );
    const invalid = reports.some((r) => r.notScheduled.some((n) => n.invalid));
    return invalid ? ExitCode.Invalid : ExitCode.Ok;
  },
};
