import { describe, expect, it } from "vitest";
import { planConfigurationSchedule } from "../../../shared/decide/schedule/schedule-plan.ts";
import { resumedAtOnTick } from "../../../shared/decide/schedule/schedule-state.ts";
import { verificationScheduleInput } from "../../../shared/decide/schedule/verification-plan.ts";
import type { Condition } from "../../../shared/model/common.ts";
import type { BackupConfiguration, BackupVerifier, SessionConfig } from "../../../shared/model/index.ts";
import { toKubeTime } from "../../../shared/model/index.ts";
import { clockFrom } from "../../support/clock.ts";

/**
 * The tick that first finds a configuration active again after a pause (docs/decisions.md#resume-after-pause,
 * docs/pause.md#resume-never-catches-up): its ScheduleActive condition is still False (written by the ticks while
 * paused), and it must not make up the newest time missed meanwhile — the next scheduled time is the first.
 * Hourly schedule, created 10 h before T0, paused from -5 h (the last session was at -5 h).
 */

const T0 = new Date("2026-11-26T10:30:00Z");
const { atMinutes } = clockFrom(T0);

type ConditionGiven = { status: "True" | "False"; reason: string; at: number } | undefined;

function configuration(paused: boolean, condition: ConditionGiven): BackupConfiguration {
  return {
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "BackupConfiguration",
    metadata: { name: "app", namespace: "demo", creationTimestamp: toKubeTime(atMinutes(-600)) },
    spec: {
      paused,
      target: { kind: "PersistentVolumeClaim", name: "data", namespace: "demo" },
      backends: [{ name: "s3", storageRef: { name: "s3" }, retentionPolicy: { name: "keep" } }],
      sessions: [
        {
          name: "hourly",
          sessionHistoryLimit: 1,
          scheduler: { schedule: "0 * * * *", jobTemplate: { backoffLimit: 1 } },
          repositories: [{ name: "repo", backend: "s3", directory: "/app" }],
          addon: { name: "pvc-addon", tasks: [{ name: "logical-backup" }] },
        },
      ],
    },
    status: {
      sessions: [
        {
          name: "hourly",
          lastScheduledTime: toKubeTime(atMinutes(-330)),
          ...(condition
            ? {
                conditions: [
                  {
                    type: "ScheduleActive",
                    status: condition.status,
                    reason: condition.reason,
                    message: "",
                    lastTransitionTime: toKubeTime(atMinutes(condition.at)),
                  },
                ],
              }
            : {}),
        },
      ],
    },
  } as BackupConfiguration;
}

const lastSession = {
  apiVersion: "core.kubestash.com/v1alpha1",
  kind: "BackupSession",
  metadata: {
    name: "app-hourly-last",
    namespace: "demo",
    creationTimestamp: toKubeTime(atMinutes(-330)),
    annotations: { "serverless.kubestash.com/scheduled-time": toKubeTime(atMinutes(-330)) },
  },
  spec: {
    invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: "app" },
    session: "hourly",
  },
  status: { phase: "Succeeded" },
};

function decision(config: BackupConfiguration, now = T0) {
  const plan = planConfigurationSchedule(config, { sessionsOf: () => [lastSession] as never[] }, now);
  return plan.sessions[0]?.decision;
}

/** The configuration as `kss resume` left it: the `resumed-at` annotation set. */
function resumedBy(config: BackupConfiguration, at: string): BackupConfiguration {
  return {
    ...config,
    metadata: { ...config.metadata, annotations: { "serverless.kubestash.com/resumed-at": at } },
  };
}

