import type { ChildProcess } from "node:child_process";

/** What a child process printed, and how it ended. */
export interface ChildRun {
  /** null when the child was killed by a signal. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Collects a spawned child's stdout and stderr (piped) as text until it exits. `stdin`, when given, is written
 * to the child's piped stdin, which is then closed. Rejects only when the child cannot be started.
 */
export function childOutput(child: ChildProcess, stdin?: string): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (exitCode) => resolve({ exitCode, stdout, stderr }));
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}
