import { ClusterClients } from "../kube/cluster-clients.ts";
import { type CloudDeps, cloudDeps } from "./cloud-deps.ts";
import type { BaseDeps } from "./function-definition.ts";
import type { KubeDeps } from "./kube-deps.ts";

/** cloudDeps plus a Kubernetes client per registered cluster: for the functions that talk to clusters only. */
export async function cloudKubeDeps(
  observability: Pick<BaseDeps, "logger" | "metrics">,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<CloudDeps & KubeDeps> {
  const base = await cloudDeps(observability, environment);
  const registry = await base.loadRegistry();
  const clusters = new ClusterClients(registry, { transport: { timeoutMs: base.env.KSS_KUBE_TIMEOUT_MS } });
  return { ...base, clusters };
}
