import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFunctions } from "../../../scripts/bundle-functions.ts";
import { childOutput } from "../../support/child-output.ts";

/**
 * Issue 17: esbuild's minifier renames classes, so without `keepNames` a bundled function logs
 * `"name": "CV"` for a ForbiddenError. Here apply-retention is bundled as `npm run build` bundles it (and once
 * without keepNames, to show what the option changes), started in a fresh Node process as Lambda would,
 * and its daily sweep is run against an API server that answers 403: the logged error must name its class.
 */

const FUNCTION = "apply-retention";
let workDir: string;
let apiServer: Server;

/** An API server that refuses everything with a Kubernetes Status 403. */
function forbiddingApiServer(): Promise<Server> {
  const server = createServer((_request, response) => {
    response.writeHead(403, { "content-type": "application/json" });
    response.end(
      JSON.stringify({
        kind: "Status",
        apiVersion: "v1",
        status: "Failure",
        message: 'backupconfigurations.core.kubestash.com is forbidden: User "test" cannot list',
        reason: "Forbidden",
        code: 403,
      }),
    );
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** The registry and kubeconfig the bundle reads from its task root (LAMBDA_TASK_ROOT). */
async function writeTaskRoot(dir: string, port: number): Promise<void> {
  await writeFile(
    path.join(dir, "kubeconfig.yaml"),
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      `- name: c\n  cluster: { server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true }`,
      "users:",
      "- name: u\n  user: { token: test }",
      "contexts:",
      "- name: c\n  context: { cluster: c, user: u }",
      "current-context: c",
      "",
    ].join("\n"),
  );
  await writeFile(
    path.join(dir, "clusters.yaml"),
    "clusters:\n  - id: cluster-1\n    credentials: { source: kubeconfig, path: kubeconfig.yaml }\n",
  );
}

/** Invokes the bundle's handler once with the daily "Scheduled Event"; resolves to its JSON log lines. */
async function invokeBundle(bundle: string): Promise<Array<Record<string, unknown>>> {
  const script = `
    const { handler } = await import(${JSON.stringify(bundle)});
    const event = { version: "0", id: "daily-1", "detail-type": "Scheduled Event", source: "aws.events",
      account: "123456789012", time: new Date().toISOString(), region: "us-east-1", resources: [], detail: {} };
    const context = { functionName: "${FUNCTION}", awsRequestId: "req-1", memoryLimitInMB: "256",
      invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:${FUNCTION}", functionVersion: "1",
      getRemainingTimeInMillis: () => 30000 };
    await handler(event, context);`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    env: {
      PATH: process.env.PATH ?? "",
      KSS_EVENT_BUS_NAME: "test-bus",
      KSS_DEAD_LETTER_QUEUE_URL: "http://127.0.0.1:9/dead-letters",
      KSS_KUBE_TIMEOUT_MS: "5000",
      LAMBDA_TASK_ROOT: workDir,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "offline",
      AWS_SECRET_ACCESS_KEY: "offline",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const { exitCode, stdout, stderr } = await childOutput(child);
  if (exitCode !== 0)
    throw new Error(`the bundle's handler failed (exit ${exitCode}): ${stderr.slice(0, 500)}`);
  // Powertools writes ERROR lines to stderr and the others to stdout.
  const lines = `${stdout}\n${stderr}`.split("\n").filter((line) => line.startsWith("{"));
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The `error` of the sweep's "retention sweep failed for a cluster" log line. */
async function loggedSweepError(
  bundle: string,
): Promise<{ name?: string; message?: string; stack?: string }> {
  const lines = await invokeBundle(bundle);
  const line = lines.find((l) => l.message === "retention sweep failed for a cluster");
  expect(line, JSON.stringify(lines).slice(0, 500)).toBeDefined();
  return (line?.error ?? {}) as { name?: string; message?: string; stack?: string };
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), "kss-keep-names-"));
  apiServer = await forbiddingApiServer();
  await writeTaskRoot(workDir, (apiServer.address() as AddressInfo).port);
  await Promise.all([
    buildFunctions([FUNCTION], path.join(workDir, "kept")),
    buildFunctions([FUNCTION], path.join(workDir, "minified"), { keepNames: false }),
  ]);
}, 180_000);

afterAll(async () => {
  apiServer?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe("function bundles keep class names (keepNames)", () => {
  it("a bundled handler's logged error names its class: ForbiddenError", async () => {
    const error = await loggedSweepError(path.join(workDir, "kept", FUNCTION, "index.mjs"));

    expect(error.name).toBe("ForbiddenError");
    expect(error.message).toBe(
      '[cluster-1] backupconfigurations.core.kubestash.com is forbidden: User "test" cannot list',
    );
    expect(error.stack).toMatch(/^ForbiddenError: \[cluster-1\]/);
  }, 60_000);

  it("without keepNames the same log line names a minified identifier (what the option fixes)", async () => {
    const error = await loggedSweepError(path.join(workDir, "minified", FUNCTION, "index.mjs"));

    expect(error.message).toMatch(/^\[cluster-1\] .* is forbidden/);
    expect(error.name).not.toBe("ForbiddenError");
    expect(error.name).toMatch(/^[A-Za-z_$][\w$]{0,2}$/);
  }, 60_000);
});
