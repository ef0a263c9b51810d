import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { promisify } from "node:util";

/**
 * A real moto server (AWS services emulated over HTTP) for integration tests: `python3 -m moto.server` on a
 * free loopback port, started and stopped by the test run. Clients reach it with {@link motoClientConfig}.
 */

export const MOTO_REGION = "us-east-1";

export interface MotoServer {
  /** e.g. `http://127.0.0.1:41234`; pass it as the `endpoint` of any AWS SDK client. */
  endpoint: string;
  stop(): Promise<void>;
}

export interface MotoOptions {
  /** Python with moto installed; default `$MOTO_PYTHON` or `python3`. */
  python?: string;
  startTimeoutMs?: number;
}

/** moto, or the Python it is meant to run on, is not on this machine. */
export class MotoNotInstalledError extends Error {
  constructor(python: string, detail: string) {
    super(`moto is not available to ${python} (${detail}); install it with: pip install "moto[server]"`);
    this.name = "MotoNotInstalledError";
  }
}

/** SDK client settings for moto: its endpoint, us-east-1, and dummy credentials (moto accepts any). */
export function motoClientConfig(endpoint: string) {
  return {
    endpoint,
    region: MOTO_REGION,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  };
}

const execFileAsync = promisify(execFile);

/**
 * `python3 -m moto.server`, plus a watchdog: moto exits when its stdin closes, i.e. when this process is gone
 * (even by SIGKILL, when no exit handler runs), so a killed test run leaves no server behind.
 */
const MOTO_WITH_WATCHDOG = [
  "import os, sys, threading",
  "threading.Thread(target=lambda: (sys.stdin.buffer.read(), os._exit(0)), daemon=True).start()",
  "from moto.server import main",
  "main(sys.argv[1:])",
].join("\n");

/** Starts moto and resolves once it answers HTTP. */
export async function startMoto(options: MotoOptions = {}): Promise<MotoServer> {
  const python = options.python ?? process.env.MOTO_PYTHON ?? "python3";
  await ensureMotoInstalled(python);
  const port = await freeLoopbackPort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(python, ["-c", MOTO_WITH_WATCHDOG, "-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["pipe", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const stop = async () => {
    process.off("exit", killOnExit);
    await stopChild(child);
  };
  try {
    await waitUntilAnswering(endpoint, child, options.startTimeoutMs ?? 30_000);
  } catch (error) {
    await stop();
    const output = stderr.trim() === "" ? "" : `\n--- moto stderr ---\n${stderr.trim()}`;
    throw new Error(`moto did not start on ${endpoint}: ${(error as Error).message}${output}`, {
      cause: error,
    });
  }
  return { endpoint, stop };
}

async function ensureMotoInstalled(python: string): Promise<void> {
  try {
    await execFileAsync(python, ["-c", "import moto.server"], { timeout: 30_000 });
  } catch (error) {
    const { code, stderr } = error as { code?: unknown; stderr?: unknown };
    const lastLine = String(stderr ?? "")
      .trim()
      .split("\n")
      .at(-1);
    const detail = code === "ENOENT" ? `${python} not found` : lastLine || String(error);
    throw new MotoNotInstalledError(python, detail);
  }
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no port was assigned"))));
    });
  });
}

async function waitUntilAnswering(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the server exited (code ${child.exitCode}, signal ${child.signalCode})`);
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`no answer within ${timeoutMs} ms`);
}

/** SIGTERM, then SIGKILL if it has not exited within 5 s; resolves once the process is gone. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}
