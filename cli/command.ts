import type { Command } from "commander";
import type { CliContext, ExitCode } from "./context.ts";

/**
 * One `kss` command as a plug-in: where it sits (`validate`, later `retention plan`, `schedule next`,
 * `trigger`, `fleet`), how it declares its options, and what it runs. Adding a command is one file under
 * cli/commands/ plus one line in cli/commands/index.ts.
 */
export interface CliCommand {
  /** Words after `kss`: ["validate"], or ["retention", "plan"] for a command in a group. */
  readonly path: readonly [string, ...string[]];
  /** One line for `kss --help`. */
  readonly summary: string;
  /** Declares the command's arguments, options and longer help on the commander command. */
  configure(command: Command): void;
  /** Runs with commander's parsed options and operands; returns the exit code. Throws CliError for usage/IO. */
  run(invocation: CommandInvocation, context: CliContext): Promise<ExitCode>;
}

export interface CommandInvocation {
  options: Record<string, unknown>;
  operands: string[];
}

/** The group command for `words` under `parent` (e.g. `retention` for `retention plan`), created once. */
function groupCommand(parent: Command, word: string): Command {
  const existing = parent.commands.find((c) => c.name() === word);
  return existing ?? parent.command(word).description(`${word} commands`);
}

/** Adds `command` to `program`; its exit code is handed to `onExitCode` when it has run. */
export function registerCommand(
  program: Command,
  command: CliCommand,
  context: CliContext,
  onExitCode: (code: ExitCode) => void,
): void {
  const groups = command.path.slice(0, -1);
  const leafName = command.path[command.path.length - 1] ?? command.path[0];
  const parent = groups.reduce(groupCommand, program);
  const leaf = parent.command(leafName).description(command.summary);
  command.configure(leaf);
  leaf.action(async () => {
    onExitCode(await command.run({ options: leaf.opts(), operands: leaf.args }, context));
  });
}
