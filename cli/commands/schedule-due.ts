import type { Command } from "commander";
import { z } from "zod";
import { systemClock } from "../../shared/clock.ts";
import { parseCronSchedule } from "../../shared/decide/cron.ts";
import { dueReport } from "../../shared/decide/schedule-next.ts";
import type { CliCommand } from "../command.ts";
import { CliError, ExitCode } from "../context.ts";
import { renderJson } from "../output.ts";
import { optionError, TimeOption } from "./schedule-next.ts";

/**
 * `kss schedule due --schedule <cron> --last <time>`: whether a schedule is due now after its last run, as
 * the scheduler decides it (only the newest missed time runs; startingDeadlineSeconds drops late ones).
 * Prints `{ "due": time|null, "missed": N, "reason": "..." }`. Exit 0; 2 for a bad option or schedule.
 */

const DueOptions = z.object({
  schedule: z.string().min(1),
  last: TimeOption,
  now: TimeOption.optional(),
  startingDeadlineSeconds: z.coerce.number().int().min(0).optional(),
});

export const scheduleDueCommand: CliCommand = {
  path: ["schedule", "due"],
  summary: "tell whether a cron schedule is due now, given the time of its last run",
  configure(command: Command): void {
    command
      .requiredOption(
        "-s, --schedule <cron>",
        'cron schedule, e.g. "*/30 * * * *" or "CRON_TZ=Europe/Berlin @daily"',
      )
      .requiredOption("--last <time>", "scheduled time of the last run (RFC 3339)")
      .option("--now <time>", "decide as if it were this time (RFC 3339); default: the current time")
      .option("--starting-deadline-seconds <seconds>", "start a missed time only this many seconds late")
      .addHelpText(
        "after",
        [
          "",
          'Prints JSON: { "due": <time or null>, "missed": <schedule times that will never run>, "reason": "..." }.',
          "Exit status: 0 decided, 2 bad option or schedule.",
        ].join("\n"),
      );
  },
  async run({ options }, context) {
    const parsed = DueOptions.safeParse(options);
    if (!parsed.success) throw optionError(parsed.error);
    const { schedule, last, startingDeadlineSeconds } = parsed.data;
    const cron = parseCronSchedule(schedule);
    if (!cron.ok) throw new CliError(`invalid schedule "${schedule}": ${cron.error}`);
    const now = parsed.data.now ?? systemClock.now();
    context.writeOut(renderJson(dueReport(cron.schedule, last, now, startingDeadlineSeconds)));
    return ExitCode.Ok;
  },
};
