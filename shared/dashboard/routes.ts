import { z } from "zod";
import type { Clock } from "../clock.ts";
import { ClusterRegistryError } from "../clusters/errors.ts";
import type { ClusterSelection } from "../clusters/registry.ts";
import { InvalidInputError } from "../model/errors.ts";
import type { CoverageReport } from "../usecases/coverage.ts";
import type { FleetStatus } from "../usecases/fleet-status.ts";
import { COVERAGE_CSP, coverageHtml } from "./coverage-page.ts";
import { DASHBOARD_CSP, dashboardHtml } from "./page.ts";

/**
 * The dashboard's routes, without any HTTP server: `GET /` (the page) and `GET /api/fleet` (the fleet
 * view as JSON; `?now=<RFC 3339>`, `?cluster=a,b`, `?selector=k=v` as for `kss fleet`), and `GET /coverage`
 * (the Coverage page) with `GET /api/coverage` (`?cluster=`, `?selector=`; docs/coverage.md#the-page). The local runtime's
 * server and the fleet-dashboard function (Lambda function URL) both translate their request to this and back.
 */

export interface DashboardRequest {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
}

export interface DashboardResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface DashboardDeps {
  /** The fleet view of the selected clusters at `now` (fleetStatus with its adapters bound). */
  fleet(selection: ClusterSelection, now: Date): Promise<FleetStatus>;
  /** The coverage of the selected clusters, read at `now` (fleetCoverage with its adapters bound); absent: 404. */
  coverage?(selection: ClusterSelection, now: Date): Promise<CoverageReport>;
  clock: Clock;
  refreshSeconds?: number;
}

const FleetQuery = z.object({
  now: z.iso
    .datetime({ offset: true, error: "must be an RFC 3339 time such as 2026-11-26T12:00:00Z" })
    .transform((text) => new Date(text))
    .optional(),
  cluster: z
    .string()
    .transform((text) =>
      text
        .split(",")
        .map((id) => id.trim())
        .filter((id) => id !== ""),
    )
    .optional(),
  selector: z.string().optional(),
});

const COMMON_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

function json(status: number, value: unknown): DashboardResponse {
  return {
    status,
    headers: { ...COMMON_HEADERS, "content-type": "application/json; charset=utf-8" },
    body: JSON.stringify(value),
  };
}

export async function answerDashboard(
  request: DashboardRequest,
  deps: DashboardDeps,
): Promise<DashboardResponse> {
  const path = request.path.replace(/\/+$/, "") || "/";
  const coverage = path === "/coverage" || path === "/api/coverage";
  if ((path !== "/" && path !== "/api/fleet" && !coverage) || (coverage && !deps.coverage))
    return json(404, { error: `no route ${request.path}` });
  if (request.method !== "GET" && request.method !== "HEAD") {
    const response = json(405, { error: `${request.method} is not allowed: the dashboard is read-only` });
    return { ...response, headers: { ...response.headers, allow: "GET, HEAD" } };
  }
  if (path === "/") {
    return {
      status: 200,
      headers: {
        ...COMMON_HEADERS,
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": DASHBOARD_CSP,
      },
      body: dashboardHtml({ refreshSeconds: deps.refreshSeconds }),
    };
  }
  if (path === "/coverage") {
    return {
      status: 200,
      headers: {
        ...COMMON_HEADERS,
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": COVERAGE_CSP,
      },
      body: coverageHtml(),
    };
  }
  const parsed = FleetQuery.safeParse(request.query);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    return json(400, { error: `bad query: ${issues.join("; ")}` });
  }
  const { now, cluster, selector } = parsed.data;
  const selection: ClusterSelection = {
    ...(cluster && cluster.length > 0 ? { ids: cluster } : {}),
    ...(selector ? { selector } : {}),
  };
  try {
    const at = now ?? deps.clock.now();
    if (path === "/api/coverage" && deps.coverage) return json(200, await deps.coverage(selection, at));
    return json(200, await deps.fleet(selection, at));
  } catch (error) {
    // An unknown cluster id or a bad selector: the asker's mistake. Anything else escapes (a 500 upstream).
    if (error instanceof ClusterRegistryError || error instanceof InvalidInputError) {
      return json(400, { error: error.message });
    }
    throw error;
  }
}
