import { describe, expect, it } from "vitest";
import {
  createdEventMessage,
  planConfigurationSchedule,
  scheduleFactsAfter,
} from "../../../shared/decide/schedule/schedule-plan.ts";
import type { BackupConfiguration, BackupSession, SessionConfig } from "../../../shared/model/index.ts";
import { toKubeTime } from "../../../shared/model/index.ts";
import { clockFrom } from "../../support/clock.ts";

/**
 * One tick's plan for a configuration (shared/decide/schedule/schedule-plan.ts), from the listed objects and a fixed
 * clock: the session to create and what goes with it, the overdue notice, and — given what the creates did —
 * the facts the status records and the Event's message. Anchor: Thursday 2026-11-26 10:00 UTC.
 */

const T0 = new Date("2026-11-26T10:00:00Z");
const { atMinutes } = clockFrom(T0);

function session(
  name: string,
  schedule: string,
  over: Partial<NonNullable<SessionConfig["scheduler"]>> = {},
): SessionConfig {
  return {
    name,
    scheduler: { schedule, jobTemplate: { backoffLimit: 1 }, ...over },
    repositories: [{ name: "repo", backend: "s3", directory: `/${name}` }],
    addon: { name: "pvc-addon", tasks: [{ name: "logical-backup" }] },
  } as SessionConfig;
}

function configuration(sessions: SessionConfig[], createdMinutesAgo = 600): BackupConfiguration {
  return {
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "BackupConfiguration",
    metadata: {
      name: "app",
      namespace: "demo",
      uid: "uid-app",
      creationTimestamp: toKubeTime(atMinutes(-createdMinutesAgo)),
    },
    spec: {
      target: { kind: "PersistentVolumeClaim", name: "data", namespace: "demo" },
      backends: [{ name: "s3", storageRef: { name: "s3" }, retentionPolicy: { name: "keep" } }],
      sessions,
    },
  } as BackupConfiguration;
}

function scheduled(sessionName: string, minute: number, phase?: string): BackupSession {
  const time = atMinutes(minute);
  return {
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "BackupSession",
    metadata: {
      name: `app-${sessionName}-${time.getTime() / 1000}`,
      namespace: "demo",
      creationTimestamp: toKubeTime(time),
      annotations: { "serverless.kubestash.com/scheduled-time": toKubeTime(time) },
    },
    spec: {
      invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: "app" },
      session: sessionName,
    },
    ...(phase ? { status: { phase } } : {}),
  } as BackupSession;
}

const plan = (config: BackupConfiguration, sessions: BackupSession[], now: Date) =>
  planConfigurationSchedule(
    config,
    { sessionsOf: (name) => sessions.filter((s) => s.spec.session === name) },
    now,
  );

describe("planConfigurationSchedule: what one tick decides, before any write", () => {
  it.each<[string, SessionConfig, BackupSession[], Date, object]>([
    [
      "due, nothing running: the session to create, named by its scheduled time",
      session("hourly", "0 * * * *"),
      [scheduled("hourly", -60, "Succeeded")],
      atMinutes(0.5),
      {
        decision: { action: "create" },
        create: { replaces: [], desired: { metadata: { name: `app-hourly-${T0.getTime() / 1000}` } } },
      },
    ],
    [
      "due while one runs (Forbid): created Skipped, with the reason",
      session("hourly", "0 * * * *"),
      [scheduled("hourly", -60, "Running")],
      atMinutes(0.5),
      {
        decision: { action: "skip-create" },
        create: {
          skippedReason: expect.stringContaining("Forbid"),
          // The reason is on the object from its create (docs/decisions.md#created-skipped).
          desired: {
            metadata: {
              annotations: { "serverless.kubestash.com/skip-reason": expect.stringContaining("Forbid") },
            },
          },
        },
      },
    ],
    [
      "due while one runs (Replace): the running one to mark",
      session("hourly", "0 * * * *", { concurrencyPolicy: "Replace" }),
      [scheduled("hourly", -60, "Running")],
      atMinutes(0.5),
      {
        decision: { action: "replace" },
        create: { replaces: [`app-hourly-${atMinutes(-60).getTime() / 1000}`] },
      },
    ],
    [
      "not due: nothing to create",
      session("hourly", "0 * * * *"),
      [scheduled("hourly", 0, "Succeeded")],
      atMinutes(30),
      { decision: { action: "wait" } },
    ],
  ])("%s", (_scenario, entry, sessions, now, expected) => {
    const [only] = plan(configuration([entry]), sessions, now).sessions;
    expect(only).toMatchObject(expected);
    if (only?.decision.action !== "skip-create")
      expect(
        only?.create?.desired.metadata.annotations?.["serverless.kubestash.com/skip-reason"],
      ).toBeUndefined();
    if (only?.decision.action === "wait") expect(only.create).toBeUndefined();
    expect(only?.input.parsedSchedule?.ok).toBe(true);
  });

  it("a run past startingDeadlineSeconds a whole interval late: the overdue notice, once (the tick it became so)", () => {
    const entry = session("hourly", "0 * * * *", { startingDeadlineSeconds: 10 });
    const last = [scheduled("hourly", -120, "Succeeded")];
    const noticed = plan(configuration([entry]), last, atMinutes(0.5)).sessions[0];
    expect(noticed?.decision.action).toBe("missed-deadline");
    expect(noticed?.overdue).toEqual({ schedule: "0 * * * *", dueSince: atMinutes(-60), missedRuns: 2 });
    const later = plan(configuration([entry]), last, atMinutes(1.5)).sessions[0];
    expect(later?.decision.action).toBe("missed-deadline");
    expect(later?.overdue).toBeUndefined();
  });
});

