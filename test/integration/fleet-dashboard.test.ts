import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeLocalRegistry } from "../../local/demo.ts";
import { LocalRuntime } from "../../local/runtime.ts";
import { loadRegistryFile } from "../../shared/clusters/registry.ts";
import type { KubeClient } from "../../shared/kube/client.ts";
import { parseWith, Snapshot } from "../../shared/model/index.ts";
import type { FleetStatus } from "../../shared/usecases/fleet-status.ts";
import { type ControlPlane, startControlPlane } from "../controlplane/index.ts";
import {
  RESTORE_FAILURE,
  type RunHistorySeed,
  seedCluster,
  seedRunHistory,
  seedVerifications,
  sessionInPhase,
  type VerificationSeed,
} from "../support/fleet-world.ts";
import { PROJECT_ROOT, uniqueNamespace } from "../support/kube.ts";
import { installConfiguration, nextHour } from "../support/lifecycle.ts";

/**
 * The fleet dashboard of `npm start`'s runtime in a real headless browser (Debian's Chromium driven by
 * playwright-core), against a private control plane of 2 clusters: one with an overdue schedule, one with a
 * failed session. The page must show both clusters, highlight both problems, name the kubectl command for
 * each session, refresh itself, and break no rule of its Content Security Policy; and draw each session's
 * runs as coloured cells in time with a duration sparkline (a configuration "history" with a run of each
 * kind); and each session's verified restore per repository (a configuration "verified" on cluster one with a
 * verification of each result, docs/verification.md#visibility). Screenshots: test-output/dashboard.png (the
 * page), test-output/dashboard-runs.png (cluster two), test-output/dashboard-verification.png (cluster one).
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
const RUNS_SCREENSHOT = path.join(PROJECT_ROOT, "test-output/dashboard-runs.png");
const VERIFICATION_SCREENSHOT = path.join(PROJECT_ROOT, "test-output/dashboard-verification.png");
const RPO_SCREENSHOT = path.join(PROJECT_ROOT, "test-output/dashboard-rpo.png");

let plane: ControlPlane;
let runtime: LocalRuntime;
let browser: Browser;
let dir: string;
const ns = uniqueNamespace("dashboard");
const due = nextHour();
const NOW = new Date(due.getTime() + 30 * 60_000);
let failedSession = "";
let seed: RunHistorySeed;
let verified: VerificationSeed;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium)`);
  }
  plane = await startControlPlane({ clusters: 2 });
  const [one, two] = await Promise.all(plane.clusters.map((c) => seedCluster(c, ns)));
  if (!one || !two) throw new Error("two clusters");
  await sessionInPhase(one.admin, ns, due, "Succeeded");
  failedSession = await sessionInPhase(two.admin, ns, due, "Failed");
  seed = await seedRunHistory(two.admin, ns, due);
  verified = await seedVerifications(one.admin, ns, NOW);
  await installConfiguration(one.admin, ns, "late", {
    scheduler: { schedule: "*/10 * * * *", jobTemplate: {}, concurrencyPolicy: "Allow" },
  });
  await seedRpoLevels(one.admin);
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
    // docs/rpo.md#where-it-shows: the rpo-l3, -l4 and -l5 sessions are at their alarm level (3).
    expect(await page.locator("#summary .pill.bad").allTextContents()).toEqual([
      "1 overdue",
      "3 at RPO risk",
    ]);
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

  it("draws each session's runs as coloured cells in time, with tooltips, and its durations as a sparkline", async () => {
    const [one, two] = plane.clusters;
    // The runtime's first sweep (at its start) takes the newest "history" session on: with no executor it
    // stays Pending or Running.
    const functions = await runtime.clusters.client(two?.id ?? "");
    const deadline = Date.now() + 30_000;
    let phase: string | undefined;
    while (phase === undefined && Date.now() < deadline) {
      phase = (await functions.get("BackupSession", ns, seed.running)).status?.phase;
      if (phase === undefined) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(["Pending", "Running"]).toContain(phase);
    // Twice the pixels, so the screenshot shows the cells' shapes and borders.
    const page = await browser.newPage({ viewport: { width: 1700, height: 900 }, deviceScaleFactor: 2 });
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    await page.goto(`${runtime.dashboard?.url ?? ""}?now=${NOW.toISOString()}&refresh=60`);
    await page.waitForSelector("body[data-loaded=true]", { timeout: 15_000 });
    const cellsOf = (cluster: string | undefined, configuration: string) =>
      page
        .locator(
          `section[data-cluster="${cluster}"] tr[data-configuration="${ns}/${configuration}"] td.runs .run`,
        )
        .evaluateAll((cells) =>
          cells.map((c) => {
            const style = c.ownerDocument.defaultView?.getComputedStyle(c);
            return {
              kind: c.getAttribute("data-kind"),
              session: c.getAttribute("data-session"),
              time: c.getAttribute("data-time"),
              className: c.className,
              title: c.getAttribute("title") ?? "",
              background: style?.backgroundColor,
              border: style?.borderTopStyle,
              width: c.getBoundingClientRect().width,
              left: c.getBoundingClientRect().left,
            };
          }),
        );
    const minute = (m: number) => new Date(due.getTime() + m * 60_000).toISOString().replace(".000Z", "Z");

    const history = await cellsOf(two?.id, "history");
    expect(history.map((c) => [c.kind, c.session, c.time])).toEqual([
      ["succeeded", seed.succeeded, minute(0)],
      ["retried", seed.retried, minute(5)],
      ["succeeded", seed.retry, minute(7)],
      ["missed", null, minute(10)],
      ["skipped", seed.skipped, minute(15)],
      ["succeeded", seed.succeededLast, minute(20)],
      ["running", seed.running, minute(25)],
    ]);
    // In time on the screen too: oldest left, each cell drawn (not collapsed), left to right.
    expect(history.every((c) => c.width >= 8)).toBe(true);
    expect(history.map((c) => c.left)).toEqual([...history.map((c) => c.left)].sort((a, b) => a - b));
    const colour: Record<string, string> = {
      succeeded: "rgb(26, 127, 55)",
      retried: "rgb(251, 143, 68)",
      missed: "rgb(255, 255, 255)",
      skipped: "rgb(175, 184, 193)",
      running: "rgb(9, 105, 218)",
      failed: "rgb(207, 34, 46)",
    };
    expect(history.map((c) => c.background)).toEqual(history.map((c) => colour[c.kind ?? ""]));
    expect(history[3]?.border).toBe("dashed");
    expect(history[2]?.className).toBe("run run-succeeded run-retry");
    expect(history[2]?.title).toContain(`retry of ${seed.retried}`);
    expect(history[1]?.title).toBe(
      `${seed.retried}\nFailed, retried · due ${minute(5)} · schedule\ntook 1m\nretried by ${seed.retry}`,
    );
    expect(history[3]?.title).toBe(
      `missed · due ${minute(10)}\nno BackupSession for this schedule time (ScheduleMissed: SupersededByNewerSchedule)`,
    );
    expect(history[0]?.title).toBe(`${seed.succeeded}\nSucceeded · due ${minute(0)} · schedule\ntook 1m10s`);
    expect(history[6]?.title).toMatch(
      new RegExp(`^${seed.running}\\nrunning \\((Pending|Running)\\) · due ${minute(25)} · schedule$`),
    );

    // The one-session rows: a success on cluster one, a failure on cluster two, each in its colour.
    const succeeded = await cellsOf(one?.id, "app");
    const failed = await cellsOf(two?.id, "app");
    expect(succeeded.map((c) => [c.kind, c.background])).toEqual([["succeeded", colour.succeeded]]);
    expect(failed.map((c) => [c.kind, c.session, c.background])).toEqual([
      ["failed", failedSession, colour.failed],
    ]);
    // The overdue row: only missed times, as many as its Overdue column counts.
    const late = await cellsOf(one?.id, "late");
    const overdueText = await page
      .locator(`section[data-cluster="${one?.id}"] tr[data-configuration="${ns}/late"] td.bad`)
      .last()
      .textContent();
    const missedRuns = Number(/\((\d+) missed\)/.exec(overdueText ?? "")?.[1]);
    expect(missedRuns).toBeGreaterThan(0);
    expect(late.map((c) => c.kind)).toEqual(Array(missedRuns).fill("missed"));

    // The sparkline: the three Succeeded runs' durations (1m10s, 1m40s, 50s), oldest left, longest highest.
    const trend = page.locator(
      `section[data-cluster="${two?.id}"] tr[data-configuration="${ns}/history"] svg.trend`,
    );
    const points = ((await trend.locator("polyline").getAttribute("points")) ?? "")
      .split(" ")
      .map((p) => p.split(",").map(Number));
    expect(points).toHaveLength(3);
    const [x, y] = [points.map((p) => p[0] ?? 0), points.map((p) => p[1] ?? 0)];
    expect(x).toEqual([...x].sort((a, b) => a - b));
    expect(Math.min(...y)).toBe(y[1]); // 1m40s at the top (SVG y grows downwards)
    expect(Math.max(...y)).toBe(y[2]); // 50s at the bottom
    expect(await trend.locator("circle title").allTextContents()).toEqual([
      `${seed.succeeded}: 1m10s · due ${minute(0)}`,
      `${seed.retry}: 1m40s · due ${minute(7)}`,
      `${seed.succeededLast}: 50s · due ${minute(20)}`,
    ]);
    expect(await trend.isVisible()).toBe(true);
    expect(
      await page
        .locator(`section[data-cluster="${two?.id}"] tr[data-configuration="${ns}/history"] .trend-label`)
        .textContent(),
    ).toBe("took last 50s · median 1m10s · 50s–1m40s");
    expect(await page.locator("#legend .run").count()).toBe(8);

    await mkdir(path.dirname(RUNS_SCREENSHOT), { recursive: true });
    await page.locator(`section[data-cluster="${two?.id}"] table`).screenshot({ path: RUNS_SCREENSHOT });
    console.log(`dashboard runs screenshot: ${RUNS_SCREENSHOT}`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows each session's verified restore per repository: result badge in its colour, age, note and tooltip", async () => {
    const [one] = plane.clusters;
    const page = await browser.newPage({ viewport: { width: 1700, height: 900 }, deviceScaleFactor: 2 });
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    await page.goto(`${runtime.dashboard?.url ?? ""}?now=${NOW.toISOString()}&refresh=60`);
    await page.waitForSelector("body[data-loaded=true]", { timeout: 15_000 });
    const row = (configuration: string) =>
      page.locator(`section[data-cluster="${one?.id}"] tr[data-configuration="${ns}/${configuration}"]`);
    const headings = await page.locator(`section[data-cluster="${one?.id}"] th`).allTextContents();
    const column = headings.indexOf("Verified restore");
    expect(column).toBe(headings.indexOf("Last success") + 1);
    // The cell sits under its heading.
    expect(await row("verified").locator("td").nth(column).getAttribute("class")).toBe("verified");

    const lines = await row("verified")
      .locator("td.verified .verify-line")
      .evaluateAll((nodes) =>
        nodes.map((n) => {
          const badge = n.querySelector(".verify");
          const style = badge ? n.ownerDocument.defaultView?.getComputedStyle(badge) : undefined;
          return {
            repository: n.getAttribute("data-repository"),
            badge: n.getAttribute("data-badge"),
            label: badge?.textContent,
            age: n.querySelector(".verify-age")?.textContent ?? null,
            note: n.querySelector(".verify-note")?.textContent ?? null,
            background: style?.backgroundColor,
            title: n.getAttribute("title") ?? "",
            visible: (badge?.getBoundingClientRect().width ?? 0) > 0,
          };
        }),
      );
    expect(lines.map((l) => [l.repository, l.badge, l.label, l.age, l.note, l.background])).toEqual([
      ["repo-a", "succeeded", "Succeeded", "3h ago", null, "rgb(26, 127, 55)"],
      ["repo-b", "failed", "Failed", "10m ago", "verified 1d ago", "rgb(207, 34, 46)"],
      ["repo-c", "skipped", "Skipped", "2h ago", "never verified", "rgb(110, 119, 129)"],
      ["repo-d", "never", "never", null, null, "rgb(255, 255, 255)"],
      ["repo-e", "missing", "verifier missing", null, null, "rgb(254, 240, 199)"],
    ]);
    expect(lines.every((l) => l.visible)).toBe(true);
    const title = (repository: string) => lines.find((l) => l.repository === repository)?.title ?? "";
    expect(title("repo-a")).toContain("Snapshot: repo-a-snapshot-3h");
    expect(title("repo-a").split("\n")[1]).toBe(
      `last: ${verified.succeeded} Succeeded · ended ${iso(NOW.getTime() - 3 * 3_600_000)} (3h ago) · took 1m5s · schedule`,
    );
    expect(title("repo-b")).toContain(`reason: RestoreSucceeded FailedToRestoreBackup: ${RESTORE_FAILURE}`);
    expect(title("repo-b")).toContain("Snapshot: repo-b-snapshot-11m");
    expect(title("repo-b")).toContain(`last verified restore: ${verified.olderSucceeded}`);
    expect(title("repo-c")).toContain("reason: BackupVerificationSkipped SnapshotAlreadyVerified");
    expect(title("repo-d")).toContain("no verification has finished yet");
    expect(title("repo-d")).toMatch(/next \d{4}-01-01T03:00:00Z \(0 3 1 1 \*\)/);
    expect(title("repo-e")).toContain(`BackupVerifier ${ns}/verify-gone`);
    expect(title("repo-e")).toContain("the BackupVerifier does not exist: nothing is scheduled");
    // A session without a verifier says so; the summary counts the failed verified restore.
    expect(await row("app").locator("td.verified").textContent()).toBe("no verifier");
    expect(await page.locator("#summary .pill").allTextContents()).toContain("1 verified restores failed");

    await mkdir(path.dirname(VERIFICATION_SCREENSHOT), { recursive: true });
    await page.locator(`section[data-cluster="${one?.id}"]`).screenshot({ path: VERIFICATION_SCREENSHOT });
    console.log(`dashboard verification screenshot: ${VERIFICATION_SCREENSHOT}`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows each session's RPO risk: a level badge 1-5 in its colour, the time left or past, the reason in the tooltip", async () => {
    const [one] = plane.clusters;
    const page = await browser.newPage({ viewport: { width: 1700, height: 900 }, deviceScaleFactor: 2 });
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    await page.goto(`${runtime.dashboard?.url ?? ""}?now=${NOW.toISOString()}&refresh=60`);
    await page.waitForSelector("body[data-loaded=true]", { timeout: 15_000 });
    const headings = await page.locator(`section[data-cluster="${one?.id}"] th`).allTextContents();
    const column = headings.indexOf("RPO");
    const cells = await page
      .locator(`section[data-cluster="${one?.id}"] tr[data-configuration^="${ns}/rpo-"]`)
      .evaluateAll(
        (rows, index) =>
          rows.map((row) => {
            const td = row.querySelectorAll("td")[index];
            const badge = td?.querySelector(".rpo");
            const style = badge ? row.ownerDocument.defaultView?.getComputedStyle(badge) : undefined;
            return {
              configuration: row.getAttribute("data-configuration"),
              level: td?.getAttribute("data-level"),
              badge: badge?.textContent,
              time: td?.querySelector(".rpo-time")?.textContent,
              background: style?.backgroundColor,
              title: td?.getAttribute("title") ?? "",
              visible: (badge?.getBoundingClientRect().width ?? 0) > 0,
            };
          }),
        column,
      );
    const hhmm = (minutes: number) => new Date(due.getTime() + minutes * 60_000).toISOString().slice(11, 16);
    expect(cells.map((c) => [c.configuration, c.level, c.badge, c.time, c.background])).toEqual([
      [`${ns}/rpo-l1`, "1", "RPO 1", "1d1h left", "rgb(26, 127, 55)"],
      [`${ns}/rpo-l2`, "2", "RPO 2", "10m left", "rgb(212, 167, 44)"],
      [`${ns}/rpo-l3`, "3", "RPO 3", "1h past", "rgb(251, 143, 68)"],
      [`${ns}/rpo-l4`, "4", "RPO 4", "3h past", "rgb(207, 34, 46)"],
      [`${ns}/rpo-l5`, "5", "RPO 5", "9h past", "rgb(130, 7, 30)"],
    ]);
    expect(cells.every((c) => c.visible)).toBe(true);
    const title = (level: number) => cells[level - 1]?.title.split("\n") ?? [];
    expect(title(1)[0]).toBe("RPO risk level 1 of 5: on target");
    expect(title(2)[1]).toBe(
      `next run ${hhmm(60)} is after the target (${hhmm(40)}); 10m left of the 2h target`,
    );
    expect(title(4)).toContain(`last backup 5h ago, 3h past the 2h target; next run ${hhmm(60)}`);
    expect(title(5)[2]).toMatch(/^target 1h \(configuration\) · passed since /);
    expect(title(5)).toContain("alarm from level 3: announced as RPO At Risk");
    // Without a target: the ratio to the schedule interval, as before, no badge.
    const app = page
      .locator(`section[data-cluster="${one?.id}"] tr[data-configuration="${ns}/app"] td`)
      .nth(column);
    expect(await app.getAttribute("data-level")).toBeNull();
    expect(await app.getAttribute("title")).toMatch(/^no RPO target/);

    await mkdir(path.dirname(RPO_SCREENSHOT), { recursive: true });
    await page.locator(`section[data-cluster="${one?.id}"] table`).screenshot({ path: RPO_SCREENSHOT });
    console.log(`dashboard RPO screenshot: ${RPO_SCREENSHOT}`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("answers /api/fleet with JSON for a selected cluster, and 400 for a bad time", async () => {
    const url = runtime.dashboard?.url ?? "";
    const id = plane.clusters[1]?.id ?? "";
    const ok = await fetch(`${url}api/fleet?cluster=${id}&now=${NOW.toISOString()}`);
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as FleetStatus;
    expect(body.clusters.map((c) => c.id)).toEqual([id]);
    expect(body.summary.failing).toBe(1);
    // The strip's data, as `kss fleet -o json` prints it too.
    const [cluster] = body.clusters;
    const history = cluster?.reachable
      ? cluster.configurations.find((c) => c.name === "history")?.sessions[0]?.runs
      : undefined;
    expect(history?.cells.map((c) => c.kind)).toEqual([
      "succeeded",
      "retried",
      "succeeded",
      "missed",
      "skipped",
      "succeeded",
      "running",
    ]);
    expect(history?.cells[3]).toMatchObject({
      missedBy: "ScheduleMissed",
      reason: "SupersededByNewerSchedule",
    });
    expect([history?.kept, history?.historyLimit]).toEqual([6, 10]);
    expect(history?.trend?.points.map((p) => p.seconds)).toEqual([70, 100, 50]);
    const bad = await fetch(`${url}api/fleet?now=soon`);
    expect(bad.status).toBe(400);
  });
});

/**
 * Five hourly configurations on cluster one with an RPO target, one per level at NOW (half an hour after the
 * hourly run, so the next run is at +60), each backing up a PVC of its own with a Succeeded Snapshot
 * (docs/rpo.md#levels): 1 on target, 2 the next run after the target, 3 / 4 / 5 past by 1 h of 4 h, 3 h of
 * 2 h, 9 h of 1 h. No BackupSessions: no failing or overdue row is added.
 */
async function seedRpoLevels(admin: KubeClient): Promise<void> {
  const levels: Array<[string, string, number]> = [
    ["rpo-l1", "26h", 60],
    ["rpo-l2", "2h", 110],
    ["rpo-l3", "4h", 300],
    ["rpo-l4", "2h", 300],
    ["rpo-l5", "1h", 600],
  ];
  for (const [name, target, minutesAgo] of levels) {
    await installConfiguration(admin, ns, name);
    await admin.patch("BackupConfiguration", ns, name, {
      metadata: { annotations: { "serverless.kubestash.com/rpo-target": target } },
      spec: { target: { kind: "PersistentVolumeClaim", name: `${name}-data`, namespace: ns } },
    });
    const snapshot = `repo-a-${name}`;
    const object = {
      apiVersion: "storage.kubestash.com/v1alpha1",
      kind: "Snapshot",
      metadata: { name: snapshot, namespace: ns },
      spec: {
        repository: "repo-a",
        session: "hourly",
        backupSession: `${name}-hourly-old`,
        appRef: { kind: "PersistentVolumeClaim", name: `${name}-data`, namespace: ns },
      },
    };
    await admin.create("Snapshot", parseWith(Snapshot, object, snapshot));
    const takenAt = new Date(NOW.getTime() - minutesAgo * 60_000).toISOString().replace(".000Z", "Z");
    await admin.patch(
      "Snapshot",
      ns,
      snapshot,
      { status: { phase: "Succeeded", snapshotTime: takenAt } },
      { subresource: "status" },
    );
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}
