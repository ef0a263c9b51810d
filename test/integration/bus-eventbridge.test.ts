import {
  EventBridgeClient,
  type PutEventsCommandInput,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from "@aws-sdk/client-eventbridge";
import { SQSClient } from "@aws-sdk/client-sqs";
import { beforeAll, describe, expect, it } from "vitest";
import { EventTooLargeError, PublishError } from "../../shared/bus/errors.ts";
import { EventBridgePublisher } from "../../shared/bus/eventbridge-publisher.ts";
import { eventFor, type OutgoingEvent } from "../../shared/bus/publisher.ts";
import {
  BackupSessionCreated,
  BackupTriggerRequested,
  EVENT_SOURCE,
  RetentionRequested,
  ScheduleTick,
} from "../../shared/model/events/index.ts";
import { motoClientConfig } from "../support/moto.ts";
import { motoEndpoint, type Route, receiveDeliveredEvents, routeToQueue } from "../support/moto-routes.ts";

const PAYLOAD = "Bus Test Payload";
const ROUTED = {
  sources: [EVENT_SOURCE],
  detailTypes: [ScheduleTick.detailType, BackupSessionCreated.detailType, PAYLOAD],
};

let eventBridge: EventBridgeClient;
let sqs: SQSClient;

beforeAll(() => {
  const endpoint = motoEndpoint();
  eventBridge = new EventBridgeClient(motoClientConfig(endpoint));
  sqs = new SQSClient(motoClientConfig(endpoint));
});

const tick = (clusterId: string) =>
  eventFor(ScheduleTick, { version: "1", clusterId, tickTime: "2025-03-01T10:00:00Z" });

/** Records the entries of every PutEvents call as the publisher made it (outermost middleware). */
function recordPutEventsCalls(client: EventBridgeClient): PutEventsRequestEntry[][] {
  const calls: PutEventsRequestEntry[][] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "PutEventsCommand") {
        calls.push([...((args.input as PutEventsCommandInput).Entries ?? [])]);
      }
      return next(args);
    },
    { step: "initialize", priority: "high", name: "recordPutEventsCalls" },
  );
  return calls;
}

/**
 * Fault injection at the edge: on the first PutEvents call only, withholds the entry at `index` from moto and
 * answers for it `ThrottlingException`, as EventBridge does in a partial failure. Moto handles the rest.
 */
function throttleOnceAt(client: EventBridgeClient, index: number): void {
  let injected = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (injected || context.commandName !== "PutEventsCommand") return next(args);
      injected = true;
      const input = args.input as PutEventsCommandInput;
      const entries = input.Entries ?? [];
      const reaching = entries.filter((_, n) => n !== index);
      const result = await next({ ...args, input: { ...input, Entries: reaching } });
      const output = result.output as PutEventsCommandOutput;
      const results = [...(output.Entries ?? [])];
      results.splice(index, 0, {
        ErrorCode: "ThrottlingException",
        ErrorMessage: "Rate exceeded (injected)",
      });
      return {
        ...result,
        output: { ...output, Entries: results, FailedEntryCount: (output.FailedEntryCount ?? 0) + 1 },
      };
    },
    { step: "initialize", priority: "low", name: "throttleFirstPutEventsOnce" },
  );
}

function publisherOn(route: Route, client = eventBridge, sleeps: number[] = []) {
  const sleep = async (ms: number) => {
    sleeps.push(ms);
  };
  return new EventBridgePublisher({ client, eventBusName: route.busName, sleep });
}

const freshClient = () => new EventBridgeClient(motoClientConfig(motoEndpoint()));

