import type { TestProject } from "vitest/node";
import { type ClusterInfo, type ControlPlane, startControlPlane } from "../controlplane/index.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The real control plane of this run: 3 kube-apiservers on one etcd, KubeStash CRDs installed. */
    controlPlane: { clusters: ClusterInfo[]; stateFile: string };
  }
}

const CLUSTERS = 3;

/** One control plane for the whole integration run; tests read it with `inject("controlPlane")`. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  let plane: ControlPlane | undefined;
  try {
    plane = await startControlPlane({
      clusters: CLUSTERS,
      onProgress: (line) => process.stderr.write(`[controlplane] ${line}\n`),
    });
  } catch (err) {
    throw new Error(`the integration control plane did not start: ${(err as Error).message}`, { cause: err });
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stderr.write(`[controlplane] ${CLUSTERS} clusters ready in ${seconds} s (${plane.stateFile})\n`);
  project.provide("controlPlane", { clusters: plane.clusters, stateFile: plane.stateFile });
  return async () => {
    await plane?.stop();
  };
}
