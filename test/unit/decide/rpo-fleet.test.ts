import { describe, expect, it } from "vitest";
import { rpoCell as cliRpoCell, rpoLines } from "../../../cli/commands/fleet.ts";
import { ClusterEntry } from "../../../shared/clusters/registry-schema.ts";
import { rpoCell } from "../../../shared/dashboard/browser/rpo-cell.ts";
import { clusterFleetFacts } from "../../../shared/decide/fleet/fleet.ts";
import { decideRpoAlarm } from "../../../shared/decide/rpo/rpo-alarm.ts";
import { rpoConfigurationErrors, rpoTargetOf } from "../../../shared/decide/rpo/target.ts";
import type { BackupConfiguration } from "../../../shared/model/backup-configuration.ts";
import type { Condition } from "../../../shared/model/common.ts";
import { parseRpoTarget } from "../../../shared/model/rpo.ts";
import {
  ago,
  configuration,
  DAY,
  HOUR,
  kube,
  MINUTE,
  NOW,
  session,
  snapshot,
} from "../../support/fleet-samples.ts";

/** Where RPO targets come from, when "RPO At Risk" is announced, and how the fleet view and its cells show it. */

const annotated = (
  annotations: Record<string, string>,
  config = configuration("app"),
): BackupConfiguration => ({
  ...config,
  metadata: { ...config.metadata, annotations },
});

describe("parseRpoTarget", () => {
  it.each<[string, number | undefined]>([
    ["26h", 26 * HOUR],
    ["90m", 90 * MINUTE],
    ["1h30m", 90 * MINUTE],
    ["2d", 2 * DAY],
    ["1d12h", 36 * HOUR],
    [" 3h ", 3 * HOUR],
    ["0", 0],
    ["soon", undefined],
    ["2 days", undefined],
    ["1dx", undefined],
    ["", undefined],
  ])("%j → %s ms", (text, ms) => expect(parseRpoTarget(text)).toBe(ms));
});

describe("the registry's rpoTarget and rpoAlarmLevel", () => {
  const entry = (extra: Record<string, unknown>) =>
    ClusterEntry.safeParse({ id: "one", credentials: { source: "kubeconfig", path: "k" }, ...extra });
  it("accepts a duration and a level of 2-5; refuses others with a message", () => {
    expect(entry({ rpoTarget: "2d", rpoAlarmLevel: 4 }).success).toBe(true);
    const bad = entry({ rpoTarget: "soon", rpoAlarmLevel: 1 });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["rpoTarget", "must be a duration such as 26h or 2d"],
      ["rpoAlarmLevel", "must be 2, 3, 4 or 5"],
    ]);
  });
});

describe("rpoTargetOf: the most specific target wins", () => {
  const both = annotated({
    "serverless.kubestash.com/rpo-target": "26h",
    "serverless.kubestash.com/rpo-target.backup": "3h",
  });
  it.each<[string, BackupConfiguration, { targetMs: number } | undefined, string, string | undefined]>([
    ["the session's own annotation", both, { targetMs: 3 * HOUR }, "session-annotation", undefined],
    [
      "the configuration's",
      annotated({ "serverless.kubestash.com/rpo-target": "26h" }),
      { targetMs: 26 * HOUR },
      "annotation",
      undefined,
    ],
    ["the registry's", configuration("app"), { targetMs: 48 * HOUR }, "registry", undefined],
    [
      "a bad session annotation: no target, the problem",
      annotated({ "serverless.kubestash.com/rpo-target.backup": "soon" }),
      undefined,
      "",
      'annotation serverless.kubestash.com/rpo-target.backup: "soon" is not an RPO target (a duration such as 26h, 90m or 2d)',
    ],
    [
      "a zero target is bad",
      annotated({ "serverless.kubestash.com/rpo-target": "0" }),
      undefined,
      "",
      'annotation serverless.kubestash.com/rpo-target: "0" is not an RPO target (a duration such as 26h, 90m or 2d)',
    ],
  ])("%s", (_, config, target, source, error) => {
    const result = rpoTargetOf(config, "backup", { targetMs: 48 * HOUR });
    if (target === undefined) expect(result.target).toBeUndefined();
    else expect(result.target).toMatchObject({ ...target, source, alarmLevel: 3 });
    expect(result.error).toBe(error);
  });

  it("no annotation and no registry default: no target, no problem", () => {
    expect(rpoTargetOf(configuration("app"), "backup")).toEqual({});
  });

  it("the alarm level from the annotation, else the registry, else 3; a bad one is the session's error, not defaulted", () => {
    const config = annotated({
      "serverless.kubestash.com/rpo-target": "26h",
      "serverless.kubestash.com/rpo-alarm-level": "4",
    });
    expect(rpoTargetOf(config, "backup", { alarmLevel: 2 }).target?.alarmLevel).toBe(4);
    const plain = annotated({ "serverless.kubestash.com/rpo-target": "26h" });
    expect(rpoTargetOf(plain, "backup", { alarmLevel: 2 }).target?.alarmLevel).toBe(2);
    const bad = annotated({
      "serverless.kubestash.com/rpo-target": "26h",
      "serverless.kubestash.com/rpo-alarm-level": "9",
    });
    expect(rpoTargetOf(bad, "backup")).toEqual({
      error:
        'annotation serverless.kubestash.com/rpo-alarm-level: "9" is not an RPO risk level (2, 3, 4 or 5)',
    });
    // A bad target's own error comes first.
    const both = annotated({
      "serverless.kubestash.com/rpo-target": "soon",
      "serverless.kubestash.com/rpo-alarm-level": "9",
    });
    expect(rpoTargetOf(both, "backup").error).toMatch(/rpo-target: "soon"/);
    // No target at all: nothing to rate, no session error (the configuration's problem is still listed).
    expect(rpoTargetOf(annotated({ "serverless.kubestash.com/rpo-alarm-level": "9" }), "backup")).toEqual({});
    expect(rpoConfigurationErrors(bad)).toEqual([
      'annotation serverless.kubestash.com/rpo-alarm-level: "9" is not an RPO risk level (2, 3, 4 or 5)',
    ]);
  });

  it("a per-session annotation that names no session of the configuration is a problem", () => {
    const config = annotated({ "serverless.kubestash.com/rpo-target.nightly": "26h" });
    expect(rpoConfigurationErrors(config)).toEqual([
      "annotation serverless.kubestash.com/rpo-target.nightly: the configuration has no session nightly",
    ]);
  });
});

