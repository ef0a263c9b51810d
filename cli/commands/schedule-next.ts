import type { Command } from "commander";
import { z } from "zod";
import { systemClock } from "../../shared/clock.ts";
import { type UpcomingTimes, upcomingSessionTimes } from "../../shared/decide/schedule/schedule-next.ts";
import { BackupConfiguration } from "../../shared/model/backup-configuration.ts";
import { formatGoDuration } from "../../shared/model/duration.ts";
import { tryParseWith } from "../../shared/model/parse.ts";
import { toKubeTime } from "../../shared/model/time.ts";
import type { CliCommand } from "../command.ts";
import { CliError, ExitCode, InputError } from "../context.ts";
import { readInputText } from "../input.ts";
import { parseManifestText } from "../manifest-file.ts";
import { OutputFormat, outputOption, renderIndented, renderJson, renderTable } from "../output.ts";

/**
 * `kss schedule next -f <file>`: the next scheduled times of every session of the BackupConfigurations in a
 * file, in UTC and in the schedule's own zone, with each session's stagger offset. Exit 0, or 1 when a
 * session's schedule does not parse; 2 when the file cannot be read or holds no BackupConfiguration.
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
});

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
      const rows = report.times.map((t) => [
        t.session,
        t.schedule,
        t.timeZone,
        t.next,
        t.nextLocal,
        formatGoDuration(t.staggerOffsetMs),
        t.state,
      ]);
      const header = ["SESSION", "SCHEDULE", "TIME ZONE", "NEXT (UTC)", "LOCAL", "STAGGER", "STATE"];
      const table = rows.length > 0 ? renderTable(rows, { header }) : "";
      const notes = report.notScheduled.map(
        (n) => `${n.session}: ${n.invalid ? "invalid schedule: " : ""}${n.reason}`,
      );
      return `BackupConfiguration ${report.configuration}\n${table}${renderIndented(notes)}`;
    })
    .join("\n");
}

export const scheduleNextCommand: CliCommand = {
  path: ["schedule", "next"],
  summary: "show the next scheduled times of each session of BackupConfigurations in a file",
  configure(command: Command): void {
    command
      .requiredOption("-f, --file <file>", "manifest file with BackupConfigurations; - for stdin")
      .option("-n, --count <count>", "how many times per session", "5")
      .option("--now <time>", "compute as if it were this time (RFC 3339); default: the current time")
      .addOption(outputOption())
      .addHelpText("after", "\nExit status: 0 ok, 1 some schedule is invalid, 2 unreadable input.");
  },
  async run({ options }, context) {
    const parsed = NextOptions.safeParse(options);
    if (!parsed.success) throw optionError(parsed.error);
    const { file, count, output } = parsed.data;
    const now = parsed.data.now ?? systemClock.now();
    const input = await readInputText(file, context);
    const reports = readConfigurations(input.text, input.name).map((c) =>
      upcomingSessionTimes(c, now, count),
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
