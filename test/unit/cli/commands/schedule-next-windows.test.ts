import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runKssInProcess } from "../../../support/kss.ts";

/**
 * `kss schedule next` with exclusion windows (docs/windows.md#kss-schedule-next): the WINDOW column marks the
 * times a window holds, supersedes or skips; `--registry FILE --cluster ID` adds the cluster's windows (a
 * namespaceSelector matched with `--namespace-labels`); a window that does not parse is exit 1, naming it.
 */

const HOURLY = (annotation: string) => `
apiVersion: core.kubestash.com/v1alpha1
kind: BackupConfiguration
metadata:
  name: db
  namespace: prod
  creationTimestamp: "2026-01-01T00:00:00Z"
  annotations:
    serverless.kubestash.com/exclusion-windows: '${annotation}'
spec:
  sessions:
    - name: hourly
      scheduler:
        schedule: "0 * * * *"
        jobTemplate: {}
`;

const WINDOWS = JSON.stringify([
  { name: "maint", recurrence: "daily", start: "01:00", duration: "90m" },
  { name: "freeze", interval: "2026-11-27T04:00Z/PT1H", policy: "Skip" },
]);

describe("kss schedule next with exclusion windows", () => {
  it("adds a WINDOW column: held, not run (a newer time runs), skipped, and - for the others", async () => {
    const run = await runKssInProcess(
      ["schedule", "next", "-f", "-", "-n", "5", "--now", "2026-11-27T00:30:00Z"],
      HOURLY(WINDOWS),
    );
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines[1]).toMatch(/STATE\s+WINDOW$/);
    expect(lines.slice(2, 7).map((l) => l.replace(/^.*active\s+/, ""))).toEqual([
      "not run: held by maint until 2026-11-27T02:30:00Z, a newer time runs",
      "held by maint until 2026-11-27T02:30:00Z",
      "-",
      "skipped by freeze",
      "-",
    ]);
  });

  it("-o json carries each effect with its reason", async () => {
    const run = await runKssInProcess(
      ["schedule", "next", "-f", "-", "-n", "4", "--now", "2026-11-27T00:30:00Z", "-o", "json"],
      HOURLY(WINDOWS),
    );
    const times = JSON.parse(run.stdout).configurations[0].times as Array<{ next: string; window?: unknown }>;
    expect(times[3]).toMatchObject({
      next: "2026-11-27T04:00:00Z",
      window: {
        effect: "skipped",
        windows: ["freeze"],
        startsAt: "2026-11-27T04:00:00Z",
        reason:
          'inside exclusion window "freeze" (2026-11-27T04:00:00Z to 2026-11-27T05:00:00Z, policy Skip)',
      },
    });
    expect(times[2]).not.toHaveProperty("window");
  });

  it("exits 1 for a window that does not parse, naming the annotation and the window", async () => {
    const run = await runKssInProcess(
      ["schedule", "next", "-f", "-", "--now", "2026-11-27T00:30:00Z"],
      HOURLY(JSON.stringify([{ name: "bad", recurrence: "daily", start: "1am", duration: "1h" }])),
    );
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain(
      '  hourly: invalid schedule: annotation serverless.kubestash.com/exclusion-windows: window 1 ("bad"): start "1am" must be a local time of day HH:MM such as "22:00"',
    );
  });

  describe("the cluster's windows from the registry", () => {
    let dir: string;
    let registry: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), "kss-schedule-next-"));
      registry = path.join(dir, "clusters.yaml");
      await writeFile(
        registry,
        [
          "clusters:",
          "  - id: eu",
          "    timeZone: Europe/Berlin",
          "    credentials: {source: kubeconfig, path: none.kubeconfig}",
          "    exclusionWindows:",
          "      - {name: prod-nights, recurrence: daily, start: '02:00', duration: 2h, namespaceSelector: {matchLabels: {env: prod}}}",
          "  - id: broken",
          "    credentials: {source: kubeconfig, path: none.kubeconfig}",
          "    exclusionWindows: [{name: x, recurrence: daily, start: '02:00'}]",
          "",
        ].join("\n"),
      );
    });
    afterAll(async () => rm(dir, { recursive: true, force: true }));

    const args = ["schedule", "next", "-f", "-", "-n", "1", "--now", "2026-11-27T00:00:00Z", "-o", "json"];
    const firstWindow = async (extra: string[]) => {
      const run = await runKssInProcess([...args, ...extra], HOURLY("[]"));
      expect(run.stderr).toBe("");
      return JSON.parse(run.stdout).configurations[0].times[0].window;
    };

    it("a window whose namespaceSelector matches --namespace-labels holds the run (in the cluster's zone)", async () => {
      // 02:00 Berlin (CET) = 01:00Z, for 2 h: the 01:00Z run is held until 03:00Z, when 02:00Z's is due too.
      expect(
        await firstWindow(["--registry", registry, "--cluster", "eu", "--namespace-labels", "env=prod"]),
      ).toMatchObject({ effect: "superseded", windows: ["prod-nights"], startsAt: "2026-11-27T03:00:00Z" });
    });
    it("one whose selector does not match does nothing", async () => {
      expect(await firstWindow(["--registry", registry, "--cluster", "eu"])).toBeUndefined();
    });
    it("a registry entry whose window does not parse is an input error naming it", async () => {
      const run = await runKssInProcess(
        [...args, "--registry", registry, "--cluster", "broken"],
        HOURLY("[]"),
      );
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toContain('cluster "broken"');
      expect(run.stderr).toContain("duration must be given, such as PT6H or 6h");
    });
    it("--cluster without --registry is a usage error", async () => {
      const run = await runKssInProcess([...args, "--cluster", "eu"], HOURLY("[]"));
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toBe(
        "kss: --registry and --cluster go together (the cluster's windows are read from its entry)\n",
      );
    });
  });
});

describe("kss schedule due --config with windows", () => {
  const file = (annotations: string) => `apiVersion: core.kubestash.com/v1alpha1
kind: BackupConfiguration
metadata:
  name: db
  namespace: prod
  creationTimestamp: "2026-01-01T00:00:00Z"
  annotations:
${annotations}
spec:
  sessions:
    - name: nightly
      scheduler:
        schedule: "0 2 * * *"
        jobTemplate: {}
`;
  const due = async (annotations: string, now: string) => {
    const run = await runKssInProcess(
      ["schedule", "due", "--config", "-", "--last", "2026-11-26T02:00:00Z", "--now", now, "-o", "json"],
      file(annotations),
    );
    expect(run.stderr).toBe("");
    return JSON.parse(run.stdout) as { due: string | null; reason: string };
  };
  it("a run a Wait window holds is not due, and says until when", async () => {
    const report = await due(
      `    serverless.kubestash.com/exclusion-windows: '[{"name": "freeze", "interval": "2026-11-27T01:00Z/PT3H"}]'`,
      "2026-11-27T02:30:00Z",
    );
    expect(report).toMatchObject({
      due: null,
      reason: "2026-11-27T02:00:00Z is due, but exclusion window freeze holds it until 2026-11-27T04:00:00Z",
    });
  });
  it("a run past its start window is due to be created Skipped, with the reason", async () => {
    const report = await due(`    serverless.kubestash.com/start-window: 30m`, "2026-11-27T03:00:00Z");
    expect(report).toMatchObject({
      due: "2026-11-27T02:00:00Z",
      reason:
        "due: the newest schedule time after 2026-11-26T02:00:00Z; created Skipped: not started within its start window (30m0s) after its start time 2026-11-27T02:00:00Z (1h0m0s late)",
    });
  });
});
