import { describe, expect, it } from "vitest";
import {
  BackupSessionPhaseChanged,
  BackupTriggerRequested,
  EVENTS,
  ScheduleTick,
} from "../../../shared/model/events/index.ts";
import { InvalidInputError, parseWith, tryParseWith } from "../../../shared/model/index.ts";

const envelope = (detailType: string, detail: unknown, source = "kubestash-serverless") => ({
  version: "0",
  id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": detailType,
  source,
  account: "111122223333",
  time: "2026-11-26T12:00:00Z",
  region: "eu-west-1",
  resources: [],
  detail,
});

describe("event schemas", () => {
  it("every event has a detail-type, a description, a version and a cluster id", () => {
    for (const event of Object.values(EVENTS)) {
      expect(event.detailType).toMatch(/^[A-Z][A-Za-z ]+$/);
      expect(event.description.length).toBeGreaterThan(10);
      const shape = (event.detail as unknown as { shape: Record<string, unknown> }).shape;
      expect(Object.keys(shape)).toEqual(expect.arrayContaining(["version", "clusterId"]));
    }
  });

  it("parses a schedule tick", () => {
    const tick = parseWith(
      ScheduleTick.envelope,
      envelope("Schedule Tick", { version: "1", clusterId: "prod-eu", tickTime: "2026-11-26T12:00:00Z" }),
      "tick",
    );
    expect(tick.detail.clusterId).toBe("prod-eu");
  });

  it("accepts a trigger request from another system's source", () => {
    const detail = {
      version: "1",
      clusterId: "prod-eu",
      requestId: "pipeline-42-run-7",
      namespace: "demo",
      configuration: "sample-backup-sts",
    };
    const parsed = parseWith(
      BackupTriggerRequested.envelope,
      envelope("Backup Trigger Requested", detail, "ci.pipeline"),
      "t",
    );
    expect(parsed.source).toBe("ci.pipeline");
    expect(parsed.detail.session).toBeUndefined();
  });
});

describe("bad events give a typed error naming the bad field", () => {
  it.each([
    [
      "wrong detail-type",
      envelope("Schedule Tock", { version: "1", clusterId: "a", tickTime: "2026-11-26T12:00:00Z" }),
      "detail-type",
    ],
    [
      "cluster id not a DNS label",
      envelope("Schedule Tick", { version: "1", clusterId: "Prod_EU", tickTime: "2026-11-26T12:00:00Z" }),
      "detail.clusterId",
    ],
    [
      "time not RFC 3339",
      envelope("Schedule Tick", { version: "1", clusterId: "a", tickTime: "yesterday" }),
      "detail.tickTime",
    ],
    [
      "unknown detail version",
      envelope("Schedule Tick", { version: "2", clusterId: "a", tickTime: "2026-11-26T12:00:00Z" }),
      "detail.version",
    ],
    [
      "unexpected detail field",
      envelope("Schedule Tick", { version: "1", clusterId: "a", tickTime: "2026-11-26T12:00:00Z", extra: 1 }),
      "detail",
    ],
    ["no detail at all", { id: "x", "detail-type": "Schedule Tick", source: "s" }, "detail"],
  ])("%s → path %s", (_case, input, path) => {
    const result = tryParseWith(ScheduleTick.envelope, input, 'event "Schedule Tick"');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(InvalidInputError);
    expect(result.error.issues.map((i) => i.path)).toContain(path);
    expect(result.error.message).toContain('event "Schedule Tick" is invalid');
  });

  it("names a path inside arrays", () => {
    const detail = {
      version: "1",
      clusterId: "a",
      namespace: "demo",
      name: "s",
      configuration: "c",
      session: "daily",
      newPhase: "Failed",
      reasons: ["ok", 7],
      retryLeft: 1,
      resourceVersion: "12",
      changedAt: "2026-11-26T12:00:00Z",
    };
    const result = tryParseWith(
      BackupSessionPhaseChanged.envelope,
      envelope("BackupSession Phase Changed", detail),
      "e",
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.issues.map((i) => i.path)).toEqual(["detail.reasons[1]"]);
  });

  it("never throws an untyped exception for garbage", () => {
    for (const garbage of [null, 42, "text", [], { detail: null }]) {
      expect(() => parseWith(ScheduleTick.envelope, garbage, "garbage")).toThrow(InvalidInputError);
    }
  });
});
