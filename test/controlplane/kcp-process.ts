import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { CommandError, ControlPlaneTimeoutError, TailBuffer } from "./errors.ts";

interface Waiter {
  match: (line: string) => boolean;
  resolve: (line: string) => void;
  reject: (error: Error) => void;
}

/**
 * The running `kcp up` process and its line protocol: it prints `KCP READY <state.json>`, then answers
 * commands on stdin (see request) with one `KCP …` line each.
 */
export class KcpProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly stderr = new TailBuffer();
  private readonly waiters = new Set<Waiter>();
  private readonly exited: Promise<void>;
  private readonly killOnExit = () => this.child.kill("SIGKILL");
  private exitError: Error | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    kcpBin: string,
    readonly args: string[],
    onLog?: (line: string) => void,
  ) {
    this.child = spawn(kcpBin, args, { stdio: ["pipe", "pipe", "pipe"] });
    process.once("exit", this.killOnExit);
    // Writing to a kcp that just died fails with EPIPE; its exit is reported through `exited` instead.
    this.child.stdin.on("error", () => {});
    this.child.stderr.on("data", (chunk: Buffer) => {
      this.stderr.push(chunk);
      onLog?.(chunk.toString().trimEnd());
    });
    createInterface({ input: this.child.stdout }).on("line", (line) => {
      const waiter = [...this.waiters].find((w) => w.match(line));
      if (waiter) {
        this.waiters.delete(waiter);
        waiter.resolve(line);
      } else {
        onLog?.(line); // e.g. "KCP EXITED cluster-2 …" when an apiserver crashed
      }
    });
    this.exited = new Promise((resolve) => {
      const onGone = (error: Error) => {
        process.removeListener("exit", this.killOnExit);
        this.exitError ??= error;
        for (const w of this.waiters) w.reject(this.exitError);
        this.waiters.clear();
        resolve();
      };
      this.child.on("error", (err) => onGone(this.failure(`could not start kcp: ${err.message}`, err)));
      this.child.on("close", (code, signal) =>
        onGone(this.failure(`kcp exited (${signal ?? `exit ${code}`})`)),
      );
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves with the first stdout line that satisfies match; rejects if kcp exits or time runs out. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number, what: string): Promise<string> {
    if (this.exitError) return Promise.reject(this.exitError);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new ControlPlaneTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.add(waiter);
    });
  }

  /**
   * Sends one command line and waits for `KCP <ok>…` or `KCP ERROR <line>…`; one command at a time.
   * Commands: `stop <id>` → STOPPED, `restart <id>` → RESTARTED, `dump-crds <file>` → DUMPED.
   */
  request(line: string, ok: string, timeoutMs: number): Promise<string> {
    const next = this.queue.then(async () => {
      const reply = this.waitForLine(
        (l) => l.startsWith(`KCP ${ok} `) || l.startsWith(`KCP ERROR ${line}`),
        timeoutMs,
        `kcp to answer "${line}"`,
      );
      this.child.stdin.write(`${line}\n`);
      const answer = await reply;
      if (answer.startsWith("KCP ERROR")) throw new CommandError(answer, line, this.stderr.toString());
      return answer;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Closes kcp's stdin and sends SIGTERM; kcp kills its children and exits. SIGKILL after graceMs. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin.end();
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    await this.exited;
  }

  private failure(message: string, cause?: Error): Error {
    return new CommandError(message, `kcp ${this.args.join(" ")}`, this.stderr.toString(), { cause });
  }
}
