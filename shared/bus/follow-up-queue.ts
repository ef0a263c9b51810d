import { randomUUID } from "node:crypto";
import { SendMessageBatchCommand, type SendMessageBatchCommandOutput } from "@aws-sdk/client-sqs";
import { FollowUpError } from "./errors.ts";
import type { OutgoingEvent } from "./publisher.ts";

/**
 * Follow-ups (docs/follow-ups.md): an event a function sends to itself or to another function, delivered after
 * a delay. Each message body is the EventBridge envelope the consumer would get from the bus, so the same
 * handler parses it; its `id` is the follow-up's dedup key (session uid + hop), so a duplicate is recognised.
 */

/** The functions that consume follow-ups, each from its own queue. */
export type FollowUpTarget = "reconcile-session" | "evaluate-failure";

export interface FollowUp {
  target: FollowUpTarget;
  /** Deterministic: the same follow-up sent twice has the same id. */
  id: string;
  /** 0–900 (SQS's range). */
  delaySeconds: number;
  event: OutgoingEvent;
}

export interface FollowUpQueue {
  send(followUps: FollowUp[]): Promise<void>;
}

/** The envelope of a follow-up, as EventBridge would deliver the same event. */
export function followUpEnvelope(followUp: FollowUp, now: Date) {
  const { event } = followUp;
  return {
    version: "0" as const,
    id: followUp.id,
    "detail-type": event.detailType,
    source: event.source,
    account: "000000000000",
    time: (event.time ?? now).toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: "local",
    resources: event.resources ?? [],
    detail: event.detail,
  };
}

/** The part of an `SQSClient` the queue uses; its endpoint, region and credentials are the caller's. */
export interface SendMessageBatchSender {
  send(command: SendMessageBatchCommand): Promise<SendMessageBatchCommandOutput>;
}

export interface SqsFollowUpQueueOptions {
  client: SendMessageBatchSender;
  queueUrls: Record<FollowUpTarget, string | undefined>;
  now?: () => Date;
}

/** SendMessageBatch takes at most 10 entries. */
const BATCH = 10;

/** Follow-ups on SQS standard queues, one per target, with DelaySeconds per message. */
export class SqsFollowUpQueue implements FollowUpQueue {
  private readonly now: () => Date;

  constructor(private readonly options: SqsFollowUpQueueOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async send(followUps: FollowUp[]): Promise<void> {
    const byQueue = new Map<string, FollowUp[]>();
    for (const f of followUps) {
      const url = this.options.queueUrls[f.target];
      if (url === undefined) continue; // no queue configured: the sweep alone drives it
      byQueue.set(url, [...(byQueue.get(url) ?? []), f]);
    }
    for (const [queueUrl, items] of byQueue) {
      for (let i = 0; i < items.length; i += BATCH) await this.sendBatch(queueUrl, items.slice(i, i + BATCH));
    }
  }

  private async sendBatch(queueUrl: string, items: FollowUp[]): Promise<void> {
    const now = this.now();
    const entries = items.map((f) => ({
      // Batch entry ids only need to be unique within the call (and [A-Za-z0-9_-]).
      Id: randomUUID(),
      MessageBody: JSON.stringify(followUpEnvelope(f, now)),
      DelaySeconds: Math.max(0, Math.min(900, Math.round(f.delaySeconds))),
    }));
    let output: SendMessageBatchCommandOutput;
    try {
      output = await this.options.client.send(
        new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
      );
    } catch (error) {
      throw new FollowUpError(
        queueUrl,
        items.map((f) => f.id),
        { cause: error },
      );
    }
    const failed = new Set((output.Failed ?? []).map((f) => f.Id));
    if (failed.size > 0) {
      const ids = items.filter((_, i) => failed.has(entries[i]?.Id)).map((f) => f.id);
      throw new FollowUpError(queueUrl, ids, { cause: output.Failed });
    }
  }
}
