import type { KubeConfig } from "@kubernetes/client-node";
import { KubeClient } from "./client.ts";
import { KubeTransport, type TransportOptions } from "./transport.ts";

export * from "./client.ts";
export * from "./errors.ts";
export * from "./paths.ts";
export * from "./transport.ts";

/** A typed client for one cluster, from its KubeConfig (see shared/clusters for where that comes from). */
export async function connectCluster(kubeConfig: KubeConfig, options: TransportOptions): Promise<KubeClient> {
  return new KubeClient(await KubeTransport.create(kubeConfig, options));
}
