import type { CliCommand } from "../command.ts";
import { applyCommand } from "./apply.ts";
import { fleetCommand } from "./fleet.ts";
import { migrateCommand } from "./migrate.ts";
import { retentionPlanCommand } from "./retention-plan.ts";
import { retriesCommand } from "./retries.ts";
import { scheduleDueCommand } from "./schedule-due.ts";
import { scheduleNextCommand } from "./schedule-next.ts";
import { triggerCommand } from "./trigger.ts";
import { validateCommand } from "./validate.ts";

/** Every `kss` command, in the order `kss --help` lists them. A new command is one file and one line here. */
export const COMMANDS: readonly CliCommand[] = [
  validateCommand,
  retentionPlanCommand,
  scheduleNextCommand,
  scheduleDueCommand,
  triggerCommand,
  retriesCommand,
  applyCommand,
  fleetCommand,
  migrateCommand,
];
