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

function decision(config: BackupConfiguration) {
  const plan = planConfigurationSchedule(config, { sessionsOf: () => [lastSession] as never[] }, T0);
  return plan.sessions[0]?.decision;
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
    expect(input.resumedAt).toEqual(T0);
  });

  it("resumedAtOnTick: now after a False condition, the recorded resume otherwise", () => {
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
    expect(resumedAtOnTick(paused, T0)).toEqual(T0);
    expect(resumedAtOnTick(resumed, T0)).toEqual(atMinutes(-5));
    expect(resumedAtOnTick(undefined, T0)).toBeUndefined();
  });
});
