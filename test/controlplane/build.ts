import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CommandError, GoMissingError, TailBuffer } from "./errors.ts";

export const controlPlaneDir = path.dirname(fileURLToPath(import.meta.url));
export const projectRoot = path.resolve(controlPlaneDir, "../..");
const modulesDir = path.join(controlPlaneDir, "modules");
const kcpDir = path.join(controlPlaneDir, "kcp");

export interface ControlPlaneBinaries {
  binDir: string;
  kcp: string;
  etcd: string;
  kubeApiserver: string;
  /** Only when asked for with `controllerManager: true`. */
  kubeControllerManager?: string;
}

export interface EnsureOptions {
  /** Receives one human-readable line per step; defaults to stderr. */
  onProgress?: (line: string) => void;
  /** Also build kube-controller-manager (not needed by the tests). */
  controllerManager?: boolean;
}

interface Target {
  name: string;
  /** Folder under modules/ whose go.mod pins the sources. */
  module: string;
  source: string;
  pkg: string;
  ldflags?: string;
  /** Its first build on 2 cores, measured (etcd 98 s, kube-apiserver 605 s; /work/shared/notes/toolchain.md). */
  minutes: number;
}

/**
 * Builds (first run) or finds (later runs) kcp, etcd and kube-apiserver from their Go modules into
 * `.cache/controlplane/k8s-<v>_etcd-<v>/bin`. Nothing prebuilt is downloaded; Go fetches module sources.
 */
export async function ensureControlPlaneBinaries(options: EnsureOptions = {}): Promise<ControlPlaneBinaries> {
  const progress = options.onProgress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const k8s = await moduleVersion("apiserver", "k8s.io/kubernetes");
  const etcd = await moduleVersion("etcd", "go.etcd.io/etcd/server/v3");
  const binDir = path.join(projectRoot, ".cache", "controlplane", `k8s-${k8s}_etcd-${etcd}`, "bin");
  await mkdir(binDir, { recursive: true });

  const kubernetes = { module: "apiserver", source: `k8s.io/kubernetes ${k8s}` };
  const ldflags = `-X k8s.io/component-base/version.gitVersion=${k8s} -X k8s.io/component-base/version.gitTreeState=clean`;
  const targets: Target[] = [
    {
      name: "etcd",
      module: "etcd",
      source: `go.etcd.io/etcd/server/v3 ${etcd}`,
      pkg: "go.etcd.io/etcd/server/v3",
      minutes: 1.6,
    },
    {
      name: "kube-apiserver",
      ...kubernetes,
      pkg: "k8s.io/kubernetes/cmd/kube-apiserver",
      ldflags,
      minutes: 10,
    },
  ];
  if (options.controllerManager) {
    const pkg = "k8s.io/kubernetes/cmd/kube-controller-manager";
    targets.push({ name: "kube-controller-manager", ...kubernetes, pkg, ldflags, minutes: 6 });
  }
  for (const t of targets) {
    const out = path.join(binDir, t.name);
    if (existsSync(out)) continue;
    progress(
      `building ${t.name} from Go modules, ${t.source} (first run only, ~${t.minutes} min on 2 cores; cached in ${path.relative(projectRoot, binDir)})…`,
    );
    await goBuild(path.join(modulesDir, t.module), out, t.pkg, t.ldflags, progress);
  }
  await ensureKcp(binDir, progress);

  const bins: ControlPlaneBinaries = {
    binDir,
    kcp: path.join(binDir, "kcp"),
    etcd: path.join(binDir, "etcd"),
    kubeApiserver: path.join(binDir, "kube-apiserver"),
  };
  if (options.controllerManager) bins.kubeControllerManager = path.join(binDir, "kube-controller-manager");
  return bins;
}

/** kcp is ours and changes; rebuild it whenever its sources' hash differs from the stamp. */
async function ensureKcp(binDir: string, progress: (line: string) => void): Promise<void> {
  const hash = createHash("sha256");
  for (const name of (await readdir(kcpDir)).sort()) {
    if (name.endsWith(".go") || name === "go.mod")
      hash.update(name).update(await readFile(path.join(kcpDir, name)));
  }
  const digest = hash.digest("hex");
  const out = path.join(binDir, "kcp");
  const stamp = `${out}.sha256`;
  const built = existsSync(stamp) ? (await readFile(stamp, "utf8")).trim() : "";
  if (built === digest && existsSync(out)) return;
  progress("building kcp (test/controlplane/kcp)…");
  await goBuild(kcpDir, out, ".", undefined, progress);
  await writeFile(stamp, `${digest}\n`);
}

async function moduleVersion(module: string, modulePath: string): Promise<string> {
  const goMod = await readFile(path.join(modulesDir, module, "go.mod"), "utf8");
  const match = new RegExp(`^\\s*(?:require\\s+)?${modulePath.replaceAll(".", "\\.")}\\s+(v\\S+)`, "m").exec(
    goMod,
  );
  if (!match?.[1]) throw new Error(`no ${modulePath} version in ${module}/go.mod`);
  return match[1];
}

/** `go build -o out pkg` in cwd, writing to a temporary name first so a failed build leaves nothing. */
async function goBuild(
  cwd: string,
  out: string,
  pkg: string,
  ldflags: string | undefined,
  progress: (line: string) => void,
): Promise<void> {
  const tmp = `${out}.tmp-${process.pid}`;
  const args = ["build", "-buildvcs=false", "-o", tmp, ...(ldflags ? ["-ldflags", ldflags] : []), pkg];
  const started = Date.now();
  const heartbeat = setInterval(() => {
    progress(`  still building ${path.basename(out)} (${Math.round((Date.now() - started) / 1000)} s)…`);
  }, 60_000);
  try {
    await run("go", args, cwd);
    await rename(tmp, out);
    progress(`  built ${path.basename(out)} in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    clearInterval(heartbeat);
    await rm(tmp, { force: true });
  }
}

function run(command: string, args: string[], cwd: string): Promise<void> {
  const shown = `(cd ${path.relative(projectRoot, cwd) || "."} && ${command} ${args.map(quote).join(" ")})`;
  return new Promise((resolve, reject) => {
    const stderr = new TailBuffer();
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT" && command === "go") {
        const hint = "install Go >= 1.26 (https://go.dev/dl) and put `go` on PATH";
        reject(
          new GoMissingError(`\`go\` not found: it builds the test control plane; ${hint}`, { cause: err }),
        );
      } else reject(new CommandError(`could not run ${command}`, shown, stderr.toString(), { cause: err }));
    });
    child.on("close", (code, signal) => {
      if (code === 0) resolve();
      else
        reject(new CommandError(`${command} failed (${signal ?? `exit ${code}`})`, shown, stderr.toString()));
    });
  });
}

function quote(arg: string): string {
  return /^[\w./=:@+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}
