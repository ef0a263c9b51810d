import { describe, expect, it } from "vitest";
import {
  invalidConfigurationStatus,
  isMarkedInvalid,
} from "../../../shared/decide/configuration/configuration-invalid.ts";
import { configurationIssues } from "../../../shared/decide/configuration/configuration-rules.ts";
import { BackupConfiguration } from "../../../shared/model/backup-configuration.ts";
import { parseWith } from "../../../shared/model/index.ts";

const NOW = new Date("2026-11-26T12:00:00Z");
const EARLIER = "2026-11-26T11:00:00Z";
const failed = (message: string, lastTransitionTime = EARLIER) => ({
  type: "ValidationPassed",
  status: "False",
  reason: "ResourceValidationFailed",
  message,
  lastTransitionTime,
});

describe("invalidConfigurationStatus (the one Invalid status of a configuration)", () => {
  it("sets ValidationPassed=False among the conditions the status has, keeping the others", () => {
    const status = {
      phase: "Ready",
      conditions: [
        {
          type: "ValidationPassed",
          status: "True",
          reason: "ResourceValidationPassed",
          lastTransitionTime: EARLIER,
        },
        { type: "OperatorPresent", status: "False", reason: "NotFound", lastTransitionTime: EARLIER },
      ],
    };
    expect(invalidConfigurationStatus(status, "bad delay", NOW)).toEqual({
      phase: "Invalid",
      conditions: [
        failed("bad delay", "2026-11-26T12:00:00Z"),
        { type: "OperatorPresent", status: "False", reason: "NotFound", lastTransitionTime: EARLIER },
      ],
    });
  });

  it("is nothing to write when the status says Invalid for this reason already", () => {
    const status = { phase: "Invalid", conditions: [failed("unreadable")] };
    expect(isMarkedInvalid(status, "unreadable")).toBe(true);
    expect(invalidConfigurationStatus(status, "unreadable", NOW)).toBeUndefined();
  });

  it("a new reason replaces the message and keeps the time it turned False", () => {
    const status = { phase: "Invalid", conditions: [failed("old reason")] };
    expect(isMarkedInvalid(status, "new reason")).toBe(false);
    expect(invalidConfigurationStatus(status, "new reason", NOW)).toEqual({
      phase: "Invalid",
      conditions: [failed("new reason", EARLIER)],
    });
  });

  it.each([
    ["no status", undefined],
    ["conditions that are not a list", { conditions: "x" }],
    ["entries that are not conditions", { conditions: [1, null, { status: "True" }] }],
  ])("reads a status the model could not (%s) as having no conditions", (_, status) => {
    expect(isMarkedInvalid(status, "m")).toBe(false);
    expect(invalidConfigurationStatus(status, "m", NOW)).toEqual({
      phase: "Invalid",
      conditions: [failed("m", "2026-11-26T12:00:00Z")],
    });
  });

  it("a phase other than Invalid is not marked, even with the same condition", () => {
    expect(isMarkedInvalid({ phase: "Ready", conditions: [failed("m")] }, "m")).toBe(false);
  });
});

describe("configurationIssues (the semantic rules of one configuration on its own)", () => {
  const config = (schedule: string) =>
    parseWith(
      BackupConfiguration,
      {
        apiVersion: "core.kubestash.com/v1alpha1",
        kind: "BackupConfiguration",
        metadata: { name: "app", namespace: "demo" },
        spec: {
          backends: [{ name: "local", storageRef: { name: "elsewhere" }, retentionPolicy: { name: "keep" } }],
          sessions: [
            {
              name: "hourly",
              scheduler: { schedule, jobTemplate: {} },
              repositories: [{ name: "r", backend: "local" }],
            },
            {
              name: "hourly",
              scheduler: { schedule: "0 * * * *", jobTemplate: {} },
              repositories: [{ name: "r", backend: "s3" }],
            },
          ],
        },
      },
      "app",
    );

  it("reports the cron grammar, duplicate names and unknown backends, not references to other objects", () => {
    expect(configurationIssues(config("every hour")).map((i) => i.path)).toEqual([
      "spec.sessions[0].scheduler.schedule",
      "spec.sessions[1].name",
      "spec.sessions[1].repositories[0].backend",
    ]);
    expect(configurationIssues(config("0 * * * *")).map((i) => i.path)).toEqual([
      "spec.sessions[1].name",
      "spec.sessions[1].repositories[0].backend",
    ]);
  });
});
