import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeLocalRegistry } from "../../local/demo.ts";
import { LocalRuntime } from "../../local/runtime.ts";
import { loadRegistryFile } from "../../shared/clusters/registry.ts";
import { type ControlPlane, startControlPlane } from "../controlplane/index.ts";
import { seedCluster, sessionInPhase } from "../support/fleet-world.ts";
import { PROJECT_ROOT, uniqueNamespace } from "../support/kube.ts";
import { installConfiguration, nextHour } from "../support/lifecycle.ts";

/**
 * The fleet dashboard of `npm start`'s runtime in a real headless browser (Debian's Chromium driven by
 * playwright-core), against a private control plane of 2 clusters: one with an overdue schedule, one with a
 * failed session. The page must show both clusters, highlight both problems, name the kubectl command for
 * each session, refresh itself, and break no rule of its Content Security Policy. Screenshot:
 * test-output/dashboard.png.
 */

const CHROMIUM = "/usr/bin/chromium";
/** As the machine notes say: no sandbox as root, and no background connections to a closed network. */
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const SCREENSHOT = path.join(PROJECT_ROOT, "test-output/dashboard.png");

let plane: ControlPlane;
let runtime: LocalRuntime;
let browser: Browser;
let dir: string;
const ns = uniqueNamespace("dashboard");
const due = nextHour();
const NOW = new Date(due.getTime() + 30 * 60_000);
let failedSession = "";

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium)`);
  }
  plane = await startControlPlane({ clusters: 2 });
  const [one, two] = await Promise.all(plane.clusters.map((c) => seedCluster(c, ns)));
  if (!one || !two) throw new Error("two clusters");
  await sessionInPhase(one.admin, ns, due, "Succeeded");
  failedSession = await sessionInPhase(two.admin, ns, due, "Failed");
  await installConfiguration(one.admin, ns, "late", {
    scheduler: { schedule: "*/10 * * * *", jobTemplate: {}, concurrencyPolicy: "Allow" },
  });
  await Promise.all([one, two].map((c) => c.admin.transport.close()));
  dir = await mkdtemp(path.join(os.tmpdir(), "kss-dashboard-"));
  const registryFile = path.join(dir, "clusters.yaml");
  await writeLocalRegistry(plane.clusters, registryFile);
  runtime = await LocalRuntime.start({
    registry: await loadRegistryFile(registryFile),
    logLevel: "ERROR",
    dashboardPort: 0,
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  await plane?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the fleet dashboard in Chromium", () => {
  it("shows both clusters, highlights the overdue schedule and the failed session, and refreshes itself", async () => {
    const [one, two] = plane.clusters;
    const url = runtime.dashboard?.url ?? "";
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await browser.newPage({ viewport: { width: 1700, height: 900 } });
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    const fetches: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes("/api/fleet")) fetches.push(request.url());
    });

    await page.goto(`${url}?now=${NOW.toISOString()}&refresh=1`);
    await page.waitForSelector("body[data-loaded=true]", { timeout: 15_000 });

    const clusters = await page
      .locator("section.cluster")
      .evaluateAll((sections) =>
        sections.map((s) => [s.getAttribute("data-cluster"), s.classList.contains("reachable")]),
      );
    expect(clusters).toEqual([
      [one?.id, true],
      [two?.id, true],
    ]);
    const overdue = page.locator(`section[data-cluster="${one?.id}"] tr.state-overdue`);
    await expect(overdue.getAttribute("data-configuration")).resolves.toBe(`${ns}/late`);
    expect(await overdue.locator("td.state").textContent()).toBe("overdue");
    const failing = page.locator(`section[data-cluster="${two?.id}"] tr.state-failing`);
    expect(await failing.count()).toBe(1);
    expect(await page.locator("#summary .pill.bad").allTextContents()).toEqual(["1 overdue"]);
    expect(await page.locator("#summary .pill.warn").first().textContent()).toBe("1 failing");

    // Open every session list; they must stay open across the refreshes (every second here).
    for (const summary of await page.locator("details > summary").all()) await summary.click();
    await page.waitForTimeout(2_500);
    expect(fetches.length).toBeGreaterThanOrEqual(3);
    expect(fetches.every((f) => f.includes(`now=${NOW.toISOString()}`))).toBe(true);
    const failed = failing.locator("li.phase-Failed");
    expect(await failed.locator("code.describe").isVisible()).toBe(true);
    expect(await failed.locator("code.describe").textContent()).toBe(
      `kubectl --kubeconfig ${two?.functionsKubeconfigPath} describe backupsession ${failedSession} -n ${ns}`,
    );

    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`dashboard screenshot: ${SCREENSHOT}`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("answers /api/fleet with JSON for a selected cluster, and 400 for a bad time", async () => {
    const url = runtime.dashboard?.url ?? "";
    const id = plane.clusters[1]?.id ?? "";
    const ok = await fetch(`${url}api/fleet?cluster=${id}&now=${NOW.toISOString()}`);
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { clusters: Array<{ id: string }>; summary: { failing: number } };
    expect(body.clusters.map((c) => c.id)).toEqual([id]);
    expect(body.summary.failing).toBe(1);
    const bad = await fetch(`${url}api/fleet?now=soon`);
    expect(bad.status).toBe(400);
  });
});
