import { describe, expect, it } from "vitest";
import { runKssInProcess } from "../../../support/kss.ts";

/**
 * `kss schedule due --config FILE [--session NAME] --last TIME|none`: the session's own schedule, time zone,
 * startingDeadlineSeconds, paused/suspend and stagger window, decided as create-sessions decides.
 */

function manifest(
  sessions: string,
  { metadata = "", spec = "", name = "db" }: { metadata?: string; spec?: string; name?: string } = {},
): string {
  return `apiVersion: core.kubestash.com/v1alpha1
kind: BackupConfiguration
metadata:
  name: ${name}
  namespace: prod
${metadata}spec:
${spec}  sessions:
${sessions}`;
}

const session = (name: string, schedule: string, extra = "") => `    - name: ${name}
      scheduler:
        schedule: "${schedule}"
        jobTemplate: {}
${extra}`;

const NIGHTLY = session("nightly", "CRON_TZ=Europe/Berlin 30 2 * * *");
const TWO = NIGHTLY + session("hourly", "@hourly", "        startingDeadlineSeconds: 60\n");

const due = (file: string, ...args: string[]) =>
  runKssInProcess(["schedule", "due", "--config", "-", ...args], file);
const dueJson = async (file: string, ...args: string[]) => {
  const run = await due(file, ...args, "-o", "json");
  expect(run.stderr).toBe("");
  expect(run.exitCode).toBe(0);
  return JSON.parse(run.stdout);
};

