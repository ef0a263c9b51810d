import type { Command } from "commander";
import { z } from "zod";
import { systemClock } from "../../shared/clock.ts";
import { parseCronSchedule } from "../../shared/decide/schedule/cron.ts";
import {
  type DueReport,
  dueReport,
  pickSession,
  type SessionDueReport,
  sessionDueReport,
} from "../../shared/decide/schedule/schedule-next.ts";
import { toKubeTime } from "../../shared/model/time.ts";
import type { CliCommand } from "../command.ts";
import { type CliContext, CliError, ExitCode } from "../context.ts";
import { readInputText } from "../input.ts";
import { OutputFormat, outputOption, renderTable } from "../output.ts";
import { optionError, readConfigurations, TimeOption } from "./schedule-next.ts";

/**
 * `kss schedule due`: whether a run is due now after the last one, as the scheduler decides it (only the
 * newest missed time runs; startingDeadlineSeconds drops late ones).
 *
 * - `--schedule <cron> --last <time>`: a bare schedule (with `--starting-deadline-seconds`).
 * - `--config <file> [--session NAME] --last <time|none>`: a session of a BackupConfiguration in a file, with
 *   its schedule, time zone, startingDeadlineSeconds, paused/suspend and stagger window — the inputs
 *   create-sessions reads; `none`: never run, counted from the configuration's creationTimestamp.
 *
 * Prints the due time, missed count and reason (`-o json`: `{ "due", "missed", "reason", … }`). Exit 0 when
 * decided; 1 when the file's schedule is invalid; 2 for a bad option, schedule, file or session name.
 */

/** `--last`: an RFC 3339 time, or `none` (never run). */
const LastOption = z.union([z.literal("none"), TimeOption], {
  error: "must be an RFC 3339 time such as 2026-11-26T12:00:00Z, or none",
});

const DueOptions = z.object({
  schedule: z.string().min(1).optional(),
  config: z.string().min(1).optional(),
  session: z.string().min(1).optional(),
  last: LastOption,
  now: TimeOption.optional(),
  startingDeadlineSeconds: z.coerce.number().int().min(0).optional(),
  output: OutputFormat,
});
type DueOptions = z.infer<typeof DueOptions>;

function render(report: DueReport | SessionDueReport, output: OutputFormat): string {
  if (output === "json") return `${JSON.stringify(report, null, 2)}\n`;
  const rows: string[][] = [];
  if ("session" in report) {
    rows.push(
      ["CONFIGURATION", report.configuration],
      ["SESSION", report.session],
      ["SCHEDULE", report.schedule],
      ["TIME ZONE", report.timeZone],
      [
        "STARTING DEADLINE",
        report.startingDeadlineSeconds === null ? "none" : `${report.startingDeadlineSeconds}s`,
      ],
      ["LAST", report.last ?? "none"],
      ["NOW", report.now],
    );
  }
  rows.push(["DUE", report.due ?? "no"], ["MISSED", String(report.missed)], ["REASON", report.reason]);
  return renderTable(rows);
}

function lastTime(last: DueOptions["last"]): Date | undefined {
  return last === "none" ? undefined : last;
}

async function configurationReport(
  options: DueOptions & { config: string },
  now: Date,
  context: CliContext,
): Promise<{ report: SessionDueReport } | { invalid: string }> {
  const input = await readInputText(options.config, context);
  const configurations = readConfigurations(input.text, input.name);
  const [configuration, ...others] = configurations;
  if (configuration === undefined) throw new CliError(`${input.name} holds no BackupConfiguration`);
  if (others.length > 0) {
    const names = configurations.map((c) => `${c.metadata.namespace ?? "default"}/${c.metadata.name}`);
    throw new CliError(
      `${input.name} holds ${configurations.length} BackupConfigurations (${names.join(", ")}): keep one`,
    );
  }
  const session = pickSession(configuration, options.session);
  if (!session.ok) throw new CliError(session.error);
  const result = sessionDueReport(configuration, session.name, lastTime(options.last), now);
  if (result.ok) return { report: result.report };
  if (result.invalid) return { invalid: result.error };
  throw new CliError(result.error);
}

export const scheduleDueCommand: CliCommand = {
  path: ["schedule", "due"],
  summary: "tell whether a cron schedule is due now, given the time of its last run",
  configure(command: Command): void {
    command
      .option(
        "-s, --schedule <cron>",
        'cron schedule, e.g. "*/30 * * * *", "@every 1h" or "CRON_TZ=Europe/Berlin @daily"',
      )
      .option(
        "-c, --config <file>",
        "a file with one BackupConfiguration (- for stdin): use its session's schedule",
      )
      .option("--session <name>", "the session of --config (needed when it has several)")
      .requiredOption("--last <time>", "scheduled time of the last run (RFC 3339), or none (never run)")
      .option("--now <time>", "decide as if it were this time (RFC 3339); default: the current time")
      .option(
        "--starting-deadline-seconds <seconds>",
        "with --schedule: start a missed time only this many seconds late (--config reads the session's)",
      )
      .addOption(outputOption())
      .addHelpText(
        "after",
        [
          "",
          "Give --schedule or --config. --config reads the session's schedule, time zone, startingDeadlineSeconds,",
          "spec.paused, suspend and stagger window, as the scheduler does.",
          'JSON (-o json): { "due": <time or null>, "missed": <schedule times that will never run>, "reason": "..." }.',
          "Exit status: 0 decided, 1 the file's schedule is invalid, 2 bad option, schedule, file or session.",
        ].join("\n"),
      );
  },
  async run({ options }, context) {
    const parsed = DueOptions.safeParse(options);
    if (!parsed.success) throw optionError(parsed.error);
    const given = parsed.data;
    const now = given.now ?? systemClock.now();
    if ((given.schedule === undefined) === (given.config === undefined)) {
      throw new CliError("give either --schedule <cron> or --config <file>");
    }
    if (given.config !== undefined) {
      if (given.startingDeadlineSeconds !== undefined) {
        throw new CliError(
          "--starting-deadline-seconds goes with --schedule; --config reads the session's own",
        );
      }
      const result = await configurationReport({ ...given, config: given.config }, now, context);
      if ("invalid" in result) {
        context.writeErr(`kss: ${result.invalid}\n`);
        return ExitCode.Invalid;
      }
      context.writeOut(render(result.report, given.output));
      return ExitCode.Ok;
    }
    if (given.session !== undefined) throw new CliError("--session goes with --config");
    const schedule = given.schedule ?? "";
    const cron = parseCronSchedule(schedule);
    if (!cron.ok) throw new CliError(`invalid schedule "${schedule}": ${cron.error}`);
    const last = lastTime(given.last) ?? now;
    const report = dueReport(cron.schedule, last, now, given.startingDeadlineSeconds);
    const shown =
      given.last === "none"
        ? { ...report, reason: report.reason.replace(toKubeTime(last), "now (never run)") }
        : report;
    context.writeOut(render(shown, given.output));
    return ExitCode.Ok;
  },
};
