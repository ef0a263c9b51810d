import { describe, expect, it } from "vitest";
import {
  awaitsRetry,
  failureTime,
  isRunningRetry,
  retryStatus,
} from "../../../shared/decide/retry/retry-status.ts";
import { selectHistoryToDelete } from "../../../shared/decide/session/session-history.ts";
import { Annotation, type BackupSession, toKubeTime } from "../../../shared/model/index.ts";
import { atSeconds, backupSession } from "../../support/session-world.ts";

const T = toKubeTime(atSeconds(40));
const pushed = [{ type: "MetricsPushed", status: "True" as const, lastTransitionTime: T }];

function session(status: BackupSession["status"], retryLeft = 1, when = atSeconds(0)): BackupSession {
  return { ...backupSession(when, { retryLeft }), status };
}
const failed = (extra: BackupSession["status"] = {}, retryLeft = 1, when = atSeconds(0)) =>
  session(
    { phase: "Failed", snapshots: [{ name: "s", phase: "Failed" }], conditions: pushed, ...extra },
    retryLeft,
    when,
  );
const retryOf = (status: BackupSession["status"]): BackupSession => {
  const s = session(status);
  return { ...s, metadata: { ...s.metadata, annotations: { [Annotation.Origin]: "retry" } } };
};

describe("awaitsRetry: the sessions the sweep looks at and history keeps", () => {
  it.each<[string, BackupSession, boolean]>([
    ["failed with retries left", failed(), true],
    ["failed, retryLeft 0", failed({}, 0), false],
    ["failed, retried", failed({ retried: true }), false],
    [
      "failed, RetrySkipped=True",
      failed({ conditions: [...pushed, { type: "RetrySkipped", status: "True", lastTransitionTime: T }] }),
      false,
    ],
    [
      "failed, only deferred: still owed",
      failed({ conditions: [{ type: "RetryDeferred", status: "True", lastTransitionTime: T }] }),
      true,
    ],
    ["succeeded", session({ phase: "Succeeded" }), false],
    ["running", session({ phase: "Running" }), false],
  ])("%s", (_scenario, given, expected) => {
    expect(awaitsRetry(given)).toBe(expected);
  });
});

describe("isRunningRetry: what the storm guard counts", () => {
  it.each<[string, BackupSession, boolean]>([
    ["a retry without a phase yet", retryOf(undefined), true],
    ["a running retry", retryOf({ phase: "Running" }), true],
    ["a finished retry", retryOf({ phase: "Failed" }), false],
    ["a skipped retry", retryOf({ phase: "Skipped" }), false],
    ["a scheduled session", session({ phase: "Running" }), false],
  ])("%s", (_scenario, given, expected) => {
    expect(isRunningRetry(given)).toBe(expected);
  });
});

describe("failureTime", () => {
  it.each<[string, BackupSession, Date]>([
    ["MetricsPushed lastTransitionTime", failed(), atSeconds(40)],
    ["else creationTimestamp + duration", failed({ conditions: [], duration: "1m30s" }), atSeconds(90)],
    ["else now", failed({ conditions: [] }), atSeconds(999)],
  ])("%s", (_scenario, given, expected) => {
    expect(failureTime(given, atSeconds(999))).toEqual(expected);
  });
});

describe("retryStatus", () => {
  it("sets nextRetry once and keeps it", () => {
    const first = retryStatus(failed().status, { kind: "schedule", at: atSeconds(100) }, atSeconds(50));
    expect(first?.nextRetry).toBe(toKubeTime(atSeconds(100)));
    expect(retryStatus(first, { kind: "schedule", at: atSeconds(200) }, atSeconds(60))).toEqual(first);
  });

  it("marks retried, keeps nextRetry and closes a RetryDeferred condition", () => {
    const deferred = retryStatus(
      failed().status,
      { kind: "defer", reason: "TooManyConcurrentRetries", message: "5 running", at: atSeconds(100) },
      atSeconds(100),
    );
    expect(deferred?.conditions?.at(-1)).toMatchObject({ type: "RetryDeferred", status: "True" });
    const retried = retryStatus(deferred, { kind: "retried", at: atSeconds(300) }, atSeconds(300));
    expect(retried).toMatchObject({ retried: true, nextRetry: toKubeTime(atSeconds(100)) });
    expect(retried?.conditions?.at(-1)).toMatchObject({ status: "False", reason: "RetryCreated" });
  });

  it("changes nothing once retried", () => {
    const done = failed({ retried: true }).status;
    expect(
      retryStatus(done, { kind: "skip", reason: "NoRetryConfig", message: "x" }, atSeconds(9)),
    ).toBeUndefined();
  });
});

describe("history keeps a failed session that still owes its retry", () => {
  it("deletes the completed sibling beyond the limit, not the failed one waiting for its retry", () => {
    const current = session({ phase: "Succeeded", conditions: pushed }, 0, atSeconds(7200));
    const waiting = failed({ nextRetry: toKubeTime(atSeconds(7300)) }, 1, atSeconds(3600));
    const retried = failed({ retried: true }, 1, atSeconds(0));
    const selection = selectHistoryToDelete({ current, siblings: [waiting, retried], jobs: [], limit: 1 });
    expect(selection.sessions.map((s) => s.metadata.name)).toEqual([retried.metadata.name]);
  });
});