describe("EventBridgePublisher on moto: bus → rule → SQS", () => {
  it("delivers what was sent (detail-type, source, detail, resources, time) to the rule's queue, and only that", async () => {
    // Prepare
    const route = await routeToQueue({ eventBridge, sqs }, ROUTED);
    const time = new Date("2025-03-01T10:00:00Z");
    const scheduled = eventFor(
      ScheduleTick,
      { version: "1", clusterId: "prod-eu", tickTime: "2025-03-01T10:00:00Z" },
      {
        time,
        resources: ["arn:aws:eks:eu-west-1:123456789012:cluster/prod-eu"],
      },
    );
    const created = eventFor(BackupSessionCreated, {
      version: "1",
      clusterId: "prod-eu",
      namespace: "demo",
      name: "sample-frequent-1740823200",
      configuration: "sample",
      session: "frequent",
      origin: "schedule",
      scheduledTime: "2025-03-01T10:00:00Z",
      createdAt: "2025-03-01T10:00:03Z",
    });
    const notRoutedType = eventFor(RetentionRequested, {
      version: "1",
      clusterId: "prod-eu",
      namespace: "demo",
      reason: "sweep",
    });
    const notRoutedSource = eventFor(
      BackupTriggerRequested,
      {
        version: "1",
        clusterId: "prod-eu",
        requestId: "req-00000001",
        namespace: "demo",
        configuration: "sample",
      },
      { source: "ci.pipeline" },
    );
    // Act
    const result = await publisherOn(route).publish([scheduled, notRoutedType, created, notRoutedSource]);
    // Assess
    expect(result.eventIds).toHaveLength(4);
    const delivered = await receiveDeliveredEvents(sqs, route.queueUrl, 2);
    const byType = new Map(delivered.map((event) => [event["detail-type"], event]));
    expect(delivered).toHaveLength(2);
    expect(byType.get("Schedule Tick")).toMatchObject({
      source: EVENT_SOURCE,
      detail: scheduled.detail,
      resources: scheduled.resources,
      time: "2025-03-01T10:00:00Z",
      id: result.eventIds[0],
    });
    expect(byType.get("BackupSession Created")).toMatchObject({
      source: EVENT_SOURCE,
      detail: created.detail,
      id: result.eventIds[2],
    });
  });

  it("sends 25 events in 3 PutEvents calls of 10, 10 and 5, and all 25 arrive", async () => {
    // Prepare
    const route = await routeToQueue({ eventBridge, sqs }, ROUTED);
    const client = freshClient();
    const calls = recordPutEventsCalls(client);
    const clusterIds = Array.from({ length: 25 }, (_, n) => `cluster-${n}`);
    // Act
    await publisherOn(route, client).publish(clusterIds.map(tick));
    // Assess
    expect(calls.map((entries) => entries.length)).toEqual([10, 10, 5]);
    const delivered = await receiveDeliveredEvents(sqs, route.queueUrl, 25);
    expect(delivered.map((event) => event.detail.clusterId).sort()).toEqual([...clusterIds].sort());
  });

  it("splits by size: three events of 100 KB go in calls of 2 and 1, and arrive intact", async () => {
    // Prepare
    const route = await routeToQueue({ eventBridge, sqs }, ROUTED);
    const client = freshClient();
    const calls = recordPutEventsCalls(client);
    const blob = (n: number): OutgoingEvent => ({
      detailType: PAYLOAD,
      source: EVENT_SOURCE,
      detail: { n, blob: `${n}`.repeat(100 * 1024) },
    });
    // Act
    await publisherOn(route, client).publish([blob(1), blob(2), blob(3)]);
    // Assess
    expect(calls.map((entries) => entries.length)).toEqual([2, 1]);
    const delivered = await receiveDeliveredEvents(sqs, route.queueUrl, 3);
    expect(delivered.map((event) => event.detail).sort((a, b) => Number(a.n) - Number(b.n))).toEqual(
      [blob(1), blob(2), blob(3)].map((event) => event.detail),
    );
  });

  it("rejects an event over 256 KB with EventTooLargeError and sends nothing, not even the small ones", async () => {
    // Prepare
    const route = await routeToQueue({ eventBridge, sqs }, ROUTED);
    const client = freshClient();
    const calls = recordPutEventsCalls(client);
    // Detail `{"blob":"x…x"}` is 300 011 bytes; the entry adds its source and detail-type.
    const huge: OutgoingEvent = {
      detailType: PAYLOAD,
      source: EVENT_SOURCE,
      detail: { blob: "x".repeat(300_000) },
    };
    // Act
    const publishing = publisherOn(route, client).publish([tick("prod-eu"), huge]);
    // Assess
    await expect(publishing).rejects.toThrow(EventTooLargeError);
    await expect(publishing).rejects.toMatchObject({
      detailType: PAYLOAD,
      sizeBytes: 300_011 + PAYLOAD.length + EVENT_SOURCE.length,
    });
    expect(calls).toEqual([]);
    expect(await receiveDeliveredEvents(sqs, route.queueUrl, 0)).toEqual([]);
  });

  it("sends again only the entry of a partial failure, which then arrives exactly once", async () => {
    // Prepare
    const route = await routeToQueue({ eventBridge, sqs }, ROUTED);
    const client = freshClient();
    const calls = recordPutEventsCalls(client);
    throttleOnceAt(client, 1);
    const sleeps: number[] = [];
    // Act
    const result = await publisherOn(route, client, sleeps).publish([tick("a"), tick("b"), tick("c")]);
    // Assess
    expect(
      calls.map((entries) => entries.map((entry) => JSON.parse(entry.Detail ?? "{}").clusterId)),
    ).toEqual([["a", "b", "c"], ["b"]]);
    expect(result.retriedEntries).toBe(1);
    expect(sleeps).toHaveLength(1);
    const delivered = await receiveDeliveredEvents(sqs, route.queueUrl, 3);
    expect(delivered.map((event) => event.detail.clusterId).sort()).toEqual(["a", "b", "c"]);
    expect(new Set(delivered.map((event) => event.id))).toEqual(new Set(result.eventIds));
  });

  it("reports moto's own per-entry failure (empty source → InvalidArgument) without re-sending it", async () => {
    // Prepare
    const route = await routeToQueue({ eventBridge, sqs }, ROUTED);
    const client = freshClient();
    const calls = recordPutEventsCalls(client);
    const sourceless: OutgoingEvent = { ...tick("b"), source: "" };
    // Act
    const error = await publisherOn(route, client)
      .publish([tick("a"), sourceless])
      .catch((caught: unknown) => caught);
    // Assess
    expect(error).toBeInstanceOf(PublishError);
    expect(error).toMatchObject({
      publishedCount: 1,
      failures: [
        {
          index: 1,
          detailType: "Schedule Tick",
          errorCode: "InvalidArgument",
          errorMessage: expect.stringContaining("Source"),
        },
      ],
    });
    expect(calls).toHaveLength(1);
    const delivered = await receiveDeliveredEvents(sqs, route.queueUrl, 1);
    expect(delivered.map((event) => event.detail.clusterId)).toEqual(["a"]);
  });

  it("turns a call refused as a whole (unknown bus) into a PublishError that keeps the SDK error", async () => {
    const publisher = new EventBridgePublisher({ client: eventBridge, eventBusName: "no-such-bus" });
    const error = await publisher.publish([tick("a")]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PublishError);
    expect(error).toMatchObject({
      failures: [{ errorCode: "ResourceNotFoundException" }],
      publishedCount: 0,
    });
    expect((error as PublishError).cause).toMatchObject({ name: "ResourceNotFoundException" });
  });
});
