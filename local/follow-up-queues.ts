import { randomUUID } from "node:crypto";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type ReceiveMessageCommandOutput,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import {
  type FollowUp,
  type FollowUpQueue,
  type FollowUpTarget,
  followUpEnvelope,
  SqsFollowUpQueue,
} from "../shared/bus/follow-up-queue.ts";
import type { SqsRecord } from "../shared/handler/sqs-batch.ts";

/**
 * The follow-up queues of serverless.yml in the local runtime (docs/follow-ups.md#local-runtime), with the
 * cloud's semantics: a message is invisible for its DelaySeconds, then delivered in batches of up to 10 to its
 * consumer, at most 2 batches of a queue at once (the event source's maximumConcurrency); a message whose work
 * failed is delivered again after a visibility timeout, 3 receives at most (the redrive policy), then
 * dead-lettered. Two forms: `LocalDelayQueues`, in process, on the runtime's clock (what `npm start` runs, no
 * AWS needed), and `SqsFollowUpQueues`, real SQS queues (moto in the integration tests).
 */

/** Which queue of serverless.yml carries each target's follow-ups (its environment names the same). */
export const FOLLOW_UP_QUEUES: Record<FollowUpTarget, string> = {
  "reconcile-session": "SessionFollowUpQueue",
  "evaluate-failure": "RetryFollowUpQueue",
};

/** What consumes a queue: returns the message ids whose work failed (to be delivered again). */
export type QueueConsumer = (records: SqsRecord[]) => Promise<string[]>;

export interface FollowUpQueues extends FollowUpQueue {
  /** Starts delivering the queue's messages to `consumer`. */
  consume(queue: string, batchSize: number, consumer: QueueConsumer): void;
  stop(): Promise<void>;
}

/** Lambda's SQS event source: at most this many batches of one queue at once. */
const MAX_CONCURRENT_BATCHES = 2;
/** Receives before a failing message goes to the dead-letter queue (serverless.yml's maxReceiveCount). */
export const MAX_RECEIVES = 3;
/** Seconds a failed message stays invisible before it is delivered again (local stand-in). */
const LOCAL_VISIBILITY_SECONDS = 30;

interface Pending {
  record: SqsRecord;
  receives: number;
}

/** In process: timers on the runtime's time scale (`msPerSecond` real ms per second of schedule time). */
export class LocalDelayQueues implements FollowUpQueues {
  private readonly ready = new Map<string, Pending[]>();
  private readonly consumers = new Map<
    string,
    { batchSize: number; consumer: QueueConsumer; busy: number }
  >();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly now: () => Date,
    private readonly msPerSecond: number,
    private readonly onDeadLetter: (queue: string, record: SqsRecord) => void,
  ) {}

  async send(followUps: FollowUp[]): Promise<void> {
    const now = this.now();
    for (const f of followUps) {
      const record = { messageId: randomUUID(), body: JSON.stringify(followUpEnvelope(f, now)) };
      this.later(FOLLOW_UP_QUEUES[f.target], { record, receives: 0 }, f.delaySeconds);
    }
  }

  consume(queue: string, batchSize: number, consumer: QueueConsumer): void {
    this.consumers.set(queue, { batchSize, consumer, busy: 0 });
    this.drain(queue);
  }

  private later(queue: string, pending: Pending, delaySeconds: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.ready.set(queue, [...(this.ready.get(queue) ?? []), pending]);
      this.drain(queue);
    }, delaySeconds * this.msPerSecond);
    this.timers.add(timer);
  }

  private drain(queue: string): void {
    const consumer = this.consumers.get(queue);
    const ready = this.ready.get(queue) ?? [];
    if (!consumer || this.stopped) return;
    while (ready.length > 0 && consumer.busy < MAX_CONCURRENT_BATCHES) {
      const batch = ready.splice(0, consumer.batchSize);
      consumer.busy++;
      const run = this.deliver(queue, consumer.consumer, batch).finally(() => {
        consumer.busy--;
        this.running.delete(run);
        this.drain(queue);
      });
      this.running.add(run);
    }
  }

  private async deliver(queue: string, consumer: QueueConsumer, batch: Pending[]): Promise<void> {
    let failed: Set<string>;
    try {
      failed = new Set(await consumer(batch.map((p) => p.record)));
    } catch {
      failed = new Set(batch.map((p) => p.record.messageId));
    }
    for (const pending of batch.filter((p) => failed.has(p.record.messageId))) {
      const receives = pending.receives + 1;
      if (receives >= MAX_RECEIVES) this.onDeadLetter(queue, pending.record);
      else this.later(queue, { ...pending, receives }, LOCAL_VISIBILITY_SECONDS);
    }
  }

  /** Messages still waiting (delayed or ready); for tests. */
  get waiting(): number {
    return this.timers.size + [...this.ready.values()].reduce((n, r) => n + r.length, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }
}

/** Real SQS queues (moto in tests): created under unique names, polled like Lambda's event source. */
export class SqsFollowUpQueues implements FollowUpQueues {
  private readonly sender: SqsFollowUpQueue;
  private stopped = false;
  private readonly pollers = new Set<Promise<void>>();

  private constructor(
    private readonly sqs: SQSClient,
    readonly queueUrls: Record<string, string>,
  ) {
    this.sender = new SqsFollowUpQueue({
      client: sqs,
      queueUrls: {
        "reconcile-session": queueUrls[FOLLOW_UP_QUEUES["reconcile-session"]],
        "evaluate-failure": queueUrls[FOLLOW_UP_QUEUES["evaluate-failure"]],
      },
    });
  }

  static async create(sqs: SQSClient, prefix: string): Promise<SqsFollowUpQueues> {
    const urls: Record<string, string> = {};
    for (const queue of Object.values(FOLLOW_UP_QUEUES)) {
      const name = `${prefix}-${queue}`.slice(0, 80);
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
      if (!QueueUrl) throw new Error(`SQS returned no URL for queue ${name}`);
      urls[queue] = QueueUrl;
    }
    return new SqsFollowUpQueues(sqs, urls);
  }

  send(followUps: FollowUp[]): Promise<void> {
    return this.sender.send(followUps);
  }

  consume(queue: string, batchSize: number, consumer: QueueConsumer): void {
    const queueUrl = this.queueUrls[queue];
    if (!queueUrl) return;
    for (let i = 0; i < MAX_CONCURRENT_BATCHES; i++) {
      const poller = this.poll(queueUrl, batchSize, consumer);
      this.pollers.add(poller);
    }
  }

  private async poll(queueUrl: string, batchSize: number, consumer: QueueConsumer): Promise<void> {
    while (!this.stopped) {
      let messages: ReceiveMessageCommandOutput;
      try {
        messages = await this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: batchSize,
            WaitTimeSeconds: 1,
            VisibilityTimeout: LOCAL_VISIBILITY_SECONDS,
          }),
        );
      } catch {
        if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      const received = (messages.Messages ?? []).filter((m) => m.MessageId && m.ReceiptHandle);
      if (received.length === 0) continue;
      const records = received.map((m) => ({ messageId: m.MessageId ?? "", body: m.Body ?? "" }));
      let failed: Set<string>;
      try {
        failed = new Set(await consumer(records));
      } catch {
        failed = new Set(records.map((r) => r.messageId));
      }
      const done = received.filter((m) => !failed.has(m.MessageId ?? ""));
      if (done.length === 0) continue;
      const entries = done.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle }));
      await this.sqs
        .send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }))
        .catch(() => {});
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.pollers]);
  }
}
