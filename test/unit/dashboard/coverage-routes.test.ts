import { createHash } from "node:crypto";
import { Script } from "node:vm";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../shared/clock.ts";
import { UnknownClusterError } from "../../../shared/clusters/errors.ts";
import type { ClusterSelection } from "../../../shared/clusters/registry.ts";
import { prebundledScriptModule } from "../../../shared/dashboard/browser-bundle.ts";
import { COVERAGE_CSP } from "../../../shared/dashboard/coverage-page.ts";
import { answerDashboard, type DashboardDeps } from "../../../shared/dashboard/routes.ts";
import { COVERAGE_SCRIPT } from "../../../shared/dashboard/script.ts";
import { type CoverageReport, coverageSummary } from "../../../shared/usecases/coverage.ts";
import type { FleetStatus } from "../../../shared/usecases/fleet-status.ts";
import { NOW } from "../../support/fleet-samples.ts";

/** The Coverage page and `/api/coverage` (docs/coverage.md#the-page), as the local server and the function URL answer them. */

const REPORT: CoverageReport = { at: "2026-11-26T12:30:00Z", clusters: [], summary: coverageSummary([]) };

function deps(coverage?: DashboardDeps["coverage"]) {
  const calls: Array<{ selection: ClusterSelection; now: Date }> = [];
  const d: DashboardDeps = {
    clock: new ManualClock(NOW),
    fleet: async () => ({}) as FleetStatus,
    ...(coverage
      ? {
          coverage: async (selection: ClusterSelection, now: Date) => {
            calls.push({ selection, now });
            return coverage(selection, now);
          },
        }
      : {}),
  };
  return { deps: d, calls };
}

const get = (path: string, query: Record<string, string | undefined> = {}) => ({
  method: "GET",
  path,
  query,
});
const sha = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

describe("GET /coverage", () => {
  it("serves the page under a CSP that allows exactly its inline style and script, linking back to the fleet", async () => {
    const response = await answerDashboard(get("/coverage"), deps(async () => REPORT).deps);
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/html/);
    const script = /<script>([\s\S]*)<\/script>/.exec(response.body)?.[1] ?? "";
    const style = /<style>([\s\S]*)<\/style>/.exec(response.body)?.[1] ?? "";
    expect(script).toBe(COVERAGE_SCRIPT);
    expect(response.headers["content-security-policy"]).toBe(COVERAGE_CSP);
    expect(COVERAGE_CSP).toContain(`script-src ${sha(script)}`);
    expect(COVERAGE_CSP).toContain(`style-src ${sha(style)}`);
    expect(response.body).toContain('<a id="fleet-link" href="./">');
    expect(response.body).toContain('<main id="coverage">');
  });

  it("carries a script that is valid JavaScript, and the function bundles carry it too", () => {
    expect(() => new Script(COVERAGE_SCRIPT)).not.toThrow();
    expect(prebundledScriptModule()).toContain(
      `export const COVERAGE_SCRIPT = ${JSON.stringify(COVERAGE_SCRIPT)};`,
    );
  });

  it("is linked from the fleet page", async () => {
    const response = await answerDashboard(get("/"), deps(async () => REPORT).deps);
    expect(response.body).toMatch(/<a id="coverage-link" href="coverage">/);
  });
});

describe("GET /api/coverage", () => {
  it("reads every cluster at the clock's now by default", async () => {
    const { deps: d, calls } = deps(async () => REPORT);
    const response = await answerDashboard(get("/api/coverage"), d);
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(response.body)).toEqual(REPORT);
    expect(calls).toEqual([{ selection: {}, now: NOW }]);
  });

  it("passes ?cluster (comma list) and ?selector on", async () => {
    const { deps: d, calls } = deps(async () => REPORT);
    await answerDashboard(get("/api/coverage/", { cluster: "a, b", selector: "env=prod" }), d);
    expect(calls).toEqual([{ selection: { ids: ["a", "b"], selector: "env=prod" }, now: NOW }]);
  });

  it("answers 400 for an unknown cluster, 405 for a POST", async () => {
    const { deps: d } = deps(async () => {
      throw new UnknownClusterError(["nope"], ["a"]);
    });
    const bad = await answerDashboard(get("/api/coverage", { cluster: "nope" }), d);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatch(/unknown cluster id "nope"/);
    expect((await answerDashboard({ method: "POST", path: "/api/coverage", query: {} }, d)).status).toBe(405);
  });

  it("is no route where no coverage is wired", async () => {
    for (const path of ["/coverage", "/api/coverage"]) {
      expect((await answerDashboard(get(path), deps().deps)).status).toBe(404);
    }
  });
});
