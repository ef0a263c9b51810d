import { inject } from "vitest";
import type { ClusterInfo } from "../controlplane/index.ts";

/**
 * Cluster `index` (0 = the first) of the control plane the integration setup shares between test files
 * (test/integration/global-setup.ts); throws when the setup provides fewer. Apart from kube.ts, which the
 * benchmarks and `npm start` import outside vitest.
 */
export function sharedCluster(index = 0): ClusterInfo {
  const cluster = inject("controlPlane").clusters[index];
  if (!cluster) throw new Error(`the integration setup provides no cluster ${index + 1}`);
  return cluster;
}
