import path from "node:path";
import { z } from "zod";
import { systemClock } from "../../shared/clock.ts";
import { loadRegistryFile } from "../../shared/clusters/registry.ts";
import { functionUrlHandler } from "../../shared/handler/function-url.ts";
import { observability } from "../../shared/handler/observability.ts";
import { ClusterClients } from "../../shared/kube/cluster-clients.ts";
import { parseWith } from "../../shared/model/parse.ts";
import { fleetCoverage } from "../../shared/usecases/coverage.ts";
import { fleetStatus, fleetTransportOptions } from "../../shared/usecases/fleet-status.ts";
import { definition, type FleetDashboardDeps } from "./function.ts";

const DashboardEnvironment = z.object({
  /** Registry file packaged with the function, relative to the task root. */
  KSS_CLUSTER_REGISTRY: z.string().min(1).default("clusters.yaml"),
  LAMBDA_TASK_ROOT: z.string().optional(),
  /** Time each cluster has to answer; keep it below the function's timeout. */
  KSS_FLEET_CLUSTER_TIMEOUT_MS: z.coerce.number().int().positive().default(8_000),
  KSS_DASHBOARD_REFRESH_SECONDS: z.coerce.number().int().positive().default(30),
});

/** Built once per container: the registry, one client per cluster (reused by later calls), the clock. */
async function fleetDashboardDeps(
  obs: Pick<FleetDashboardDeps, "logger" | "metrics">,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<FleetDashboardDeps> {
  const env = parseWith(DashboardEnvironment, environment, "the function's environment");
  const registryFile = path.resolve(env.LAMBDA_TASK_ROOT ?? process.cwd(), env.KSS_CLUSTER_REGISTRY);
  const timeoutMs = env.KSS_FLEET_CLUSTER_TIMEOUT_MS;
  const clusters = new ClusterClients(await loadRegistryFile(registryFile), {
    transport: fleetTransportOptions(timeoutMs),
  });
  return {
    ...obs,
    clock: systemClock,
    refreshSeconds: env.KSS_DASHBOARD_REFRESH_SECONDS,
    fleet: (selection, now) => fleetStatus({ clusters, clusterTimeoutMs: timeoutMs }, selection, now),
    coverage: (selection, now) => fleetCoverage({ clusters, clusterTimeoutMs: timeoutMs }, selection, now),
  };
}

const obs = observability(definition.name);

/** Lambda entry of the fleet dashboard (function URL, IAM auth), by the handler convention (function-url.ts). */
export const handler = functionUrlHandler(definition, () => fleetDashboardDeps(obs), obs);
