import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type EnsureOptions, ensureControlPlaneBinaries, projectRoot } from "./build.ts";
import { installCrds, readCrds } from "./crds.ts";
import { KcpProcess } from "./kcp-process.ts";

export { type ControlPlaneBinaries, ensureControlPlaneBinaries } from "./build.ts";
export * from "./errors.ts";

/** One cluster = one kube-apiserver with its own etcd prefix. Plain data, safe to pass to tests. */
export interface ClusterInfo {
  id: string;
  server: string;
  /** kubeconfig of kss-admin (system:masters). */
  kubeconfigPath: string;
  /** kubeconfig of kss-functions: no permissions unless a (Cluster)RoleBinding grants them. */
  functionsKubeconfigPath: string;
  caFile: string;
}

export interface ControlPlane {
  clusters: ClusterInfo[];
  stateFile: string;
  stateDir: string;
  /** SIGKILLs that cluster's kube-apiserver; resolves once it is gone, so calls to it are refused. */
  stopCluster(id: string): Promise<void>;
  /** Starts a stopped (or running) cluster's kube-apiserver again on the same address; data is kept. */
  restartCluster(id: string): Promise<void>;
  /** Ends kcp (and so etcd and every apiserver) and waits for it. */
  stop(): Promise<void>;
}

export interface StartOptions extends EnsureOptions {
  clusters?: number;
  /** Where certificates, kubeconfigs, logs and state.json go; a fresh temp dir (removed on stop) if omitted. */
  stateDir?: string;
  /** CRDs to install into every cluster; defaults to the project's own, infra/crds (`npm run crds`). */
  crdDir?: string;
  /** kcp's own diagnostics (stderr); silent by default. */
  onLog?: (line: string) => void;
}

interface KcpState {
  clusters: { id: string; server: string; kubeconfig: string; functionsKubeconfig: string; caFile: string }[];
}

/** Builds if needed, starts etcd + N kube-apiservers via kcp, installs the CRDs and waits until Established. */
export async function startControlPlane(options: StartOptions = {}): Promise<ControlPlane> {
  const bins = await ensureControlPlaneBinaries(options);
  const { crds, digest } = await readCrds(options.crdDir ?? path.join(projectRoot, "infra", "crds"));
  const ownsStateDir = options.stateDir === undefined;
  const stateDir = options.stateDir ?? (await mkdtemp(path.join(os.tmpdir(), "kss-kcp-")));
  const clusters = String(options.clusters ?? 2);
  // CRDs as stored by a previous run (same CRD files, same Kubernetes), preloaded into etcd: saves seconds.
  const seedFile = path.join(path.dirname(bins.binDir), `crd-seed-${digest.slice(0, 16)}.json`);
  const seeded = existsSync(seedFile);
  const args = ["up", "--dir", stateDir, "--bin", bins.binDir, "--clusters", clusters];
  const kcp = new KcpProcess(bins.kcp, seeded ? [...args, "--seed-crds", seedFile] : args, options.onLog);
  const stop = async () => {
    await kcp.stop();
    if (ownsStateDir) await rm(stateDir, { recursive: true, force: true });
  };
  const progress = options.onProgress ?? (() => {});
  const started = Date.now();
  const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  try {
    const ready = await kcp.waitForLine((l) => l.startsWith("KCP READY "), 180_000, "KCP READY");
    progress(`etcd + ${clusters} kube-apiservers ready in ${seconds()}; installing ${crds.length} CRDs…`);
    const stateFile = ready.slice("KCP READY ".length).trim();
    const state = JSON.parse(await readFile(stateFile, "utf8")) as KcpState;
    const infos: ClusterInfo[] = state.clusters.map((c) => ({
      id: c.id,
      server: c.server,
      kubeconfigPath: c.kubeconfig,
      functionsKubeconfigPath: c.functionsKubeconfig,
      caFile: c.caFile,
    }));
    await Promise.all(infos.map((c) => installCrds(c.kubeconfigPath, crds)));
    progress(`CRDs Established on every cluster at ${seconds()}${seeded ? " (preloaded)" : ""}`);
    if (!seeded) {
      await kcp.request(`dump-crds ${seedFile}`, "DUMPED", 30_000).catch((err: Error) => {
        progress(`could not save the CRDs for later starts (they will be installed again): ${err.message}`);
      });
    }
    return {
      clusters: infos,
      stateFile,
      stateDir,
      stopCluster: async (id) => {
        await kcp.request(`stop ${id}`, "STOPPED", 30_000);
      },
      restartCluster: async (id) => {
        await kcp.request(`restart ${id}`, "RESTARTED", 120_000);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