describe("kss schedule due --config", () => {
  it("answers for the only session, with its zone, and says what it read", async () => {
    const report = await dueJson(
      manifest(NIGHTLY),
      "--last",
      "2026-10-24T00:30:00Z",
      "--now",
      "2026-10-25T00:31:00Z",
    );

    expect(report).toEqual({
      configuration: "prod/db",
      session: "nightly",
      schedule: "CRON_TZ=Europe/Berlin 30 2 * * *",
      timeZone: "Europe/Berlin",
      startingDeadlineSeconds: null,
      last: "2026-10-24T00:30:00Z",
      now: "2026-10-25T00:31:00Z",
      due: "2026-10-25T00:30:00Z",
      startsAt: "2026-10-25T00:30:00Z",
      missed: 0,
      reason: "due: the newest schedule time after 2026-10-24T00:30:00Z",
    });
  });

  it.each([
    [
      "the session's startingDeadlineSeconds: too late",
      ["--session", "hourly", "--last", "2026-11-26T09:00:00Z", "--now", "2026-11-26T10:01:01Z"],
      {
        startingDeadlineSeconds: 60,
        due: null,
        missed: 1,
        reason:
          "too late: 2026-11-26T10:00:00Z passed 61s ago, more than startingDeadlineSeconds (60); 1 missed; next at 2026-11-26T11:00:00Z",
      },
    ],
    [
      "within the deadline: due",
      ["--session", "hourly", "--last", "2026-11-26T09:00:00Z", "--now", "2026-11-26T10:01:00Z"],
      { due: "2026-11-26T10:00:00Z", missed: 0 },
    ],
    [
      "the fall-back night: the second 02:30 is due after the first",
      ["--session", "nightly", "--last", "2026-10-25T00:30:00Z", "--now", "2026-10-25T01:30:00Z"],
      { due: "2026-10-25T01:30:00Z", missed: 0 },
    ],
  ])("%s", async (_scenario, args, expected) => {
    expect(await dueJson(manifest(TWO), ...args)).toMatchObject(expected);
  });

  it.each([
    [
      "--last none: counted from the creationTimestamp",
      manifest(session("hourly", "@hourly"), { metadata: "  creationTimestamp: 2026-11-26T08:30:00Z\n" }),
      {
        last: null,
        due: "2026-11-26T10:00:00Z",
        missed: 1,
        reason:
          "due: the newest schedule time after the configuration's creation (2026-11-26T08:30:00Z); 1 older schedule times are not started (only the newest runs)",
      },
    ],
    [
      "--last none without a creationTimestamp: as if created now",
      manifest(session("hourly", "@hourly")),
      {
        due: null,
        reason:
          "nothing due since now (never run, and the file has no creationTimestamp); next at 2026-11-26T11:00:00Z",
      },
    ],
    [
      "@every from the creationTimestamp",
      manifest(session("often", "@every 25m"), { metadata: "  creationTimestamp: 2026-11-26T09:08:00Z\n" }),
      { due: "2026-11-26T09:58:00Z", missed: 1 },
    ],
  ])("%s", async (_scenario, file, expected) => {
    expect(await dueJson(file, "--last", "none", "--now", "2026-11-26T10:05:00Z")).toMatchObject(expected);
  });

  it.each([
    [
      "a paused configuration: nothing is created",
      manifest(session("hourly", "@hourly"), { spec: "  paused: true\n" }),
      "the configuration is paused (spec.paused): no session is created; the schedule's next time is 2026-11-26T11:00:00Z",
    ],
    [
      "a suspended scheduler: nothing is created",
      manifest(session("hourly", "@hourly", "        suspend: true\n")),
      "the scheduler is suspended: no session is created; the schedule's next time is 2026-11-26T11:00:00Z",
    ],
    [
      "a stagger window: due, but started at its offset",
      manifest(session("hourly", "@hourly"), {
        metadata: "  annotations:\n    serverless.kubestash.com/stagger-window: 10m\n",
      }),
      expect.stringMatching(
        /^2026-11-26T10:00:00Z is due, but its stagger window starts it at 2026-11-26T10:0\d:\d\dZ$/,
      ),
    ],
  ])("%s", async (_scenario, file, reason) => {
    const report = await dueJson(file, "--last", "2026-11-26T09:00:00Z", "--now", "2026-11-26T10:00:00Z");
    expect(report).toMatchObject({ due: null, missed: 0, reason });
  });

  it("prints the inputs and the answer as a table by default", async () => {
    const run = await due(
      manifest(TWO),
      "--session",
      "hourly",
      "--last",
      "2026-11-26T09:00:00Z",
      "--now",
      "2026-11-26T10:00:00Z",
    );

    expect(run).toEqual({
      exitCode: 0,
      stderr: "",
      stdout: [
        "CONFIGURATION      prod/db",
        "SESSION            hourly",
        "SCHEDULE           @hourly",
        "TIME ZONE          UTC",
        "STARTING DEADLINE  60s",
        "LAST               2026-11-26T09:00:00Z",
        "NOW                2026-11-26T10:00:00Z",
        "DUE                2026-11-26T10:00:00Z",
        "MISSED             0",
        "REASON             due: the newest schedule time after 2026-11-26T09:00:00Z",
        "",
      ].join("\n"),
    });
  });

  it.each([
    [
      "several sessions and no --session",
      manifest(TWO),
      [],
      "kss: BackupConfiguration prod/db has 2 sessions (nightly, hourly): name one with --session\n",
    ],
    [
      "a session that is not there",
      manifest(TWO),
      ["--session", "weekly"],
      'kss: BackupConfiguration prod/db has no session "weekly" (it has nightly, hourly)\n',
    ],
    [
      "a session without a scheduler",
      manifest("    - name: manual\n"),
      [],
      'kss: session "manual" has no scheduler: manual triggers only\n',
    ],
    [
      "no BackupConfiguration in the file",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
      [],
      "kss: stdin holds no BackupConfiguration\n",
    ],
    [
      "two BackupConfigurations in the file",
      `${manifest(NIGHTLY)}---\n${manifest(NIGHTLY, { name: "web" })}`,
      [],
      "kss: stdin holds 2 BackupConfigurations (prod/db, prod/web): keep one\n",
    ],
    [
      "--starting-deadline-seconds with --config",
      manifest(NIGHTLY),
      ["--starting-deadline-seconds", "60"],
      "kss: --starting-deadline-seconds goes with --schedule; --config reads the session's own\n",
    ],
  ])("exits 2 for %s", async (_scenario, file, args, stderr) => {
    expect(await due(file, ...args, "--last", "2026-11-26T09:00:00Z")).toEqual({
      exitCode: 2,
      stdout: "",
      stderr,
    });
  });

  it("exits 1 when the session's schedule is invalid", async () => {
    const run = await due(manifest(session("bad", "0 0 * * 7")), "--last", "2026-11-26T09:00:00Z");

    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(
      /^kss: invalid schedule "0 0 \* \* 7": day-of-week field "7": end of range \(7\) above maximum \(6\)/,
    );
  });

  it("exits 2 with both --schedule and --config", async () => {
    const run = await due(manifest(NIGHTLY), "-s", "@hourly", "--last", "2026-11-26T09:00:00Z");
    expect(run).toEqual({
      exitCode: 2,
      stdout: "",
      stderr: "kss: give either --schedule <cron> or --config <file>\n",
    });
  });
});