describe("the first tick after a resume", () => {
  it.each<[string, boolean, ConditionGiven, string, string | undefined]>([
    ["still paused: nothing", true, { status: "False", reason: "Paused", at: -300 }, "paused", undefined],
    [
      "resumed since the last tick (condition still False): nothing made up, next at 11:00",
      false,
      { status: "False", reason: "Paused", at: -300 },
      "wait",
      "2026-11-26T11:00:00Z",
    ],
    [
      "resumed after a suspension, the same",
      false,
      { status: "False", reason: "Suspended", at: -300 },
      "wait",
      "2026-11-26T11:00:00Z",
    ],
    [
      "never paused (condition True, Scheduled): the newest missed time is started late, as CronJob does",
      false,
      { status: "True", reason: "Scheduled", at: -600 },
      "create",
      undefined,
    ],
  ])("%s", (_case, paused, condition, action, next) => {
    const d = decision(configuration(paused, condition));
    expect(d?.action).toBe(action);
    if (next !== undefined) expect(d && "next" in d ? toKubeTime(d.next) : undefined).toBe(next);
  });

  // The resuming tick comes up to a minute after the resume: a schedule time between them is not lost.
  it.each<[string, BackupConfiguration, Date, string, string]>([
    [
      "kss resume at 10:59:40, the tick at 11:00:04: the 11:00 run is created",
      resumedBy(
        configuration(false, { status: "False", reason: "Paused", at: -300 }),
        "2026-11-26T10:59:40Z",
      ),
      new Date("2026-11-26T11:00:04Z"),
      "create",
      "2026-11-26T11:00:00Z",
    ],
    [
      "resumed with kubectl (no annotation), the tick at 11:00:04: counts from a minute before, 11:00 created",
      configuration(false, { status: "False", reason: "Paused", at: -300 }),
      new Date("2026-11-26T11:00:04Z"),
      "create",
      "2026-11-26T11:00:00Z",
    ],
    [
      "a resumed-at older than the pause (an earlier resume): not the anchor, nothing made up",
      resumedBy(
        configuration(false, { status: "False", reason: "Paused", at: -300 }),
        "2026-11-26T04:00:00Z",
      ),
      new Date("2026-11-26T11:20:04Z"),
      "wait",
      "2026-11-26T12:00:00Z",
    ],
    [
      "a resumed-at after now (a skewed clock): not the anchor",
      resumedBy(
        configuration(false, { status: "False", reason: "Paused", at: -300 }),
        "2026-11-26T12:00:00Z",
      ),
      new Date("2026-11-26T11:20:04Z"),
      "wait",
      "2026-11-26T12:00:00Z",
    ],
  ])("%s", (_case, config, now, action, time) => {
    const d = decision(config, now);
    expect(d?.action).toBe(action);
    const at = d && "scheduledTime" in d ? d.scheduledTime : d && "next" in d ? d.next : undefined;
    expect(at ? toKubeTime(at as Date) : undefined).toBe(time);
  });

  it("a verifier's schedule on the same tick counts from the resume too", () => {
    const config = configuration(false, { status: "False", reason: "Paused", at: -300 });
    const verifier = {
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "BackupVerifier",
      metadata: { name: "verify", namespace: "demo", creationTimestamp: toKubeTime(atMinutes(-600)) },
      spec: { scheduler: { schedule: "0 * * * *", jobTemplate: {} } },
    } as unknown as BackupVerifier;
    const session = config.spec.sessions?.[0] as SessionConfig;
    const input = verificationScheduleInput(config, session, "repo", verifier, [], { now: T0 });
    expect(input.resumedAt).toEqual(atMinutes(-1));
    const annotated = resumedBy(config, toKubeTime(atMinutes(-0.5)));
    expect(
      verificationScheduleInput(annotated, session, "repo", verifier, [], { now: T0 }).resumedAt,
    ).toEqual(atMinutes(-0.5));
  });

  it("resumedAtOnTick: after a False condition, the resumed-at annotation or a minute before now; the recorded resume otherwise", () => {
    const resumed: Condition[] = [
      {
        type: "ScheduleActive",
        status: "True",
        reason: "Resumed",
        message: "",
        lastTransitionTime: toKubeTime(atMinutes(-5)),
      },
    ];
    const paused: Condition[] = resumed.map((c) => ({ ...c, status: "False", reason: "Paused" }));
    const meta = { metadata: { name: "app" } };
    const annotated = (at: Date) => ({
      metadata: { name: "app", annotations: { "serverless.kubestash.com/resumed-at": toKubeTime(at) } },
    });
    expect(resumedAtOnTick(meta, paused, T0)).toEqual(atMinutes(-1));
    expect(resumedAtOnTick(annotated(atMinutes(-3)), paused, T0)).toEqual(atMinutes(-3));
    // The False transition less than a minute ago: the resume came after it.
    expect(resumedAtOnTick(meta, paused, atMinutes(-4.5))).toEqual(atMinutes(-5));
    expect(resumedAtOnTick(annotated(atMinutes(-3)), resumed, T0)).toEqual(atMinutes(-5));
    expect(resumedAtOnTick(meta, resumed, T0)).toEqual(atMinutes(-5));
    expect(resumedAtOnTick(meta, undefined, T0)).toBeUndefined();
  });
});
