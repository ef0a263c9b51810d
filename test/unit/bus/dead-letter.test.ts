import type { SendMessageCommand, SendMessageCommandOutput } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { type SendMessageSender, SqsDeadLetterQueue } from "../../../shared/bus/dead-letter.ts";
import { DeadLetterError } from "../../../shared/bus/errors.ts";

/** Keeps the commands it is given; fails every send when `refusal` is set. */
class RecordingSqs implements SendMessageSender {
  readonly sent: SendMessageCommand[] = [];
  constructor(private readonly refusal?: Error) {}

  async send(command: SendMessageCommand): Promise<SendMessageCommandOutput> {
    if (this.refusal) throw this.refusal;
    this.sent.push(command);
    return { $metadata: {} };
  }
}

const queueUrl = "https://sqs.eu-west-1.amazonaws.com/123456789012/kss-dead-letters";
const now = () => new Date("2025-03-01T10:00:05Z");

function sentBody(sqs: RecordingSqs): unknown {
  return JSON.parse(sqs.sent[0]?.input.MessageBody ?? "null");
}

describe("SqsDeadLetterQueue", () => {
  it("sends one message: the entry as JSON, reason and function name as attributes", async () => {
    // Prepare
    const sqs = new RecordingSqs();
    const entry = {
      reason: "invalid event",
      issues: [{ path: "detail.x", message: "bad" }],
      event: { a: 1 },
      functionName: "f",
    };
    // Act
    await new SqsDeadLetterQueue({ client: sqs, queueUrl, now }).send(entry);
    // Assess
    expect(sqs.sent).toHaveLength(1);
    expect(sqs.sent[0]?.input).toMatchObject({
      QueueUrl: queueUrl,
      MessageAttributes: {
        reason: { DataType: "String", StringValue: "invalid event" },
        functionName: { DataType: "String", StringValue: "f" },
      },
    });
    expect(sentBody(sqs)).toEqual({ ...entry, deadLetteredAt: "2025-03-01T10:00:05.000Z" });
  });

  it("escapes the code points SQS refuses (U+FFFF, controls) so that the body still parses to the same event", async () => {
    // Prepare
    const sqs = new RecordingSqs();
    const event = { text: "end\uFFFF\uFFFE", emoji: "🦀" };
    // Act
    await new SqsDeadLetterQueue({ client: sqs, queueUrl, now }).send({
      reason: "bad\u0001",
      event,
      functionName: "f",
    });
    // Assess
    const body = sqs.sent[0]?.input.MessageBody ?? "";
    expect(body).not.toMatch(/[\uFFFE\uFFFF]/);
    expect(sentBody(sqs)).toMatchObject({ event, reason: "bad\u0001" });
    expect(sqs.sent[0]?.input.MessageAttributes?.reason?.StringValue).toBe("bad\\u0001");
  });

  it("keeps an event that has no JSON form as text", async () => {
    const sqs = new RecordingSqs();
    await new SqsDeadLetterQueue({ client: sqs, queueUrl, now }).send({
      reason: "r",
      event: { n: 1n },
      functionName: "f",
    });
    expect(sentBody(sqs)).toMatchObject({ event: { unserializable: true, text: "[object Object]" } });
  });

  it("maps a refused send to DeadLetterError naming the queue and reason, keeping the SQS error", async () => {
    // Prepare
    const refusal = Object.assign(new Error("Access to the resource is denied."), { name: "AccessDenied" });
    const deadLetters = new SqsDeadLetterQueue({ client: new RecordingSqs(refusal), queueUrl, now });
    // Act
    const sending = deadLetters.send({ reason: "invalid event", event: {}, functionName: "f" });
    // Assess
    await expect(sending).rejects.toThrow(DeadLetterError);
    await expect(sending).rejects.toMatchObject({ queueUrl, reason: "invalid event", cause: refusal });
    await expect(sending).rejects.toThrow(
      /kss-dead-letters \(reason: invalid event\): Access to the resource is denied/,
    );
  });
});
