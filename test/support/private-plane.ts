import type { KubeClient } from "../../shared/kube/index.ts";
import { type ClusterInfo, type ControlPlane, startControlPlane } from "../controlplane/index.ts";
import { FaultProxy } from "./fault-proxy.ts";
import { lifecycleNamespace } from "./lifecycle.ts";

/**
 * A control plane of one cluster for one test file, for tests whose use case is cluster-wide (a sweep, a
 * tick): on the shared clusters it would act on other files' objects, and theirs on this file's. With the
 * lifecycle namespace (lifecycleNamespace) and a fault proxy in front of the API server as the functions.
 */
export interface PrivatePlane {
  one: ClusterInfo;
  admin: KubeClient;
  functions: KubeClient;
  ns: string;
  proxy: FaultProxy;
  /** Stops the proxy, then the control plane. */
  stop(): Promise<void>;
}

export async function startPrivatePlane(prefix: string): Promise<PrivatePlane> {
  const plane: ControlPlane = await startControlPlane({ clusters: 1 });
  try {
    const one = plane.clusters[0] as ClusterInfo;
    const { admin, functions, ns } = await lifecycleNamespace(one, prefix);
    const proxy = await FaultProxy.start(one, "functions");
    return {
      one,
      admin,
      functions,
      ns,
      proxy,
      stop: async () => {
        await proxy.stop();
        await plane.stop();
      },
    };
  } catch (error) {
    await plane.stop();
    throw error;
  }
}
