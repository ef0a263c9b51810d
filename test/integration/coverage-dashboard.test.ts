import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { DashboardServer } from "../../local/dashboard-server.ts";
import { systemClock } from "../../shared/clock.ts";
import { loadRegistryFile } from "../../shared/clusters/registry.ts";
import type { KubeClient } from "../../shared/kube/client.ts";
import { type ControlPlane, startControlPlane } from "../controlplane/index.ts";
import {
  claim,
  configurationFor,
  deployment,
  pvcTarget,
  statefulSet,
  workloadTarget,
} from "../support/coverage-samples.ts";
import { adminAndFunctions, ensureNamespace, PROJECT_ROOT } from "../support/kube.ts";

/**
 * The dashboard's Coverage page (docs/coverage.md#the-page) in a real headless browser (Debian's Chromium driven
 * by playwright-core), served by the local runtime's dashboard server against a private control plane of 2
 * clusters and a registry entry nobody answers: cluster one partly covered (a covered StatefulSet, an uncovered
 * Deployment and its claim, a claim covered by a paused configuration), cluster two without any
 * BackupConfiguration. The page must show the three clusters, mark the uncovered items, the paused one and the
 * unreachable cluster, show every item on request, link to and from the fleet page, and break no rule of its
 * Content Security Policy. Screenshot: test-output/coverage.png.
 */

const CHROMIUM = "/usr/bin/chromium";
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
const SCREENSHOT = path.join(PROJECT_ROOT, "test-output/coverage.png");

let plane: ControlPlane;
let server: DashboardServer;
let browser: Browser;
let dir: string;
const tag = Date.now().toString(36).slice(-6);
const shop = `shop-${tag}`;
const db = `db-${tag}`;
const bare = `bare-${tag}`;

