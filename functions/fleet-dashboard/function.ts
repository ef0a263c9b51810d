import path from "node:path";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { z } from "zod";
import { systemClock } from "../../shared/clock.ts";
import { loadRegistryFile } from "../../shared/clusters/registry.ts";
import { dashboardRequestOf, functionUrlResult } from "../../shared/dashboard/function-url.ts";
import { answerDashboard, type DashboardDeps } from "../../shared/dashboard/routes.ts";
import { ClusterClients } from "../../shared/kube/cluster-clients.ts";
import { InvalidInputError } from "../../shared/model/errors.ts";
import { parseWith } from "../../shared/model/parse.ts";
import { fleetStatus, fleetTransportOptions } from "../../shared/usecases/fleet-status.ts";

/**
 * The fleet dashboard in the cloud: a Lambda behind an IAM-authorized function URL (serverless.yml) that
 * answers the same two routes as the local runtime — `/` (the page) and `/api/fleet` (JSON) — from the
 * function URL's request. Read-only; the clusters are read with the registry packaged beside it.
 */

export const DashboardEnvironment = z.object({
  /** Registry file packaged with the function, relative to the task root. */
  KSS_CLUSTER_REGISTRY: z.string().min(1).default("clusters.yaml"),
  LAMBDA_TASK_ROOT: z.string().optional(),
  /** Time each cluster has to answer; keep it below the function's timeout. */
  KSS_FLEET_CLUSTER_TIMEOUT_MS: z.coerce.number().int().positive().default(8_000),
  KSS_DASHBOARD_REFRESH_SECONDS: z.coerce.number().int().positive().default(30),
});

export interface FleetDashboardDeps extends DashboardDeps {
  logger: Pick<Logger, "warn" | "error">;
}

/** Built once per container: the registry, one client per cluster (reused by later calls), the clock. */
export async function fleetDashboardDeps(
  logger: FleetDashboardDeps["logger"],
  environment: NodeJS.ProcessEnv = process.env,
): Promise<FleetDashboardDeps> {
  const env = parseWith(DashboardEnvironment, environment, "the function's environment");
  const registryFile = path.resolve(env.LAMBDA_TASK_ROOT ?? process.cwd(), env.KSS_CLUSTER_REGISTRY);
  const timeoutMs = env.KSS_FLEET_CLUSTER_TIMEOUT_MS;
  const clusters = new ClusterClients(await loadRegistryFile(registryFile), {
    transport: fleetTransportOptions(timeoutMs),
  });
  return {
    logger,
    clock: systemClock,
    refreshSeconds: env.KSS_DASHBOARD_REFRESH_SECONDS,
    fleet: (selection, now) => fleetStatus({ clusters, clusterTimeoutMs: timeoutMs }, selection, now),
  };
}

const plain = (statusCode: number, message: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  body: JSON.stringify({ error: message }),
});

/** One function URL request → one answer; never throws (a failure is a logged 500). */
export async function answerFunctionUrl(
  event: unknown,
  deps: FleetDashboardDeps,
): Promise<APIGatewayProxyStructuredResultV2> {
  let request: ReturnType<typeof dashboardRequestOf>;
  try {
    request = dashboardRequestOf(event);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    deps.logger.warn("not a function URL request", { issues: error.issues });
    return plain(400, error.message);
  }
  try {
    return functionUrlResult(await answerDashboard(request, deps), request.method);
  } catch (error) {
    deps.logger.error("the fleet view failed", { error: error instanceof Error ? error : String(error) });
    return plain(500, "the fleet view failed; see the function's logs");
  }
}