describe("scheduleFactsAfter: what the status records once the creates are done", () => {
  const every = session("often", "@every 90m");
  const last = [scheduled("often", -90, "Succeeded")];

  it.each<[string, string | undefined]>([
    ["the create happened: the next time counts from the one just created", "app-often-x"],
    ["the create failed: no fact yet; the next time still on the same grid, no miss counted", undefined],
  ])("%s", (_scenario, created) => {
    const [only] = plan(configuration([every]), last, atMinutes(3)).sessions;
    if (!only) throw new Error("one session planned");
    expect(only.decision).toMatchObject({ action: "create", scheduledTime: atMinutes(0) });
    const facts = scheduleFactsAfter(only, created, atMinutes(3));
    expect(facts).toMatchObject({ name: "often", nextSchedule: atMinutes(90) });
    // Created 3 minutes late: a miss (StartedLate) only once the session exists.
    if (created === undefined) expect(facts.missed).toBeUndefined();
    else expect(facts.missed).toMatchObject({ newest: atMinutes(0), count: 1 });
  });

  it("an invalid schedule is recorded as the scheduler's error", () => {
    const [only] = plan(configuration([session("bad", "61 * * * *")]), [], atMinutes(0)).sessions;
    if (!only) throw new Error("one session planned");
    expect(scheduleFactsAfter(only, undefined, atMinutes(0))).toEqual({
      name: "bad",
      schedulerError: expect.stringContaining("61 * * * *"),
    });
  });

  it("a run created late is counted missed once, as StartedLate", () => {
    const [only] = plan(
      configuration([session("hourly", "0 * * * *")]),
      [scheduled("hourly", -60, "Succeeded")],
      atMinutes(3),
    ).sessions;
    if (!only) throw new Error("one session planned");
    expect(scheduleFactsAfter(only, "app-hourly-x", atMinutes(3)).missed).toMatchObject({
      newest: atMinutes(0),
      count: 1,
    });
  });
});

describe("createdEventMessage", () => {
  it.each<[string, BackupSession[], string | undefined]>([
    ["created", [], `Created BackupSession N for ${toKubeTime(T0)}`],
    [
      "created Skipped (Forbid)",
      [scheduled("hourly", -60, "Running")],
      "Skipped BackupSession N: another backup",
    ],
  ])("%s", (_scenario, sessions, message) => {
    const [only] = plan(
      configuration([session("hourly", "0 * * * *")], 90),
      sessions,
      atMinutes(0.5),
    ).sessions;
    if (!only) throw new Error("one session planned");
    expect(createdEventMessage(only, "N")).toEqual(expect.stringContaining(message ?? ""));
  });

  it("no message for a session the tick did not create", () => {
    const [only] = plan(
      configuration([session("hourly", "0 * * * *")]),
      [scheduled("hourly", 0)],
      atMinutes(30),
    ).sessions;
    if (!only) throw new Error("one session planned");
    expect(only.decision.action).toBe("wait");
    expect(createdEventMessage(only, "N")).toBeUndefined();
  });
});