async function partlyCovered(admin: KubeClient): Promise<void> {
  await ensureNamespace(admin, shop);
  await ensureNamespace(admin, db);
  for (const pvc of [claim(shop, "images"), claim(shop, "archive"), claim(db, "data-pg-0")]) {
    await admin.create("PersistentVolumeClaim", pvc);
  }
  await admin.create("Deployment", deployment(shop, "catalog", { claims: ["images"] }));
  await admin.create("StatefulSet", statefulSet(db, "pg", { templates: ["data"] }));
  await admin.create("BackupConfiguration", configurationFor(db, "pg", workloadTarget("StatefulSet", "pg")));
  await admin.create(
    "BackupConfiguration",
    configurationFor(shop, "archive", pvcTarget("archive"), { paused: true }),
  );
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium)`);
  }
  plane = await startControlPlane({ clusters: 2 });
  const clients = await Promise.all(plane.clusters.map((c) => adminAndFunctions(c)));
  const [one, two] = clients;
  if (!one || !two) throw new Error("two clusters");
  await partlyCovered(one.admin);
  await ensureNamespace(two.admin, bare);
  await two.admin.create("PersistentVolumeClaim", claim(bare, "data"));
  await Promise.all(clients.flatMap((c) => [c.admin.transport.close(), c.functions.transport.close()]));

  dir = await mkdtemp(path.join(os.tmpdir(), "kss-coverage-dashboard-"));
  // A cluster on a port nobody listens on: refused at once.
  await writeFile(
    path.join(dir, "gone.kubeconfig"),
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:1", "insecure-skip-tls-verify": true } }],
      users: [{ name: "u", user: { token: "t" } }],
      contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
      "current-context": "x",
    }),
  );
  const registryFile = path.join(dir, "clusters.yaml");
  await writeFile(
    registryFile,
    stringify({
      clusters: [
        ...plane.clusters.map((c) => ({
          id: c.id,
          displayName: `local ${c.id}`,
          credentials: { source: "kubeconfig", path: c.functionsKubeconfigPath },
        })),
        { id: "gone", credentials: { source: "kubeconfig", path: "gone.kubeconfig" } },
      ],
    }),
  );
  server = await DashboardServer.start({
    registry: await loadRegistryFile(registryFile),
    clock: systemClock,
    clusterTimeoutMs: 3_000,
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await plane?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A page that records script errors, console errors and CSP violations. */
async function openPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  return { page, problems };
}

const rowsOf = (page: Page, cluster: string | undefined) =>
  page
    .locator(`section[data-cluster="${cluster}"] tr.item`)
    .evaluateAll((rows) =>
      rows.map((r) =>
        [
          r.getAttribute("data-kind"),
          r.getAttribute("data-namespace"),
          r.getAttribute("data-name"),
          r.getAttribute("data-state"),
        ].join(" "),
      ),
    );

describe("the Coverage page in Chromium", () => {
  it("shows every cluster, marks the uncovered items, the paused one and the unreachable cluster", async () => {
    const [one, two] = plane.clusters;
    const { page, problems } = await openPage();
    const fetches: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes("/api/coverage")) fetches.push(request.url());
    });
    await page.goto(`${server.url}coverage?refresh=1`);
    await page.waitForSelector("body[data-loaded=true]", { timeout: 15_000 });

    const sections = await page
      .locator("section.cluster")
      .evaluateAll((all) => all.map((s) => [s.getAttribute("data-cluster"), s.className]));
    expect(sections).toEqual([
      [one?.id, "cluster uncovered"],
      [two?.id, "cluster uncovered"],
      ["gone", "cluster unreachable"],
    ]);
    expect(await rowsOf(page, one?.id)).toEqual([
      `Namespace ${shop} ${shop} uncovered`,
      `Deployment ${shop} catalog uncovered`,
      `PersistentVolumeClaim ${shop} archive covered-paused`,
      `PersistentVolumeClaim ${shop} images uncovered`,
    ]);
    const paused = page.locator(`section[data-cluster="${one?.id}"] tr.state-covered-paused`);
    expect(await paused.locator("td.why").textContent()).toBe(`covered (paused): ${shop}/archive is paused`);
    expect(await paused.locator("span.state").textContent()).toBe("covered (paused)");
    expect(
      await page.locator(`section[data-cluster="${one?.id}"] tr[data-name="images"] td.why`).textContent(),
    ).toBe("mounted by Deployment catalog, which no BackupConfiguration targets");
    // Colours: uncovered rows red-tinted, paused amber-tinted.
    const background = (selector: string) =>
      page
        .locator(selector)
        .first()
        .evaluate((n) => getComputedStyle(n).backgroundColor);
    expect(await background(`section[data-cluster="${one?.id}"] tr.state-uncovered`)).toBe(
      "rgb(255, 245, 244)",
    );
    expect(await background(`section[data-cluster="${one?.id}"] tr.state-covered-paused`)).toBe(
      "rgb(255, 251, 235)",
    );

    expect((await rowsOf(page, two?.id))[0]).toBe("Cluster   uncovered");
    expect(
      await page.locator(`section[data-cluster="${two?.id}"] tr[data-kind="Cluster"] td.why`).textContent(),
    ).toBe("no BackupConfiguration in the cluster");
    expect(await page.locator('section[data-cluster="gone"] p.error').textContent()).toMatch(
      /^UnavailableError: .*(ECONNREFUSED|refused|fetch failed)/i,
    );
    expect(await page.locator("#summary .pill:not(.bad)").allTextContents()).toEqual([
      "2 namespaces uncovered",
      "1 workload uncovered",
      "2 PVCs uncovered",
      "1 covered (paused)",
      "6 excluded",
    ]);
    expect(await page.locator("#summary .pill.bad").allTextContents()).toEqual([
      "2/3 clusters reachable",
      "6 uncovered",
      "1 without any BackupConfiguration",
    ]);

    // Refreshes itself (every second here).
    await page.waitForTimeout(2_500);
    expect(fetches.length).toBeGreaterThanOrEqual(3);

    // Every item on request: the covered StatefulSet and its claim, the system namespaces excluded.
    await page.locator("#show-all").check();
    const all = await rowsOf(page, one?.id);
    expect(all).toContain(`StatefulSet ${db} pg covered`);
    expect(all).toContain(`PersistentVolumeClaim ${db} data-pg-0 covered`);
    expect(all).toContain("Namespace kube-system kube-system excluded");
    await page.locator("#show-all").uncheck();
    await page.waitForTimeout(1_500);
    expect(await page.locator("#show-all").isChecked()).toBe(false);

    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`coverage screenshot: ${SCREENSHOT}`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("is linked from the fleet page and links back to it", async () => {
    const { page, problems } = await openPage();
    await page.goto(`${server.url}?refresh=60`);
    await page.waitForSelector("body[data-loaded=true]", { timeout: 15_000 });
    await page.locator("#coverage-link").click();
    await page.waitForURL(`${server.url}coverage`);
    await page.waitForSelector("body[data-loaded=true]", { timeout: 15_000 });
    expect(await page.locator("h1").textContent()).toBe("Backup coverage");
    await page.locator("#fleet-link").click();
    await page.waitForURL(server.url);
    await page.waitForSelector("main#fleet", { timeout: 15_000 });
    expect(problems).toEqual([]);
    await page.close();
  });
});
