import { SQSClient } from "@aws-sdk/client-sqs";
import { beforeAll, describe, expect, it } from "vitest";
import { SqsDeadLetterQueue } from "../../shared/bus/dead-letter.ts";
import { DeadLetterError } from "../../shared/bus/errors.ts";
import { motoClientConfig } from "../support/moto.ts";
import { createQueue, motoEndpoint, receiveMessages } from "../support/moto-routes.ts";

let sqs: SQSClient;

beforeAll(() => {
  sqs = new SQSClient(motoClientConfig(motoEndpoint()));
});

/** An EventBridge envelope whose detail misses `tickTime`, as a handler would receive it. */
const malformedTick = {
  version: "0",
  id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "Schedule Tick",
  source: "kubestash-serverless",
  detail: { version: "1", clusterId: "prod-eu", note: "é€🦀" },
};

describe("SqsDeadLetterQueue on moto", () => {
  it("sends the entry as JSON, with its reason and function name as message attributes", async () => {
    // Prepare
    const queueUrl = await createQueue(sqs);
    const deadLetters = new SqsDeadLetterQueue({
      client: sqs,
      queueUrl,
      now: () => new Date("2025-03-01T10:00:05Z"),
    });
    const entry = {
      reason: 'invalid event "Schedule Tick"',
      issues: [{ path: "detail.tickTime", message: "Invalid input: expected string, received undefined" }],
      event: malformedTick,
      functionName: "kss-create-sessions",
    };
    // Act
    await deadLetters.send(entry);
    // Assess
    const [message, ...more] = await receiveMessages(sqs, queueUrl, 1, { attributes: true });
    expect(more).toEqual([]);
    expect(message?.MessageAttributes?.reason).toEqual({ DataType: "String", StringValue: entry.reason });
    expect(message?.MessageAttributes?.functionName).toEqual({
      DataType: "String",
      StringValue: "kss-create-sessions",
    });
    expect(JSON.parse(message?.Body ?? "null")).toEqual({
      ...entry,
      deadLetteredAt: "2025-03-01T10:00:05.000Z",
    });
  });

  it("keeps the start of an event too large for one SQS message, marked truncated", async () => {
    // Prepare
    const queueUrl = await createQueue(sqs);
    const deadLetters = new SqsDeadLetterQueue({ client: sqs, queueUrl });
    const huge = { ...malformedTick, detail: { blob: "x".repeat(300_000) } };
    // Act
    await deadLetters.send({ reason: "event too large", event: huge, functionName: "kss-reconcile-session" });
    // Assess
    const [message] = await receiveMessages(sqs, queueUrl, 1);
    const body = JSON.parse(message?.Body ?? "null");
    expect(body.event).toMatchObject({ truncated: true, originalBytes: JSON.stringify(huge).length });
    expect(body.event.jsonPrefix.startsWith('{"version":"0"')).toBe(true);
    expect(body.reason).toBe("event too large");
  });

  it("raises DeadLetterError, keeping the SQS error, when the queue does not exist", async () => {
    const queueUrl = `${motoEndpoint()}/123456789012/no-such-queue`;
    const deadLetters = new SqsDeadLetterQueue({ client: sqs, queueUrl });
    const sending = deadLetters.send({ reason: "r", event: {}, functionName: "f" });
    await expect(sending).rejects.toThrow(DeadLetterError);
    await expect(sending).rejects.toMatchObject({ queueUrl, reason: "r", cause: expect.anything() });
  });
});
