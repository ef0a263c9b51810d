import { describe, expect, it } from "vitest";
import {
  decideRetry,
  type RetryDecision,
  type RetryInput,
  retryGate,
} from "../../../shared/decide/retry/retry.ts";
import type { BackupConfiguration, BackupSession, SessionConfig } from "../../../shared/model/index.ts";
import { toKubeTime } from "../../../shared/model/index.ts";
import { atSeconds, backupSession, configuration, sessionConfig, T0 } from "../../support/session-world.ts";

/** A session of `app-backup`/`daily` scheduled at T0 that failed at T0 + 40 s (MetricsPushed), 2 retries left. */
const FAILED_AT = atSeconds(40);
const NAME = backupSession().metadata.name;
const withRetry = (retryConfig: SessionConfig["retryConfig"]) =>
  configuration(sessionConfig({ retryConfig }));
const fiveMinutes = withRetry({ maxRetry: 2, delay: "5m" });

function failed(over: { status?: BackupSession["status"]; retryLeft?: number; name?: string } = {}) {
  const base = backupSession(T0, { retryLeft: over.retryLeft ?? 2 });
  const name = over.name ?? base.metadata.name;
  return {
    ...base,
    metadata: { ...base.metadata, name },
    status: {
      phase: "Failed" as const,
      duration: "40s",
      conditions: [
        { type: "MetricsPushed", status: "True" as const, lastTransitionTime: toKubeTime(FAILED_AT) },
      ],
      ...over.status,
    },
  };
}

function input(over: Partial<RetryInput> = {}): RetryInput {
  return { failed: failed(), configuration: fiveMinutes, retryExists: false, ...over };
}

const retryNow = (name: string, retryLeft: number, dueAt: Date): RetryDecision => ({
  action: "retry-now",
  name,
  retryLeft,
  dueAt,
});
const noRetry = (reason: string, final = true) => ({ action: "no-retry" as const, reason, final });
const paused = (config: BackupConfiguration): BackupConfiguration => ({
  ...config,
  spec: { ...config.spec, paused: true },
});
/** The configuration's ScheduleActive condition says scheduling resumed at `when`. */
function resumed(config: BackupConfiguration, when: Date): BackupConfiguration {
  const condition = {
    type: "ScheduleActive",
    status: "True" as const,
    reason: "Resumed",
    lastTransitionTime: toKubeTime(when),
  };
  return { ...config, status: { ...config.status, sessions: [{ name: "daily", conditions: [condition] }] } };
}

/** spec.paused is false again, but the configuration's status still says ScheduleActive=False (reason). */
function recorded(config: BackupConfiguration, reason: string): BackupConfiguration {
  const condition = {
    type: "ScheduleActive",
    status: "False" as const,
    reason,
    lastTransitionTime: toKubeTime(atSeconds(100)),
  };
  return { ...config, status: { ...config.status, sessions: [{ name: "daily", conditions: [condition] }] } };
}
const stillRecordedPaused = (config: BackupConfiguration) => recorded(config, "ConfigurationPaused");
const recordedSuspended = (config: BackupConfiguration) => recorded(config, "SchedulerSuspended");

