import { spawn } from "node:child_process";
import { join } from "node:path";
import type { CliContext } from "../../cli/context.ts";
import { runCli } from "../../cli/main.ts";
import { type ChildRun, childOutput } from "./child-output.ts";

/**
 * Running `kss` in tests: the real bin (bin/kss.mjs) as a child process, the way a person or a script would,
 * or runCli in this process with captured output for fast checks of the same behaviour.
 */

export const PROJECT_ROOT = join(import.meta.dirname, "../..");
export const KSS_BIN = join(PROJECT_ROOT, "bin/kss.mjs");
export const MANIFEST_FIXTURES = join(PROJECT_ROOT, "test/fixtures/manifests");

export type KssRun = ChildRun;

/** `kss <args>` in the project directory with `stdin` as its input; Node is this process's (22 under vitest). */
export function runKss(args: readonly string[], stdin = ""): Promise<KssRun> {
  const child = spawn(process.execPath, [KSS_BIN, ...args], { cwd: PROJECT_ROOT, env: { ...process.env } });
  return childOutput(child, stdin);
}

/** A CliContext that keeps what is written, reads `stdin` as given, and resolves files in the project. */
export function capturedContext(stdin = ""): CliContext & { stdout: () => string; stderr: () => string } {
  let stdout = "";
  let stderr = "";
  return {
    writeOut: (text) => {
      stdout += text;
    },
    writeErr: (text) => {
      stderr += text;
    },
    readStdin: async () => stdin,
    cwd: PROJECT_ROOT,
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

/** `kss <args>` through runCli in this process: the same exit code and output as the bin, much faster. */
export async function runKssInProcess(args: readonly string[], stdin = ""): Promise<KssRun> {
  const context = capturedContext(stdin);
  const exitCode = await runCli(args, context);
  return { exitCode, stdout: context.stdout(), stderr: context.stderr() };
}
