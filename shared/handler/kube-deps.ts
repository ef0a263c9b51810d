import type { ClusterRegistry } from "../clusters/registry.ts";
import type { ClusterClients } from "../kube/cluster-clients.ts";
import type { BaseDeps } from "./function-definition.ts";

/** What functions that talk to clusters get: a client per registered cluster, and the registry. */
export interface KubeDeps extends BaseDeps {
  clusters: ClusterClients;
  loadRegistry: () => Promise<ClusterRegistry>;
}