describe("decideRetry", () => {
  it.each<[string, RetryInput, Date, Record<string, unknown>]>([
    [
      "failed 40 s in, delay 5m: retry at failure + 5m",
      input(),
      atSeconds(41),
      { action: "retry-at", at: atSeconds(340) },
    ],
    [
      "at nextRetry exactly: retry now, retryLeft − 1",
      input(),
      atSeconds(340),
      retryNow(`${NAME}-retry-1`, 1, atSeconds(340)),
    ],
    [
      "an hour late (the platform was down): still one retry now",
      input(),
      atSeconds(3600),
      retryNow(`${NAME}-retry-1`, 1, atSeconds(340)),
    ],
    [
      "delay unset: retry immediately",
      input({ configuration: withRetry({ maxRetry: 1 }) }),
      atSeconds(41),
      retryNow(`${NAME}-retry-1`, 1, FAILED_AT),
    ],
    [
      'delay "0s": retry immediately',
      input({ configuration: withRetry({ maxRetry: 1, delay: "0s" }) }),
      atSeconds(41),
      retryNow(`${NAME}-retry-1`, 1, FAILED_AT),
    ],
    [
      "nextRetry already set: kept, even if the delay changed since",
      input({ failed: failed({ status: { nextRetry: toKubeTime(atSeconds(100)) } }) }),
      atSeconds(100),
      retryNow(`${NAME}-retry-1`, 1, atSeconds(100)),
    ],
    [
      "no MetricsPushed: failure time is creationTimestamp + duration",
      input({ failed: failed({ status: { conditions: [] } }) }),
      atSeconds(41),
      { action: "retry-at", at: atSeconds(340) },
    ],
    [
      "no MetricsPushed, no duration: failure time is now",
      input({ failed: failed({ status: { conditions: [], duration: undefined } }) }),
      atSeconds(50),
      { action: "retry-at", at: atSeconds(350) },
    ],
    [
      "a failed retry with retries left: the next in the chain",
      input({ failed: failed({ name: `${NAME}-retry-1`, retryLeft: 1 }) }),
      atSeconds(340),
      retryNow(`${NAME}-retry-2`, 0, atSeconds(340)),
    ],
    [
      "retryLeft 0: final failure",
      input({ failed: failed({ retryLeft: 0 }) }),
      atSeconds(400),
      noRetry("retries-exhausted"),
    ],
    [
      "Skipped: never retried",
      input({ failed: failed({ status: { phase: "Skipped" } }) }),
      atSeconds(400),
      noRetry("skipped"),
    ],
    [
      "Succeeded: never retried",
      input({ failed: failed({ status: { phase: "Succeeded" } }) }),
      atSeconds(400),
      noRetry("succeeded"),
    ],
    [
      "still Running (Phase Changed read before the status): not yet",
      input({ failed: failed({ status: { phase: "Running" } }) }),
      atSeconds(400),
      noRetry("not-failed", false),
    ],
    [
      "no phase yet (Created not reconciled): not yet",
      input({ failed: failed({ status: { phase: undefined } }) }),
      atSeconds(400),
      noRetry("not-failed", false),
    ],
    [
      "status.retried true: done already",
      input({ failed: failed({ status: { retried: true } }) }),
      atSeconds(400),
      noRetry("already-retried"),
    ],
    [
      "the retry session exists (retried not yet written): done already",
      input({ retryExists: true }),
      atSeconds(400),
      noRetry("already-retried"),
    ],
    [
      "paused configuration: not now, evaluated again later",
      input({ configuration: paused(fiveMinutes) }),
      atSeconds(400),
      noRetry("paused", false),
    ],
    [
      "configuration deleted",
      input({ configuration: undefined }),
      atSeconds(400),
      noRetry("configuration-deleted"),
    ],
    [
      "session no longer in the configuration",
      input({ configuration: configuration(sessionConfig({ name: "weekly" })) }),
      atSeconds(400),
      noRetry("session-removed"),
    ],
    [
      "no retryConfig (removed since the session started)",
      input({ configuration: withRetry(undefined) }),
      atSeconds(400),
      noRetry("no-retry-config"),
    ],
    [
      "the session is being deleted",
      input({
        failed: {
          ...failed(),
          metadata: { ...failed().metadata, deletionTimestamp: toKubeTime(atSeconds(90)) },
        },
      }),
      atSeconds(400),
      noRetry("session-deleted"),
    ],
    [
      "due while paused, scheduling resumed after: not caught up",
      input({ configuration: resumed(fiveMinutes, atSeconds(900)) }),
      atSeconds(901),
      noRetry("due-while-paused"),
    ],
    [
      "due inside an exclusion window (policy Skip even): waits for its end, never dropped",
      {
        ...input(),
        windows: {
          clusterWindows: [
            {
              kind: "once",
              name: "freeze",
              start: atSeconds(300).getTime(),
              end: atSeconds(1200).getTime(),
              policy: "Skip",
            },
          ],
        },
      } as RetryInput,
      atSeconds(340),
      { action: "retry-at", at: atSeconds(1200) },
    ],
    [
      "due at 21:55, decided at 22:10 inside a daily 22:00+6h window: waits for the window's end",
      {
        ...input({ failed: failed({ status: { nextRetry: "2026-11-26T21:55:00Z" } }) }),
        windows: {
          clusterWindows: [
            {
              kind: "daily",
              name: "night",
              days: [0, 1, 2, 3, 4, 5, 6],
              startMinute: 22 * 60,
              durationMs: 6 * 3600_000,
              policy: "Wait",
            },
          ],
        },
      } as RetryInput,
      new Date("2026-11-26T22:10:00Z"),
      { action: "retry-at", at: new Date("2026-11-27T04:00:00Z") },
    ],
    [
      "due at 21:55 before a daily 22:00+6h window, decided at 04:10 after it: retried now",
      {
        ...input({ failed: failed({ status: { nextRetry: "2026-11-26T21:55:00Z" } }) }),
        windows: {
          clusterWindows: [
            {
              kind: "daily",
              name: "night",
              days: [0, 1, 2, 3, 4, 5, 6],
              startMinute: 22 * 60,
              durationMs: 6 * 3600_000,
              policy: "Wait",
            },
          ],
        },
      } as RetryInput,
      new Date("2026-11-27T04:10:00Z"),
      retryNow(`${NAME}-retry-1`, 1, new Date("2026-11-26T21:55:00Z")),
    ],
    [
      "an exclusion window that ended before the retry was due: retried as usual",
      {
        ...input(),
        windows: {
          clusterWindows: [
            {
              kind: "once",
              name: "freeze",
              start: atSeconds(0).getTime(),
              end: atSeconds(300).getTime(),
              policy: "Wait",
            },
          ],
        },
      } as RetryInput,
      atSeconds(340),
      retryNow(`${NAME}-retry-1`, 1, atSeconds(340)),
    ],
    [
      "un-paused but no tick recorded the resume yet: wait for it (not final), nothing created",
      input({ configuration: stillRecordedPaused(fiveMinutes) }),
      atSeconds(901),
      noRetry("paused", false),
    ],
    [
      "suspended scheduler (not a pause): retried as usual",
      input({ configuration: recordedSuspended(fiveMinutes) }),
      atSeconds(340),
      retryNow(`${NAME}-retry-1`, 1, atSeconds(340)),
    ],
    [
      "resumed before the retry was due: retried as usual",
      input({ configuration: resumed(fiveMinutes, atSeconds(200)) }),
      atSeconds(340),
      retryNow(`${NAME}-retry-1`, 1, atSeconds(340)),
    ],
    [
      'bad delay "soon": says so, names the field',
      input({ configuration: withRetry({ maxRetry: 1, delay: "soon" }) }),
      atSeconds(41),
      { action: "invalid-delay", delay: "soon", path: "spec.sessions[0].retryConfig.delay" },
    ],
    [
      'negative delay "-5m": invalid too',
      input({ configuration: withRetry({ maxRetry: 1, delay: "-5m" }) }),
      atSeconds(41),
      { action: "invalid-delay", delay: "-5m" },
    ],
    [
      "bad delay but nextRetry already set: the set time holds",
      input({
        configuration: withRetry({ maxRetry: 2, delay: "soon" }),
        failed: failed({ status: { nextRetry: toKubeTime(atSeconds(100)) } }),
      }),
      atSeconds(100),
      retryNow(`${NAME}-retry-1`, 1, atSeconds(100)),
    ],
  ])("%s", (_scenario, given, now, expected) => {
    expect(decideRetry(given, now)).toMatchObject(expected);
  });

  it("explains every no-retry in words for the Event", () => {
    const decision = decideRetry(input({ configuration: undefined }), atSeconds(400));
    expect(decision).toMatchObject({ message: "BackupConfiguration demo/app-backup no longer exists" });
    const bad = decideRetry(
      input({ configuration: withRetry({ maxRetry: 1, delay: "soon" }) }),
      atSeconds(41),
    );
    expect(bad).toMatchObject({ message: expect.stringMatching(/"soon" is not a duration/) });
  });

  it("decides the same on the same objects, whatever the evaluation (duplicates agree)", () => {
    const first = decideRetry(input(), atSeconds(60));
    expect(decideRetry(input(), atSeconds(200))).toEqual(first);
  });
});

describe("retryGate (storm guard)", () => {
  it.each([
    [
      "healthy, below the cap: admitted",
      { healthy: true, runningRetries: 4, maxConcurrentRetries: 5 },
      { admit: true },
    ],
    [
      "at the cap: deferred",
      { healthy: true, runningRetries: 5, maxConcurrentRetries: 5 },
      { admit: false, reason: "TooManyConcurrentRetries" },
    ],
    [
      "cap 0: every retry deferred",
      { healthy: true, runningRetries: 0, maxConcurrentRetries: 0 },
      { admit: false, reason: "TooManyConcurrentRetries" },
    ],
    [
      "API server failing readiness: deferred",
      { healthy: false, healthMessage: "HTTP 503", runningRetries: 0, maxConcurrentRetries: 5 },
      { admit: false, reason: "APIServerUnhealthy" },
    ],
  ])("%s", (_scenario, given, expected) => {
    expect(retryGate(given)).toMatchObject(expected);
  });
});