describe("decideRpoAlarm: once per crossing, a write only when the status or level changes", () => {
  const condition = (status: Condition["status"], reason: string, message = "x"): Condition[] => [
    { type: "RPOAtRisk", status, reason, message, lastTransitionTime: kube(ago(HOUR)) },
  ];
  const risk = (level: number, alarmLevel = 3) => ({ level, alarmLevel, reason: "why" });
  it.each<[string, Parameters<typeof decideRpoAlarm>[0], boolean, Partial<Condition> | undefined]>([
    [
      "reaching the alarm level: announce, record",
      { risk: risk(3) },
      true,
      { status: "True", reason: "Level3" },
    ],
    ["still at it: nothing", { conditions: condition("True", "Level3"), risk: risk(3) }, false, undefined],
    [
      "higher: no second announcement, the level recorded",
      { conditions: condition("True", "Level3"), risk: risk(5) },
      false,
      { status: "True", reason: "Level5", message: "level 5: why" },
    ],
    [
      "back below: recorded False",
      { conditions: condition("True", "Level4"), risk: risk(1) },
      false,
      { status: "False", reason: "BelowAlarmLevel", message: "level 1: why" },
    ],
    [
      "below and recorded so: nothing",
      { conditions: condition("False", "BelowAlarmLevel"), risk: risk(2) },
      false,
      undefined,
    ],
    ["below, never announced: nothing (a quiet tick)", { risk: risk(2) }, false, undefined],
    [
      "crossing again after False: announce again",
      { conditions: condition("False", "BelowAlarmLevel"), risk: risk(4) },
      true,
      { status: "True", reason: "Level4" },
    ],
    ["below a higher alarm level: nothing", { risk: risk(3, 4) }, false, undefined],
    [
      "a bad target: Unknown InvalidRPOTarget",
      { error: "bad" },
      false,
      { status: "Unknown", reason: "InvalidRPOTarget", message: "bad" },
    ],
    [
      "the same bad target: nothing",
      { conditions: condition("Unknown", "InvalidRPOTarget", "bad"), error: "bad" },
      false,
      undefined,
    ],
    [
      "the target removed after an announcement: False",
      { conditions: condition("True", "Level3") },
      false,
      { status: "False", reason: "BelowAlarmLevel", message: "no RPO target" },
    ],
  ])("%s", (_, input, announce, written) => {
    const decision = decideRpoAlarm(input);
    expect(decision.announce).toBe(announce);
    if (written === undefined) expect(decision.condition).toBeUndefined();
    else expect(decision.condition).toMatchObject({ type: "RPOAtRisk", ...written });
  });
});

