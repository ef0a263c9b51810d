import { describe, expect, it } from "vitest";
import { runKssInProcess } from "../../../support/kss.ts";

/** `kss schedule due` through the program in this process: the same rules as the scheduler. */

const due = (...args: string[]) => runKssInProcess(["schedule", "due", ...args]);
const dueJson = (...args: string[]) => due(...args, "-o", "json");

describe("kss schedule due", () => {
  it.each([
    [
      "on time",
      ["--schedule", "@hourly", "--last", "2026-11-26T09:00:00Z", "--now", "2026-11-26T10:00:00Z"],
      {
        due: "2026-11-26T10:00:00Z",
        missed: 0,
        reason: "due: the newest schedule time after 2026-11-26T09:00:00Z",
      },
    ],
    [
      "missed 5 schedules during an outage: only the newest is due",
      ["-s", "@hourly", "--last", "2026-11-26T04:00:00Z", "--now", "2026-11-26T10:05:00Z"],
      {
        due: "2026-11-26T10:00:00Z",
        missed: 5,
        reason:
          "due: the newest schedule time after 2026-11-26T04:00:00Z; 5 older schedule times are not started (only the newest runs)",
      },
    ],
    [
      "one second past the starting deadline",
      [
        "-s",
        "*/5 * * * *",
        "--last",
        "2026-11-26T09:55:00Z",
        "--now",
        "2026-11-26T10:01:01Z",
        "--starting-deadline-seconds",
        "60",
      ],
      {
        due: null,
        missed: 1,
        reason:
          "too late: 2026-11-26T10:00:00Z passed 61s ago, more than startingDeadlineSeconds (60); 1 missed; next at 2026-11-26T10:05:00Z",
      },
    ],
    [
      "the repeated 02:30 of the Berlin fall-back night",
      [
        "-s",
        "CRON_TZ=Europe/Berlin 30 2 * * *",
        "--last",
        "2026-10-25T00:30:00Z",
        "--now",
        "2026-10-25T01:30:00Z",
      ],
      {
        due: "2026-10-25T01:30:00Z",
        missed: 0,
        reason: "due: the newest schedule time after 2026-10-25T00:30:00Z",
      },
    ],
    [
      "nothing due",
      ["-s", "@daily", "--last", "2026-11-26T00:00:00Z", "--now", "2026-11-26T10:00:00Z"],
      {
        due: null,
        missed: 0,
        reason: "nothing due since 2026-11-26T00:00:00Z; next at 2026-11-27T00:00:00Z",
      },
    ],
    [
      "@every 1h: counted from the last run, not from the hour",
      ["-s", "@every 1h", "--last", "2026-11-26T09:07:00Z", "--now", "2026-11-26T10:07:30Z"],
      {
        due: "2026-11-26T10:07:00Z",
        missed: 0,
        reason: "due: the newest schedule time after 2026-11-26T09:07:00Z",
      },
    ],
    [
      "@every 1h before its time",
      ["-s", "@every 1h", "--last", "2026-11-26T09:07:00Z", "--now", "2026-11-26T10:00:00Z"],
      {
        due: null,
        missed: 0,
        reason: "nothing due since 2026-11-26T09:07:00Z; next at 2026-11-26T10:07:00Z",
      },
    ],
    [
      "never run (--last none): counted from now",
      ["-s", "@hourly", "--last", "none", "--now", "2026-11-26T10:00:00Z"],
      { due: null, missed: 0, reason: "nothing due since now (never run); next at 2026-11-26T11:00:00Z" },
    ],
  ])("%s", async (_scenario, args, expected) => {
    const run = await dueJson(...args);

    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(expected);
  });

  it.each([
    [
      "an invalid schedule",
      ["-s", "61 * * * *", "--last", "2026-11-26T09:00:00Z"],
      expect.stringMatching(/^kss: invalid schedule "61 \* \* \* \*": /),
    ],
    [
      "a bad --last",
      ["-s", "@hourly", "--last", "yesterday"],
      "kss: invalid options: --last must be an RFC 3339 time such as 2026-11-26T12:00:00Z, or none\n",
    ],
    [
      "a negative deadline",
      ["-s", "@hourly", "--last", "2026-11-26T09:00:00Z", "--starting-deadline-seconds", "-5"],
      expect.stringMatching(/^kss: invalid options: --starting-deadline-seconds /),
    ],
    [
      "no --last",
      ["-s", "@hourly"],
      "error: required option '--last <time>' not specified\n(run kss --help for usage)\n",
    ],
    [
      "an unknown descriptor",
      ["-s", "@Daily", "--last", "2026-11-26T09:00:00Z"],
      expect.stringMatching(/^kss: invalid schedule "@Daily": unrecognized descriptor/),
    ],
    [
      "neither --schedule nor --config",
      ["--last", "2026-11-26T09:00:00Z"],
      "kss: give either --schedule <cron> or --config <file>\n",
    ],
    [
      "--session without --config",
      ["-s", "@hourly", "--session", "nightly", "--last", "2026-11-26T09:00:00Z"],
      "kss: --session goes with --config\n",
    ],
  ])("exits 2 for %s", async (_case, args, stderr) => {
    expect(await due(...args)).toEqual({ exitCode: 2, stdout: "", stderr });
  });

  it("prints a table by default", async () => {
    const run = await due("-s", "@hourly", "--last", "2026-11-26T09:00:00Z", "--now", "2026-11-26T10:00:00Z");

    expect(run).toEqual({
      exitCode: 0,
      stderr: "",
      stdout: [
        "DUE     2026-11-26T10:00:00Z",
        "MISSED  0",
        "REASON  due: the newest schedule time after 2026-11-26T09:00:00Z",
        "",
      ].join("\n"),
    });
  });
});
