import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFunctions } from "../../../scripts/bundle-functions.ts";
import { DASHBOARD_CSP } from "../../../shared/dashboard/page.ts";
import { DASHBOARD_SCRIPT } from "../../../shared/dashboard/script.ts";

/**
 * The fleet-dashboard Lambda as `npm run build` bundles it: the page's browser scripts are bundled into it
 * at build time (scripts/bundle-functions.ts), so the bundle serves the same page, script and CSP as the
 * local runtime, and carries no esbuild.
 */

let dir: string;
let bundle: string;
let handler: (event: unknown, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
const saved = { ...process.env };

const context = {
  functionName: "fleet-dashboard",
  awsRequestId: "req-1",
  invokedFunctionArn: "arn:aws:lambda:eu-west-1:111122223333:function:fleet-dashboard",
  memoryLimitInMB: "512",
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "kss-dashboard-bundle-"));
  await buildFunctions(["fleet-dashboard"], path.join(dir, "dist"));
  bundle = await readFile(path.join(dir, "dist/fleet-dashboard/index.mjs"), "utf8");
  await writeFile(path.join(dir, "clusters.yaml"), "clusters: []\n");
  Object.assign(process.env, { LAMBDA_TASK_ROOT: dir, POWERTOOLS_LOG_LEVEL: "SILENT" });
  const module = (await import(pathToFileURL(path.join(dir, "dist/fleet-dashboard/index.mjs")).href)) as {
    handler: typeof handler;
  };
  handler = module.handler;
}, 120_000);

afterAll(async () => {
  process.env = saved;
  if (dir) await rm(dir, { recursive: true, force: true });
});

const request = (rawPath: string) => ({
  version: "2.0",
  rawPath,
  rawQueryString: "",
  requestContext: { http: { method: "GET", path: rawPath } },
});

describe("the fleet-dashboard bundle", () => {
  it("serves the page with the browser scripts bundled at build time, under the same CSP", async () => {
    const page = await handler(request("/"), context);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`<script>${DASHBOARD_SCRIPT}</script>`);
    expect(page.headers?.["content-security-policy"]).toBe(DASHBOARD_CSP);
    const fleet = await handler(request("/api/fleet"), context);
    expect(JSON.parse(String(fleet.body))).toMatchObject({ clusters: [], summary: { clusters: 0 } });
  });

  it("carries neither esbuild nor the browser sources' bundler", () => {
    expect(bundle).not.toContain("ESBUILD_BINARY_PATH");
    expect(bundle).not.toContain("buildSync");
  });
});