describe("the fleet view rates each session with a target", () => {
  // Hourly, target 26h; the last success 30 h ago (a Snapshot), the last three runs failed.
  const config = annotated({ "serverless.kubestash.com/rpo-target": "26h" });
  const failed = [1, 2, 3].map((h) => session("app", ago(h * HOUR + 30 * MINUTE), { phase: "Failed" }));
  const view = clusterFleetFacts(
    {
      configurations: [
        config,
        annotated({ "serverless.kubestash.com/rpo-target": "later" }, configuration("bad")),
      ],
      sessions: failed,
      snapshots: [snapshot("app", "repo", ago(30 * HOUR))],
      repositories: [],
    },
    NOW,
  );
  const [app, bad] = view.configurations;
  const facts = app?.sessions[0];

  it("level 3, 4 h past, the failures in the reason, the next run projected", () => {
    expect(facts?.rpoRisk).toEqual({
      target: "26h",
      targetSeconds: 26 * 3600,
      source: "annotation",
      level: 3,
      reason: "last backup 1d6h ago, 4h past the 26h target; last 3 runs failed; next run 13:00",
      timeLeftSeconds: -4 * 3600,
      deadline: kube(ago(4 * HOUR)),
      projectedAt: "2026-11-26T13:00:00Z",
      alarmLevel: 3,
      atRisk: true,
    });
    expect(view.totals.rpoAtRisk).toBe(1);
  });

  it("a bad target: the configuration's problem, no rating", () => {
    expect(bad?.rpoErrors).toEqual([
      'annotation serverless.kubestash.com/rpo-target: "later" is not an RPO target (a duration such as 26h, 90m or 2d)',
    ]);
    expect(bad?.sessions[0]?.rpoRisk).toBeUndefined();
  });

  it("the registry's default applies to a configuration without an annotation; none: no rating", () => {
    const plain = { configurations: [configuration("app")], sessions: [], snapshots: [], repositories: [] };
    expect(clusterFleetFacts(plain, NOW).configurations[0]?.sessions[0]?.rpoRisk).toBeUndefined();
    const rated = clusterFleetFacts(plain, NOW, { rpo: { targetMs: 2 * DAY, alarmLevel: 5 } });
    // Created 7 days ago, never backed up: far past its 2-day target.
    expect(rated.configurations[0]?.sessions[0]?.rpoRisk).toMatchObject({
      target: "48h",
      source: "registry",
      level: 5,
      alarmLevel: 5,
      atRisk: true,
      reason:
        "never backed up, 5d past the 48h target; 168 schedule times missed since 2026-11-19 13:00; next run 13:00",
    });
  });

  it("a paused configuration: the pause in the reason, no projected run", () => {
    const paused = annotated(
      { "serverless.kubestash.com/rpo-target": "26h" },
      configuration("app", { paused: true }),
    );
    const ok = clusterFleetFacts(
      {
        configurations: [paused],
        sessions: [session("app", ago(2 * HOUR), { phase: "Succeeded" })],
        snapshots: [],
        repositories: [],
      },
      NOW,
    ).configurations[0]?.sessions[0]?.rpoRisk;
    expect(ok).toMatchObject({
      level: 2,
      reason: "paused: no run before the target (2026-11-27 12:30); 1d left of the 26h target",
    });
    expect(ok?.projectedAt).toBeUndefined();
  });

  it("an exclusion window that holds the next run past the target: level 2, the window named, the run at its end", () => {
    const windowed = annotated({
      "serverless.kubestash.com/rpo-target": "2h",
      "serverless.kubestash.com/exclusion-windows": JSON.stringify([
        { name: "freeze", interval: "2026-11-26T12:45Z/PT2H" },
      ]),
    });
    const rate = (config: BackupConfiguration) =>
      clusterFleetFacts(
        {
          configurations: [config],
          sessions: [session("app", ago(30 * MINUTE), { phase: "Succeeded" })],
          snapshots: [],
          repositories: [],
        },
        NOW,
      ).configurations[0]?.sessions[0]?.rpoRisk;
    expect(rate(windowed)).toMatchObject({
      level: 2,
      reason:
        "next run 14:45 (held by exclusion window freeze) is after the target (14:00); 1h30m left of the 2h target",
      projectedAt: "2026-11-26T14:45:00Z",
    });
    // Without the window the 13:00 run lands before the target.
    expect(rate(annotated({ "serverless.kubestash.com/rpo-target": "2h" }))).toMatchObject({
      level: 1,
      projectedAt: "2026-11-26T13:00:00Z",
    });
  });

  it("a two-day Skip window over an every-10-minutes schedule: the delay is found (level 2, the window named)", () => {
    const frozen = annotated(
      {
        "serverless.kubestash.com/rpo-target": "26h",
        "serverless.kubestash.com/exclusion-windows": JSON.stringify([
          { name: "freeze", interval: "2026-11-26T12:35Z/P2D", policy: "Skip" },
        ]),
      },
      configuration("app", { schedule: "*/10 * * * *" }),
    );
    const risk = clusterFleetFacts(
      {
        configurations: [frozen],
        // The 12:30 run is done; 12:40 … 2026-11-28 12:30 are all Skipped (288 runs).
        sessions: [session("app", ago(0), { phase: "Succeeded" })],
        snapshots: [],
        repositories: [],
      },
      NOW,
    ).configurations[0]?.sessions[0]?.rpoRisk;
    expect(risk).toMatchObject({
      level: 2,
      reason: expect.stringContaining("(held by exclusion window freeze) is after the target"),
      projectedAt: "2026-11-28T12:40:00Z",
    });
  });

  // Held times are not missed (docs/windows.md#policy): the fleet view does not call a held run overdue.
  it.each<[string, string, Record<string, unknown> | undefined, string]>([
    ["held until 13:45 by a Wait window: not overdue", "2026-11-26T10:45Z/PT3H", undefined, "ok"],
    [
      "released at 11:15 and no session by 12:30: overdue from the release, not from 11:00",
      "2026-11-26T10:45Z/PT30M",
      { dueSince: "2026-11-26T11:15:00Z", missedRuns: 2, overdueSeconds: 75 * 60 },
      "overdue",
    ],
  ])("%s", (_case, interval, overdue, state) => {
    const held = annotated({
      "serverless.kubestash.com/rpo-target": "3h",
      "serverless.kubestash.com/exclusion-windows": JSON.stringify([{ name: "freeze", interval }]),
    });
    const facts = clusterFleetFacts(
      {
        configurations: [held],
        sessions: [session("app", ago(150 * MINUTE), { phase: "Succeeded" })],
        snapshots: [],
        repositories: [],
      },
      NOW,
    ).configurations[0]?.sessions[0];
    expect(facts?.state).toBe(state);
    expect(facts?.overdue).toEqual(overdue);
    if (overdue === undefined) {
      // The RPO reason names the window, not missed schedule times.
      expect(facts?.rpoRisk?.reason).toContain("held by exclusion window freeze");
      expect(facts?.rpoRisk?.reason).not.toMatch(/missed/);
    }
  });

  it("never backed up counts from the creation, not from a resume (a pause does not make the data younger)", () => {
    const resumed = annotated(
      { "serverless.kubestash.com/rpo-target": "26h" },
      configuration("app", { createdAt: ago(3 * DAY), resumedAt: ago(HOUR) }),
    );
    const risk = clusterFleetFacts(
      { configurations: [resumed], sessions: [], snapshots: [], repositories: [] },
      NOW,
    ).configurations[0]?.sessions[0]?.rpoRisk;
    expect(risk).toMatchObject({ level: 5, timeLeftSeconds: -(3 * 24 - 26) * 3600 });
    expect(risk?.reason).toMatch(/^never backed up, 1d22h past the 26h target/);
  });

  it("kss fleet: the RPO cell and the lines under the table", () => {
    if (!facts || !app || !bad) throw new Error("two configurations");
    expect(cliRpoCell(facts)).toBe("3 -4h!");
    expect(
      cliRpoCell({
        ...facts,
        rpoRisk: {
          ...(facts.rpoRisk as NonNullable<typeof facts.rpoRisk>),
          level: 2,
          timeLeftSeconds: 12 * 3600,
          atRisk: false,
        },
      }),
    ).toBe("2 12h left");
    expect(rpoLines([app, bad])).toEqual([
      "RPO 3 apps/app backup: last backup 1d6h ago, 4h past the 26h target; last 3 runs failed; next run 13:00",
      'RPO target of apps/bad: annotation serverless.kubestash.com/rpo-target: "later" is not an RPO target (a duration such as 26h, 90m or 2d)',
    ]);
  });

  it("the dashboard's cell: badge, time past, the reason in the tooltip", () => {
    if (!facts) throw new Error("one session");
    const cell = rpoCell(facts);
    expect(cell).toMatchObject({ level: 3, label: "RPO 3", time: "4h past", atRisk: true, breached: true });
    expect(cell.title.split("\n")).toEqual([
      "RPO risk level 3 of 5: past the target by up to half of it",
      "last backup 1d6h ago, 4h past the 26h target; last 3 runs failed; next run 13:00",
      `target 26h (configuration) · passed since ${kube(ago(4 * HOUR))}`,
      "next run lands 2026-11-26T13:00:00Z",
      "alarm from level 3: announced as RPO At Risk",
    ]);
    const none = rpoCell(
      clusterFleetFacts(
        { configurations: [configuration("x")], sessions: [], snapshots: [], repositories: [] },
        NOW,
      ).configurations[0]?.sessions[0] ?? facts,
    );
    expect(none.level).toBeUndefined();
    expect(none.title).toMatch(/^no RPO target/);
  });
});
