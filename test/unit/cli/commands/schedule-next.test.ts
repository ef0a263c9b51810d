import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MANIFEST_FIXTURES, runKssInProcess } from "../../../support/kss.ts";

/** `kss schedule next` through the program in this process, as a person would call it. */

const BERLIN_NIGHTLY = `
apiVersion: core.kubestash.com/v1alpha1
kind: BackupConfiguration
metadata:
  name: db
  namespace: prod
  annotations:
    serverless.kubestash.com/stagger-window: 10m
spec:
  sessions:
    - name: nightly
      scheduler:
        schedule: "CRON_TZ=Europe/Berlin 30 2 * * *"
        jobTemplate: {}
    - name: manual
`;

describe("kss schedule next", () => {
  it("prints a table per configuration: UTC, local time with offset, stagger, state", async () => {
    const run = await runKssInProcess(
      ["schedule", "next", "-f", "-", "--count", "2", "--now", "2026-10-24T12:00:00Z"],
      BERLIN_NIGHTLY,
    );

    expect(run).toEqual({
      exitCode: 0,
      stderr: "",
      stdout: [
        "BackupConfiguration prod/db",
        "SESSION  SCHEDULE                          TIME ZONE      NEXT (UTC)            LOCAL                      STAGGER  STATE",
        "nightly  CRON_TZ=Europe/Berlin 30 2 * * *  Europe/Berlin  2026-10-25T00:30:00Z  2026-10-25T02:30:00+02:00  8m42s    active",
        "nightly  CRON_TZ=Europe/Berlin 30 2 * * *  Europe/Berlin  2026-10-25T01:30:00Z  2026-10-25T02:30:00+01:00  8m42s    active",
        "  manual: no scheduler: manual only",
        "",
      ].join("\n"),
    });
  });

  it("--output json gives the same facts to programs", async () => {
    const run = await runKssInProcess(
      ["schedule", "next", "-f", "-", "-n", "1", "--now", "2026-10-24T12:00:00Z", "-o", "json"],
      BERLIN_NIGHTLY,
    );

    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      now: "2026-10-24T12:00:00Z",
      configurations: [
        {
          configuration: "prod/db",
          times: [
            {
              session: "nightly",
              schedule: "CRON_TZ=Europe/Berlin 30 2 * * *",
              timeZone: "Europe/Berlin",
              next: "2026-10-25T00:30:00Z",
              nextLocal: "2026-10-25T02:30:00+02:00",
              staggerOffsetMs: 522_000,
              state: "active",
            },
          ],
          notScheduled: [{ session: "manual", reason: "no scheduler: manual only", invalid: false }],
        },
      ],
    });
  });

  it("reads every BackupConfiguration of a multi-document file and skips the other kinds", async () => {
    const file = join(MANIFEST_FIXTURES, "valid/backup-workload.yaml");

    const run = await runKssInProcess([
      "schedule",
      "next",
      "-f",
      file,
      "-n",
      "1",
      "--now",
      "2026-11-26T10:10:00Z",
      "-o",
      "json",
    ]);

    const result = JSON.parse(run.stdout) as {
      configurations: Array<{ configuration: string; times: unknown[] }>;
    };
    expect(result.configurations.map((c) => [c.configuration, c.times.length])).toEqual([
      ["demo/sample-backup-dep", 2],
      ["demo/pvc-backup", 1],
    ]);
  });

  it("exits 1 when a session's schedule is invalid, naming it", async () => {
    const run = await runKssInProcess(
      ["schedule", "next", "-f", "-", "--now", "2026-11-26T10:00:00Z"],
      BERLIN_NIGHTLY.replace("30 2 * * *", "30 25 * * *"),
    );

    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain("  nightly: invalid schedule: ");
  });

  it.each([
    [
      "a file without BackupConfiguration",
      ["-f", "-"],
      "kind: ConfigMap\nmetadata: {name: x}\n",
      "kss: stdin holds no BackupConfiguration\n",
    ],
    [
      "a bad --now",
      ["-f", "-", "--now", "tomorrow"],
      BERLIN_NIGHTLY,
      "kss: invalid options: --now must be an RFC 3339 time such as 2026-11-26T12:00:00Z\n",
    ],
    [
      "a zero --count",
      ["-f", "-", "--count", "0"],
      BERLIN_NIGHTLY,
      expect.stringMatching(/^kss: invalid options: --count /),
    ],
    [
      "a BackupConfiguration that does not validate",
      ["-f", "-"],
      "apiVersion: core.kubestash.com/v1alpha1\nkind: BackupConfiguration\nmetadata: {name: x}\nspec: {sessions: [{}]}\n",
      expect.stringContaining("run kss validate -f stdin"),
    ],
  ])("exits 2 for %s", async (_case, args, stdin, stderr) => {
    const run = await runKssInProcess(["schedule", "next", ...args], stdin);

    expect(run).toEqual({ exitCode: 2, stdout: "", stderr });
  });
});
