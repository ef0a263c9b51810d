import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { type CliContext, InputError } from "./context.ts";

/** Reading the file a command is pointed at (`-f <file>`, `-` for stdin), with errors a person can act on. */

export interface InputText {
  /** How to name the input in messages: the file name as given, or "stdin". */
  name: string;
  text: string;
}

function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && "code" in error;
}

const REASONS: Record<string, string> = {
  ENOENT: "no such file",
  EISDIR: "it is a directory, not a file",
  EACCES: "permission denied",
  EPERM: "permission denied",
};

function readFailureReason(error: unknown): string {
  if (isErrnoException(error) && error.code !== undefined) {
    return REASONS[error.code] ?? error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export async function readInputText(file: string, context: CliContext): Promise<InputText> {
  if (file === "-") {
    try {
      return { name: "stdin", text: await context.readStdin() };
    } catch (error) {
      throw new InputError(`cannot read stdin: ${readFailureReason(error)}`, { cause: error });
    }
  }
  try {
    return { name: file, text: await readFile(resolve(context.cwd, file), "utf8") };
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${readFailureReason(error)}`, { cause: error });
  }
}
