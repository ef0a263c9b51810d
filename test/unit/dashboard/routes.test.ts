import { createHash } from "node:crypto";
import { Script } from "node:vm";
import { describe, expect, it, vi } from "vitest";
import { definition, type FleetDashboardDeps } from "../../../functions/fleet-dashboard/function.ts";
import { ManualClock } from "../../../shared/clock.ts";
import { UnknownClusterError } from "../../../shared/clusters/errors.ts";
import type { ClusterSelection } from "../../../shared/clusters/registry.ts";
import { answerDashboard, type DashboardDeps } from "../../../shared/dashboard/routes.ts";
import { DASHBOARD_SCRIPT } from "../../../shared/dashboard/script.ts";
import { handleRequest } from "../../../shared/handler/function-url.ts";
import type { FleetStatus } from "../../../shared/usecases/fleet-status.ts";
import { NOW } from "../../support/fleet-samples.ts";

/** The dashboard's two routes, as the local server and the function URL both answer them. */

const EMPTY: FleetStatus = {
  now: "2026-11-26T12:30:00Z",
  clusters: [],
  summary: {
    clusters: 0,
    reachable: 0,
    unreachable: 0,
    disabled: 0,
    configurations: 0,
    overdue: 0,
    failing: 0,
    rpoBreached: 0,
    rpoAtRisk: 0,
    running: 0,
    failures24h: 0,
    retries24h: 0,
    verificationsFailed: 0,
    operatorPresent: 0,
    leftoverWebhook: 0,
  },
};

/** The fleet-dashboard function through the handler convention's core (shared/handler/function-url.ts). */
const metrics = { addMetric: vi.fn() };
const answerFunctionUrl = (event: unknown, deps: DashboardDeps & Pick<FleetDashboardDeps, "logger">) =>
  handleRequest(definition, event, { ...deps, metrics });

function deps(fleet: DashboardDeps["fleet"] = async () => EMPTY) {
  const calls: Array<{ selection: ClusterSelection; now: Date }> = [];
  const recording: DashboardDeps = {
    clock: new ManualClock(NOW),
    refreshSeconds: 15,
    fleet: async (selection, now) => {
      calls.push({ selection, now });
      return fleet(selection, now);
    },
  };
  return { deps: recording, calls, logger: { warn: vi.fn(), error: vi.fn() } };
}

const get = (path: string, query: Record<string, string | undefined> = {}) => ({
  method: "GET",
  path,
  query,
});

function urlEvent(method: string, rawPath: string, rawQueryString = "") {
  return { version: "2.0", rawPath, rawQueryString, requestContext: { http: { method, path: rawPath } } };
}

describe("GET /", () => {
  it("serves the page with its refresh period, and a CSP that allows exactly its inline script", async () => {
    const response = await answerDashboard(get("/"), deps().deps);
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/html/);
    expect(response.body).toContain('data-refresh="15"');
    const script = /<script>([\s\S]*)<\/script>/.exec(response.body)?.[1] ?? "";
    const hash = createHash("sha256").update(script).digest("base64");
    expect(response.headers["content-security-policy"]).toContain(`script-src 'sha256-${hash}'`);
    expect(response.headers["content-security-policy"]).toContain("connect-src 'self'");
  });

  it("carries a script that is valid JavaScript", () => {
    expect(() => new Script(DASHBOARD_SCRIPT)).not.toThrow();
  });
});

describe("GET /api/fleet", () => {
  it("evaluates at the clock's now by default, for every cluster", async () => {
    const { deps: d, calls } = deps();
    const response = await answerDashboard(get("/api/fleet"), d);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual(EMPTY);
    expect(calls).toEqual([{ selection: {}, now: NOW }]);
  });

  it("passes ?now, ?cluster (comma list) and ?selector on", async () => {
    const { deps: d, calls } = deps();
    await answerDashboard(
      get("/api/fleet", { now: "2026-11-27T08:00:00+01:00", cluster: "a, b", selector: "env=prod" }),
      d,
    );
    expect(calls).toEqual([
      { selection: { ids: ["a", "b"], selector: "env=prod" }, now: new Date("2026-11-27T07:00:00Z") },
    ]);
  });

  it.each([
    { scenario: "a bad ?now", query: { now: "yesterday" }, error: /now: must be an RFC 3339 time/ },
    { scenario: "an unknown cluster", query: { cluster: "nope" }, error: /unknown cluster id "nope"/ },
  ])("answers 400 for $scenario", async ({ query, error }) => {
    const { deps: d } = deps(async () => {
      throw new UnknownClusterError(["nope"], ["a"]);
    });
    const response = await answerDashboard(get("/api/fleet", query), d);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).error).toMatch(error);
  });
});

describe("other requests", () => {
  it.each([
    { method: "POST", path: "/api/fleet", status: 405 },
    { method: "DELETE", path: "/", status: 405 },
    { method: "GET", path: "/admin", status: 404 },
  ])("$method $path: $status", async ({ method, path, status }) => {
    const response = await answerDashboard({ method, path, query: {} }, deps().deps);
    expect(response.status).toBe(status);
  });
});

describe("the fleet-dashboard function (function URL, payload 2.0)", () => {
  it("answers / and /api/fleet from the function URL request, HEAD without a body", async () => {
    const { deps: d, calls, logger } = deps();
    const page = await answerFunctionUrl(urlEvent("GET", "/"), { ...d, logger });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<main id="fleet">');
    const data = await answerFunctionUrl(
      urlEvent("GET", "/api/fleet", "cluster=a&now=2026-11-26T00:00:00Z"),
      {
        ...d,
        logger,
      },
    );
    expect(JSON.parse(data.body ?? "")).toEqual(EMPTY);
    expect(calls.at(-1)).toEqual({ selection: { ids: ["a"] }, now: new Date("2026-11-26T00:00:00Z") });
    const head = await answerFunctionUrl(urlEvent("HEAD", "/"), { ...d, logger });
    expect([head.statusCode, head.body]).toEqual([200, ""]);
  });

  it("answers 400 to an event that is not a function URL request", async () => {
    const { deps: d, logger } = deps();
    const response = await answerFunctionUrl({ "detail-type": "Schedule Tick" }, { ...d, logger });
    expect(response.statusCode).toBe(400);
    expect(logger.warn).toHaveBeenCalled();
    expect(metrics.addMetric).toHaveBeenCalledWith("MalformedRequests", "Count", 1);
  });

  it("answers 500 and logs when the fleet view fails unexpectedly", async () => {
    const { deps: d, logger } = deps(async () => {
      throw new Error("boom");
    });
    const response = await answerFunctionUrl(urlEvent("GET", "/api/fleet"), { ...d, logger });
    expect(response.statusCode).toBe(500);
    expect(logger.error).toHaveBeenCalled();
    expect(metrics.addMetric).toHaveBeenCalledWith("RequestsFailed", "Count", 1);
    expect(JSON.parse(response.body ?? "").error).toBe("the fleet view failed; see the function's logs");
  });
});
