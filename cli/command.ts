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

/**
 * A command known by its place and summary only, loaded (its module imported) when it is the one that runs
 * or whose help is asked for: `kss --help` and `kss validate` never load @kubernetes/client-node or the AWS
 * SDK, which only the cluster and bus commands import. cli/commands/index.ts lists every command this way.
 */
export interface LazyCliCommand {
  readonly path: readonly [string, ...string[]];
  /** One line for `kss --help`; the loaded command's own summary replaces it (a test keeps them equal). */
  readonly summary: string;
  load(): Promise<CliCommand>;
}

export type CommandEntry = CliCommand | LazyCliCommand;

function isLazy(command: CommandEntry): command is LazyCliCommand {
  return "load" in command;
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

/** Declares `command` on its commander command `leaf` and runs it as the action. */
function attach(
  leaf: Command,
  command: CliCommand,
  context: CliContext,
  onExitCode: (code: ExitCode) => void,
): void {
  leaf.description(command.summary);
  command.configure(leaf);
  leaf.action(async () => {
    onExitCode(await command.run({ options: leaf.opts(), operands: leaf.args }, context));
  });
}

/**
 * Adds `command` to `program`; its exit code is handed to `onExitCode` when it has run. A lazy command is
 * a bare entry (name and summary) until commander is about to parse it (`preSubcommand` of its parent, so
 * under `parseAsync`): then its module is loaded and it gets its options, arguments, help and action.
 */
export function registerCommand(
  program: Command,
  command: CommandEntry,
  context: CliContext,
  onExitCode: (code: ExitCode) => void,
): void {
  const groups = command.path.slice(0, -1);
  const leafName = command.path[command.path.length - 1] ?? command.path[0];
  const parent = groups.reduce(groupCommand, program);
  const leaf = parent.command(leafName).description(command.summary);
  if (!isLazy(command)) {
    attach(leaf, command, context, onExitCode);
    return;
  }
  let loaded: Promise<void> | undefined;
  parent.hook("preSubcommand", (_parent, subcommand) => {
    if (subcommand !== leaf) return;
    loaded ??= command.load().then((full) => attach(leaf, full, context, onExitCode));
    return loaded;
  });
}
