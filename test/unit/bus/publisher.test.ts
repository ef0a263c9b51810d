import { describe, expect, it } from "vitest";
import { InvalidOutgoingEventError } from "../../../shared/bus/errors.ts";
import { eventFor } from "../../../shared/bus/publisher.ts";
import { BackupTriggerRequested, EVENT_SOURCE, ScheduleTick } from "../../../shared/model/events/index.ts";

const tick = { version: "1", clusterId: "prod-eu", tickTime: "2025-03-01T10:00:00Z" } as const;
const trigger = {
  version: "1",
  clusterId: "prod-eu",
  requestId: "req-00000001",
  namespace: "demo",
  configuration: "sample",
} as const;

describe("eventFor", () => {
  it("builds the outgoing event of a definition with our source", () => {
    const time = new Date("2025-03-01T10:00:00Z");
    expect(eventFor(ScheduleTick, tick, { time, resources: ["cluster/prod-eu"] })).toEqual({
      detailType: "Schedule Tick",
      source: EVENT_SOURCE,
      detail: tick,
      resources: ["cluster/prod-eu"],
      time,
    });
  });

  it("rejects a detail that does not match the schema, naming each bad field", () => {
    // Prepare
    const bad = { ...tick, clusterId: "Prod EU", tickTime: "yesterday" };
    // Act
    const build = () => eventFor(ScheduleTick, bad);
    // Assess
    expect(build).toThrow(InvalidOutgoingEventError);
    try {
      build();
    } catch (error) {
      expect(error).toMatchObject({
        detailType: "Schedule Tick",
        issues: [{ path: "clusterId" }, { path: "tickTime" }],
      });
      expect((error as Error).cause).toBeDefined();
    }
  });

  it("rejects unknown fields of a strict detail", () => {
    expect(() => eventFor(ScheduleTick, { ...tick, extra: 1 } as typeof tick)).toThrow(/Unrecognized key/);
  });

  it("takes the sender's source for an event other systems send", () => {
    const event = eventFor(BackupTriggerRequested, trigger, { source: "ci.pipeline" });
    expect(event).toMatchObject({ detailType: "Backup Trigger Requested", source: "ci.pipeline" });
  });

  it.each([
    [
      "no source for an event without a fixed one",
      () => eventFor(BackupTriggerRequested, trigger),
      /the sender must name one/,
    ],
    [
      "an empty source",
      () => eventFor(BackupTriggerRequested, trigger, { source: "" }),
      /the sender must name one/,
    ],
    [
      "another source than the fixed one",
      () => eventFor(ScheduleTick, tick, { source: "me" }),
      /is always "kubestash/,
    ],
  ])("rejects %s", (_, build, message) => {
    expect(build).toThrow(InvalidOutgoingEventError);
    expect(build).toThrow(message);
  });
});
