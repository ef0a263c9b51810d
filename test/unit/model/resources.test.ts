import { describe, expect, it } from "vitest";
import {
  BackupConfiguration,
  BackupSession,
  InvalidInputError,
  parseWith,
  RetentionPolicy,
  setCondition,
  tryParseWith,
} from "../../../shared/model/index.ts";
import { backupConfiguration, retentionPolicy } from "../../support/model-samples.ts";

describe("resource schemas: bad objects give a typed error naming the bad field", () => {
  it.each([
    ["missing name", { ...backupConfiguration, metadata: {} }, "metadata.name"],
    [
      "bad backupTimeout",
      { ...backupConfiguration, spec: { sessions: [{ name: "s", backupTimeout: "half an hour" }] } },
      "spec.sessions[0].backupTimeout",
    ],
    [
      "maxRetry below the CRD minimum",
      { ...backupConfiguration, spec: { sessions: [{ name: "s", retryConfig: { maxRetry: 0 } }] } },
      "spec.sessions[0].retryConfig.maxRetry",
    ],
    [
      "unknown concurrencyPolicy",
      {
        ...backupConfiguration,
        spec: {
          sessions: [
            { name: "s", scheduler: { schedule: "* * * * *", jobTemplate: {}, concurrencyPolicy: "Never" } },
          ],
        },
      },
      "spec.sessions[0].scheduler.concurrencyPolicy",
    ],
    ["wrong kind", { ...backupConfiguration, kind: "BackupSession" }, "kind"],
  ])("%s → %s", (_case, input, path) => {
    const result = tryParseWith(BackupConfiguration, input, "BackupConfiguration demo/x");
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toBeInstanceOf(InvalidInputError);
      expect(result.error.issues.map((i) => i.path)).toContain(path);
    }
  });

  it("rejects a bad retention period with its path", () => {
    const bad = { ...retentionPolicy, spec: { ...retentionPolicy.spec, maxRetentionPeriod: "1mm" } };
    expect(() => parseWith(RetentionPolicy, bad, "RetentionPolicy demo/keep")).toThrow(
      /spec\.maxRetentionPeriod/,
    );
  });

  it("applies the CRDs' defaults", () => {
    const config = parseWith(
      BackupConfiguration,
      {
        apiVersion: "core.kubestash.com/v1alpha1",
        kind: "BackupConfiguration",
        metadata: { name: "c", namespace: "n" },
        spec: {
          sessions: [
            {
              name: "s",
              retryConfig: {},
              hooks: { preBackup: [{ name: "h", hookTemplate: { name: "t" } }] },
            },
          ],
        },
      },
      "c",
    );
    const session = config.spec.sessions?.[0];
    expect(session?.sessionHistoryLimit).toBe(1);
    expect(session?.retryConfig?.maxRetry).toBe(1);
    expect(session?.hooks?.preBackup?.[0]?.executionPolicy).toBe("Always");
    const policy = parseWith(RetentionPolicy, { ...retentionPolicy, spec: { failedSnapshots: {} } }, "p");
    expect(policy.spec.failedSnapshots?.last).toBe(1);
  });

  it("keeps fields it does not model (nothing lost on a round trip)", () => {
    const input = {
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "BackupSession",
      metadata: { name: "s", managedFields: [{ manager: "kubectl" }] },
      spec: { session: "daily", futureField: { a: 1 } },
    };
    expect(parseWith(BackupSession, input, "s")).toEqual(input);
  });
});

describe("setCondition", () => {
  const t1 = new Date("2026-11-26T10:00:00Z");
  const t2 = new Date("2026-11-26T11:00:00Z");

  it("appends a new condition with the current time", () => {
    expect(setCondition(undefined, { type: "A", status: "True", reason: "R" }, t1)).toEqual([
      { type: "A", status: "True", reason: "R", lastTransitionTime: "2026-11-26T10:00:00Z" },
    ]);
  });

  it("keeps lastTransitionTime when the status does not change, and the position in the list", () => {
    const first = setCondition([], { type: "A", status: "True", reason: "R" }, t1);
    const both = setCondition(first, { type: "B", status: "False" }, t1);
    const again = setCondition(both, { type: "A", status: "True", reason: "R2", message: "m" }, t2);
    expect(again.map((c) => c.type)).toEqual(["A", "B"]);
    expect(again[0]).toEqual({
      type: "A",
      status: "True",
      reason: "R2",
      message: "m",
      lastTransitionTime: "2026-11-26T10:00:00Z",
    });
  });

  it("moves lastTransitionTime when the status changes", () => {
    const first = setCondition([], { type: "A", status: "True" }, t1);
    expect(setCondition(first, { type: "A", status: "False" }, t2)[0]?.lastTransitionTime).toBe(
      "2026-11-26T11:00:00Z",
    );
  });
});
