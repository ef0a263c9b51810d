import { describe, expect, it } from "vitest";
import { parseCronSchedule } from "../../../shared/decide/schedule/cron.ts";
import { dueReport, upcomingSessionTimes } from "../../../shared/decide/schedule/schedule-next.ts";
import { BackupConfiguration } from "../../../shared/model/backup-configuration.ts";
import { Annotation } from "../../../shared/model/labels.ts";
import { clockFrom } from "../../support/clock.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function topOfTheHour(): Date {
  return new Date("2026-11-26T10:00:00Z");
}
const T = topOfTheHour().getTime();
const { atMs } = clockFrom(new Date(T));

function configuration(
  sessions: Array<{ name: string; schedule?: string; suspend?: boolean }>,
  extra: { paused?: boolean; annotations?: Record<string, string> } = {},
): BackupConfiguration {
  return BackupConfiguration.parse({
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "BackupConfiguration",
    metadata: { name: "app", namespace: "demo", annotations: extra.annotations },
    spec: {
      paused: extra.paused,
      sessions: sessions.map(({ name, schedule, suspend }) => ({
        name,
        ...(schedule === undefined ? {} : { scheduler: { schedule, suspend, jobTemplate: {} } }),
      })),
    },
  });
}

describe("upcomingSessionTimes (kss schedule next)", () => {
  it("lists each session's next times in UTC and in its own zone, across the Berlin fall-back", () => {
    const config = configuration([{ name: "nightly", schedule: "CRON_TZ=Europe/Berlin 30 2 * * *" }]);

    const result = upcomingSessionTimes(config, new Date("2026-10-24T12:00:00Z"), 3);

    expect(result).toEqual({
      configuration: "demo/app",
      notScheduled: [],
      times: [
        ["2026-10-25T00:30:00Z", "2026-10-25T02:30:00+02:00"],
        ["2026-10-25T01:30:00Z", "2026-10-25T02:30:00+01:00"],
        ["2026-10-26T01:30:00Z", "2026-10-26T02:30:00+01:00"],
      ].map(([next, nextLocal]) => ({
        session: "nightly",
        schedule: "CRON_TZ=Europe/Berlin 30 2 * * *",
        timeZone: "Europe/Berlin",
        next,
        nextLocal,
        staggerOffsetMs: 0,
        state: "active",
      })),
    });
  });

  it("gives each time the stagger offset of the configuration's window, below the next time", () => {
    const config = configuration([{ name: "hourly", schedule: "@hourly" }], {
      annotations: { [Annotation.StaggerWindow]: "10m" },
    });

    const result = upcomingSessionTimes(config, topOfTheHour(), 2);

    expect(result.times.map((t) => t.staggerOffsetMs)).toEqual([366_000, 366_000]);
  });

  it.each([
    [
      "a paused configuration",
      configuration([{ name: "s", schedule: "@daily" }], { paused: true }),
      "paused",
    ],
    ["a suspended scheduler", configuration([{ name: "s", schedule: "@daily", suspend: true }]), "suspended"],
  ])("marks the times of %s", (_scenario, config, state) => {
    expect(upcomingSessionTimes(config, topOfTheHour(), 1).times).toMatchObject([{ state }]);
  });

  it("counts @every from the configuration's creation (its runs are last + k × delay), else from now", () => {
    const created = BackupConfiguration.parse({
      ...configuration([{ name: "often", schedule: "@every 25m" }]),
      metadata: { name: "app", namespace: "demo", creationTimestamp: "2026-11-26T09:08:00Z" },
    });
    const fresh = configuration([{ name: "often", schedule: "@every 25m" }]);

    expect(upcomingSessionTimes(created, topOfTheHour(), 2).times.map((t) => t.next)).toEqual([
      "2026-11-26T10:23:00Z",
      "2026-11-26T10:48:00Z",
    ]);
    expect(upcomingSessionTimes(fresh, topOfTheHour(), 1).times.map((t) => t.next)).toEqual([
      "2026-11-26T10:25:00Z",
    ]);
  });

  it("reports sessions without a scheduler, and invalid schedules, instead of times", () => {
    const config = configuration([{ name: "manual" }, { name: "broken", schedule: "61 * * * *" }]);

    const result = upcomingSessionTimes(config, topOfTheHour(), 2);

    expect(result.times).toEqual([]);
    expect(result.notScheduled).toEqual([
      { session: "manual", reason: "no scheduler: manual only", invalid: false },
      { session: "broken", reason: expect.stringContaining("61"), invalid: true },
    ]);
  });
});

describe("dueReport (kss schedule due)", () => {
  const cron = (source: string) => {
    const parsed = parseCronSchedule(source);
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.schedule;
  };

  it.each([
    [
      "on time: due now, nothing missed",
      "@hourly",
      atMs(-HOUR),
      atMs(0),
      undefined,
      { due: "2026-11-26T10:00:00Z", missed: 0 },
    ],
    [
      "nothing due yet",
      "@hourly",
      atMs(0),
      atMs(59 * MINUTE),
      undefined,
      {
        due: null,
        missed: 0,
        reason: "nothing due since 2026-11-26T10:00:00Z; next at 2026-11-26T11:00:00Z",
      },
    ],
    [
      "missed 5 schedules during an outage: only the newest is due",
      "@hourly",
      atMs(-6 * HOUR),
      atMs(5 * MINUTE),
      undefined,
      {
        due: "2026-11-26T10:00:00Z",
        missed: 5,
        reason: expect.stringContaining("5 older schedule times are not started"),
      },
    ],
    [
      "exactly at the starting deadline: still due",
      "@hourly",
      atMs(-HOUR),
      atMs(120_000),
      120,
      { due: "2026-11-26T10:00:00Z", missed: 0 },
    ],
    [
      "one second past the starting deadline: nothing due, counted missed",
      "@hourly",
      atMs(-HOUR),
      atMs(121_000),
      120,
      { due: null, missed: 1, reason: expect.stringContaining("next at 2026-11-26T11:00:00Z") },
    ],
    [
      "100 days of */1: the newest, about 143999 missed",
      "* * * * *",
      atMs(-100 * 24 * HOUR),
      atMs(0),
      undefined,
      { due: "2026-11-26T10:00:00Z", missed: 143_999, reason: expect.stringContaining("about 143999") },
    ],
    [
      "@every 20m: due at last + 20m, not at the top of the hour",
      "@every 20m",
      atMs(-13 * MINUTE),
      atMs(8 * MINUTE),
      undefined,
      { due: "2026-11-26T10:07:00Z", missed: 0 },
    ],
    [
      "@every 20m before last + 20m: next at last + 20m",
      "@every 20m",
      atMs(-13 * MINUTE),
      atMs(5 * MINUTE),
      undefined,
      { due: null, reason: "nothing due since 2026-11-26T09:47:00Z; next at 2026-11-26T10:07:00Z" },
    ],
    [
      "100 days of @every 1m: the count is exact, not about",
      "@every 1m",
      atMs(-100 * 24 * HOUR),
      atMs(0),
      undefined,
      { due: "2026-11-26T10:00:00Z", missed: 143_999, reason: expect.not.stringContaining("about") },
    ],
  ])("%s", (_scenario, source, last, now, deadline, expected) => {
    expect(dueReport(cron(source), last, now, deadline)).toMatchObject(expected);
  });
});
