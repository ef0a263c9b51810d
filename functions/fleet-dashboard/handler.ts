import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { observability } from "../../shared/handler/observability.ts";
import { answerFunctionUrl, type FleetDashboardDeps, fleetDashboardDeps } from "./function.ts";

/**
 * Lambda entry of the fleet dashboard (function URL, IAM auth): dependencies built on the first call and
 * reused (a failed start-up is retried on the next call), Powertools' logger with the Lambda context.
 */

const { logger } = observability("fleet-dashboard");
let deps: Promise<FleetDashboardDeps> | undefined;

function depsOnce(): Promise<FleetDashboardDeps> {
  deps ??= fleetDashboardDeps(logger).catch((error: unknown) => {
    deps = undefined;
    throw error;
  });
  return deps;
}

export const handler = middy(async (event: unknown) => answerFunctionUrl(event, await depsOnce())).use(
  injectLambdaContext(logger, { resetKeys: true }),
);
