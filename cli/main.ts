import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { Command, CommanderError } from "commander";
import { type CommandEntry, registerCommand } from "./command.ts";
import { COMMANDS } from "./commands/index.ts";
import { type CliContext, CliError, ExitCode, processContext } from "./context.ts";

/**
 * `kss`: KubeStash-serverless for people. Builds the commander program from the plug-in commands of
 * cli/commands and runs it, turning every outcome into an exit code: the command's own (0 valid, 1 invalid),
 * 2 for usage errors and unreadable input, printed as one line on stderr without a stack trace.
 */

export function buildProgram(
  context: CliContext,
  onExitCode: (code: ExitCode) => void,
  commands: readonly CommandEntry[] = COMMANDS,
): Command {
  const program = new Command("kss")
    .description("KubeStash backups driven by serverless functions: tools for people")
    .exitOverride()
    .configureOutput({ writeOut: context.writeOut, writeErr: context.writeErr })
    .showHelpAfterError("(run kss --help for usage)");
  for (const command of commands) registerCommand(program, command, context, onExitCode);
  return program;
}

const HELP_FLAGS = new Set(["-h", "--help"]);

/**
 * The words commander should parse for `argv`, so that an unknown command is an error with or without a help
 * flag. commander looks at the help flag before it looks at the command (lib/command.js `_parseCommand`), so
 * `kss nosuch --help` would print the top-level help and exit 0, and `kss help nosuch` prints it as an
 * error without naming the word. Here `help [words…]` (at any level) becomes `[words…] --help`, and when a
 * word where a command belongs names none, the help flags are dropped: commander then reports `unknown
 * command 'nosuch'` with its spelling suggestion (exit 2). Options are skipped (the program and the groups
 * take none with a value); the walk stops at the first leaf command, whose arguments are its own.
 */
export function commandWords(program: Command, argv: readonly string[]): string[] {
  let command = program;
  for (let index = 0; index < argv.length; index++) {
    const word = argv[index] ?? "";
    if (word === "--") break;
    if (word.startsWith("-")) continue;
    if (command.commands.length === 0) break;
    if (word === "help") {
      const rest = argv.slice(index + 1);
      return commandWords(program, [
        ...argv.slice(0, index),
        ...rest,
        ...(rest.some((w) => HELP_FLAGS.has(w)) ? [] : ["--help"]),
      ]);
    }
    const next = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (next === undefined) return argv.filter((w) => !HELP_FLAGS.has(w));
    command = next;
  }
  return [...argv];
}

/** How an error that ended the program maps to output and an exit code. */
function exitCodeOf(error: unknown, context: CliContext): ExitCode {
  if (error instanceof CommanderError) {
    // commander has printed its message (or the help) already; help and --version exit 0.
    return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  }
  if (error instanceof CliError) {
    context.writeErr(`kss: ${error.message}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  context.writeErr(`kss: unexpected error: ${message}\n`);
  if (process.env.KSS_DEBUG && error instanceof Error) context.writeErr(`${error.stack ?? ""}\n`);
  return ExitCode.Usage;
}

/** Runs `kss` with the words after the program name; resolves to the exit code. */
export async function runCli(
  argv: readonly string[],
  context: CliContext = processContext(),
): Promise<ExitCode> {
  let exitCode: ExitCode = ExitCode.Ok;
  const program = buildProgram(context, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(commandWords(program, argv), { from: "user" });
  } catch (error) {
    return exitCodeOf(error, context);
  }
  return exitCode;
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
}

// `tsx cli/main.ts …` runs it directly; bin/kss.mjs (the npm script `kss`, `npx kss`) imports it, as the
// dist-cli/ bundle or through tsx, and calls runCli.
if (isEntryPoint()) {
  process.exitCode = await runCli(process.argv.slice(2));
}
