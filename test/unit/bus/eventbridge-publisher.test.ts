import type {
  PutEventsCommand,
  PutEventsCommandOutput,
  PutEventsRequestEntry,
  PutEventsResultEntry,
} from "@aws-sdk/client-eventbridge";
import { describe, expect, it } from "vitest";
import { EventTooLargeError, PublishError } from "../../../shared/bus/errors.ts";
import { EventBridgePublisher, type PutEventsSender } from "../../../shared/bus/eventbridge-publisher.ts";
import type { OutgoingEvent } from "../../../shared/bus/publisher.ts";

/** Answers each PutEvents call with `answer(entry, call)` per entry; records the entries of every call. */
class ScriptedEventBridge implements PutEventsSender {
  readonly calls: PutEventsRequestEntry[][] = [];
  constructor(
    private readonly answer: (entry: PutEventsRequestEntry, call: number) => PutEventsResultEntry,
  ) {}

  async send(command: PutEventsCommand): Promise<PutEventsCommandOutput> {
    const entries = command.input.Entries ?? [];
    this.calls.push(entries);
    const results = entries.map((entry) => this.answer(entry, this.calls.length));
    const failed = results.filter((result) => result.ErrorCode !== undefined).length;
    return { Entries: results, FailedEntryCount: failed, $metadata: {} };
  }
}

const ok = (entry: PutEventsRequestEntry): PutEventsResultEntry => ({ EventId: `id-${entry.Detail}` });
const throttled: PutEventsResultEntry = { ErrorCode: "ThrottlingException", ErrorMessage: "Rate exceeded" };
const event = (n: number, detailType = "Schedule Tick"): OutgoingEvent => ({
  detailType,
  source: "kubestash-serverless",
  detail: { n },
});

function publisherWith(client: PutEventsSender, sleeps: number[] = []) {
  const sleep = async (ms: number) => {
    sleeps.push(ms);
  };
  return new EventBridgePublisher({ client, eventBusName: "kss", sleep, maxAttempts: 3, backoffMs: 100 });
}

describe("EventBridgePublisher", () => {
  it("sends each event as an entry on the named bus and returns the event ids in order", async () => {
    // Prepare
    const bridge = new ScriptedEventBridge(ok);
    const time = new Date("2025-03-01T10:00:00Z");
    // Act
    const result = await publisherWith(bridge).publish([{ ...event(1), time, resources: ["r"] }, event(2)]);
    // Assess
    expect(result).toEqual({ eventIds: ['id-{"n":1}', 'id-{"n":2}'], retriedEntries: 0 });
    expect(bridge.calls).toEqual([
      [
        {
          EventBusName: "kss",
          Source: "kubestash-serverless",
          DetailType: "Schedule Tick",
          Detail: '{"n":1}',
          Resources: ["r"],
          Time: time,
        },
        {
          EventBusName: "kss",
          Source: "kubestash-serverless",
          DetailType: "Schedule Tick",
          Detail: '{"n":2}',
        },
      ],
    ]);
  });

  it("sends nothing for no events", async () => {
    const bridge = new ScriptedEventBridge(ok);
    expect(await publisherWith(bridge).publish([])).toEqual({ eventIds: [], retriedEntries: 0 });
    expect(bridge.calls).toEqual([]);
  });

  it("sends again only the entries that failed, after a growing backoff", async () => {
    // Prepare: entry 2 is throttled twice, then accepted
    const bridge = new ScriptedEventBridge((entry, call) =>
      entry.Detail === '{"n":2}' && call < 3 ? throttled : ok(entry),
    );
    const sleeps: number[] = [];
    // Act
    const result = await publisherWith(bridge, sleeps).publish([event(1), event(2), event(3)]);
    // Assess
    expect(bridge.calls.map((entries) => entries.map((entry) => entry.Detail))).toEqual([
      ['{"n":1}', '{"n":2}', '{"n":3}'],
      ['{"n":2}'],
      ['{"n":2}'],
    ]);
    expect(result.eventIds).toEqual(['id-{"n":1}', 'id-{"n":2}', 'id-{"n":3}']);
    expect(result.retriedEntries).toBe(2);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(50);
    expect(sleeps[0]).toBeLessThanOrEqual(100);
    expect(sleeps[1]).toBeGreaterThanOrEqual(100);
    expect(sleeps[1]).toBeLessThanOrEqual(200);
  });

  it("gives up after maxAttempts and names each failed event's detail-type and error", async () => {
    // Prepare
    const bridge = new ScriptedEventBridge((entry) =>
      entry.DetailType === "Retention Requested" ? throttled : ok(entry),
    );
    // Act
    const publishing = publisherWith(bridge).publish([event(1), event(2, "Retention Requested")]);
    // Assess
    await expect(publishing).rejects.toThrow(PublishError);
    await expect(publishing).rejects.toMatchObject({
      publishedCount: 1,
      failures: [
        {
          index: 1,
          detailType: "Retention Requested",
          errorCode: "ThrottlingException",
          errorMessage: "Rate exceeded (after 3 attempts)",
        },
      ],
    });
    await expect(publishing).rejects.toThrow(
      '1 of 2 events were not published to bus "kss": #1 "Retention Requested": ThrottlingException',
    );
    expect(bridge.calls).toHaveLength(3);
  });

  it.each(["InvalidArgument", "MalformedDetail", "AccessDeniedException", "NotAuthorizedForSourceException"])(
    "does not send again an entry failed with %s (not retryable)",
    async (errorCode) => {
      const bridge = new ScriptedEventBridge((entry) =>
        entry.Detail === '{"n":1}' ? { ErrorCode: errorCode } : ok(entry),
      );
      await expect(publisherWith(bridge).publish([event(1), event(2)])).rejects.toMatchObject({
        failures: [{ index: 0, errorCode }],
        publishedCount: 1,
      });
      expect(bridge.calls).toHaveLength(1);
    },
  );

  it("stops at a call that fails as a whole, keeping the SDK error as cause and listing what was not sent", async () => {
    // Prepare: the second call of three fails
    const refused = Object.assign(new Error("Event bus kss does not exist."), {
      name: "ResourceNotFoundException",
    });
    const bridge = new ScriptedEventBridge((entry, call) => {
      if (call === 2) throw refused;
      return ok(entry);
    });
    const events = Array.from({ length: 25 }, (_, n) => event(n));
    // Act
    const error = await publisherWith(bridge)
      .publish(events)
      .catch((caught: unknown) => caught);
    // Assess
    expect(error).toBeInstanceOf(PublishError);
    const publishError = error as PublishError;
    expect(publishError.cause).toBe(refused);
    expect(publishError.publishedCount).toBe(10);
    expect(publishError.failures.map((failure) => failure.errorCode)).toEqual([
      ...Array(10).fill("ResourceNotFoundException"),
      ...Array(5).fill("NotSent"),
    ]);
    expect(bridge.calls).toHaveLength(2);
  });

  it("rejects an event too large on its own before sending any of the others", async () => {
    const bridge = new ScriptedEventBridge(ok);
    const huge: OutgoingEvent = { ...event(0, "Huge Thing"), detail: { blob: "x".repeat(300_000) } };
    await expect(publisherWith(bridge).publish([event(1), huge])).rejects.toThrow(EventTooLargeError);
    await expect(publisherWith(bridge).publish([event(1), huge])).rejects.toMatchObject({
      detailType: "Huge Thing",
    });
    expect(bridge.calls).toEqual([]);
  });
});
