import { answerDashboard, type DashboardDeps } from "../../shared/dashboard/routes.ts";
import { defineUrlFunction, type UrlFunctionDeps } from "../../shared/handler/function-definition.ts";

export type FleetDashboardDeps = DashboardDeps & UrlFunctionDeps;

/**
 * The fleet dashboard in the cloud: a Lambda behind an IAM-authorized function URL (serverless.yml) that
 * answers the same routes as the local runtime — `/` (the page) and `/api/fleet` (JSON), `/coverage` and
 * `/api/coverage` (docs/coverage.md#the-page) — from the function URL's request. Read-only; the clusters are read with the registry packaged beside it (handler.ts).
 */
export const definition = defineUrlFunction({
  name: "fleet-dashboard",
  work: "the fleet view",
  answer: (request, deps: FleetDashboardDeps) => answerDashboard(request, deps),
});
