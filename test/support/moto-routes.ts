import { randomUUID } from "node:crypto";
import {
  CreateEventBusCommand,
  type EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from "@aws-sdk/client-eventbridge";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { inject } from "vitest";
import { z } from "zod";

/**
 * Buses, rules and queues on moto for bus tests: an event bus whose rule sends matching events to a fresh SQS
 * queue, and bounded long-polling reads of what arrived. Names are unique per call, so tests never share.
 */

/** The endpoint of the run's moto server (test/integration/global-setup-moto.ts), or a clear error. */
export function motoEndpoint(): string {
  const moto = inject("moto");
  if (moto === undefined) {
    throw new Error(
      "no moto server in this run: register ./test/integration/global-setup-moto.ts as a globalSetup",
    );
  }
  return moto.endpoint;
}

export const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/** An event as EventBridge delivers it to an SQS target. */
export const DeliveredEvent = z.looseObject({
  id: z.string(),
  "detail-type": z.string(),
  source: z.string(),
  time: z.string(),
  resources: z.array(z.string()),
  detail: z.record(z.string(), z.unknown()),
});
export type DeliveredEvent = z.infer<typeof DeliveredEvent>;

export interface Route {
  busName: string;
  queueUrl: string;
}

export async function createQueue(sqs: SQSClient, name = uniqueName("kss-test")): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  if (QueueUrl === undefined) throw new Error(`moto returned no URL for queue ${name}`);
  return QueueUrl;
}

/** A new bus with one rule (pattern on source and detail-type) whose target is a new queue. */
export async function routeToQueue(
  clients: { eventBridge: EventBridgeClient; sqs: SQSClient },
  pattern: { sources: string[]; detailTypes: string[] },
): Promise<Route> {
  const busName = uniqueName("kss-bus");
  await clients.eventBridge.send(new CreateEventBusCommand({ Name: busName }));
  const queueUrl = await createQueue(clients.sqs);
  const attributes = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
  );
  const queueArn = attributes.Attributes?.QueueArn;
  if (queueArn === undefined) throw new Error(`moto returned no ARN for ${queueUrl}`);
  const ruleName = uniqueName("kss-rule");
  const eventPattern = JSON.stringify({ source: pattern.sources, "detail-type": pattern.detailTypes });
  await clients.eventBridge.send(
    new PutRuleCommand({ Name: ruleName, EventBusName: busName, EventPattern: eventPattern }),
  );
  await clients.eventBridge.send(
    new PutTargetsCommand({
      Rule: ruleName,
      EventBusName: busName,
      Targets: [{ Id: "queue", Arn: queueArn }],
    }),
  );
  return { busName, queueUrl };
}

/**
 * Long-polls `queueUrl` until `count` messages arrived or `timeoutMs` passed, deleting what it read so nothing
 * comes back after its visibility timeout. Returns what arrived, which may be fewer than `count`.
 */
export async function receiveMessages(
  sqs: SQSClient,
  queueUrl: string,
  count: number,
  options: { timeoutMs?: number; attributes?: boolean } = {},
): Promise<Message[]> {
  const received: Message[] = [];
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  while (received.length < count && Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        ...(options.attributes ? { MessageAttributeNames: ["All"] } : {}),
      }),
    );
    if (Messages.length === 0) continue;
    received.push(...Messages);
    const entries = Messages.map((message, n) => ({ Id: String(n), ReceiptHandle: message.ReceiptHandle }));
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
  }
  return received;
}

/** The events EventBridge delivered to the queue: waits for `count`, then checks for 1 s that no more come. */
export async function receiveDeliveredEvents(
  sqs: SQSClient,
  queueUrl: string,
  count: number,
): Promise<DeliveredEvent[]> {
  const messages = await receiveMessages(sqs, queueUrl, count);
  const extra = await receiveMessages(sqs, queueUrl, 1, { timeoutMs: 1_000 });
  return [...messages, ...extra].map((message) => DeliveredEvent.parse(JSON.parse(message.Body ?? "null")));
}
