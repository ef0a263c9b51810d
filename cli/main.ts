import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { Command, CommanderError } from "commander";
import { type CliCommand, registerCommand } from "./command.ts";
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
  commands: readonly CliCommand[] = COMMANDS,
): Command {
  const program = new Command("kss")
    .description("KubeStash backups driven by serverless functions: tools for people")
    .exitOverride()
    .configureOutput({ writeOut: context.writeOut, writeErr: context.writeErr })
    .showHelpAfterError("(run kss --help for usage)");
  for (const command of commands) registerCommand(program, command, context, onExitCode);
  return program;
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
    await program.parseAsync([...argv], { from: "user" });
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

// `tsx cli/main.ts …` (the npm script `kss`) runs it directly; bin/kss.mjs imports it and calls runCli.
if (isEntryPoint()) {
  process.exitCode = await runCli(process.argv.slice(2));
}
