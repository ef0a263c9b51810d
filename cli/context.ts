import { KssError } from "../shared/model/errors.ts";

/**
 * What a `kss` command may touch of the outside world, passed in so the commands can run in a test process
 * with captured output as well as in a real terminal.
 */
export interface CliContext {
  writeOut(text: string): void;
  writeErr(text: string): void;
  /** The whole of standard input, for `-f -`. */
  readStdin(): Promise<string>;
  /** Directory relative file names are resolved against. */
  cwd: string;
}

/** `kss` exit codes: every object valid, some object invalid, the command could not run as asked. */
export const ExitCode = { Ok: 0, Invalid: 1, Usage: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error that ends a command with a one-line message on stderr (no stack) and its exit code. */
export class CliError extends KssError {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.Usage,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A file or stdin that could not be read, or holds nothing to work on. */
export class InputError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.Usage, options);
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

let closedPipesHandled = false;

/**
 * A reader that stops reading (`kss fleet --help | head -2`) closes kss's stdout: the next write fails with
 * EPIPE, emitted as an 'error' event that Node would otherwise turn into a crash with a stack trace. kss
 * then ends at once, as a tool stopped by SIGPIPE does, but quietly and with exit 0: the reader has what it
 * asked for, and `set -o pipefail` scripts do not fail because `head` stopped early. A closed stderr is
 * ignored. Any other write error on stdout ends kss with one line on stderr and exit 2. Installed once.
 */
export function endQuietlyOnClosedPipes(
  stdout: NodeJS.WriteStream = process.stdout,
  stderr: NodeJS.WriteStream = process.stderr,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") exit(ExitCode.Ok);
    else {
      stderr.write(`kss: cannot write to stdout: ${error.message}\n`);
      exit(ExitCode.Usage);
    }
  });
  stderr.on("error", () => {});
}

/** The context of the running process: its stdout, stderr, stdin and working directory. */
export function processContext(): CliContext {
  if (!closedPipesHandled) {
    closedPipesHandled = true;
    endQuietlyOnClosedPipes();
  }
  return {
    writeOut: (text) => process.stdout.write(text),
    writeErr: (text) => process.stderr.write(text),
    readStdin: () => readAll(process.stdin),
    cwd: process.cwd(),
  };
}
