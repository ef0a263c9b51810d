import {
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from "@aws-sdk/client-eventbridge";
import { describeError, type FailedEvent, InvalidOutgoingEventError, PublishError } from "./errors.ts";
import type { EventPublisher, OutgoingEvent, PublishResult } from "./publisher.ts";
import { PUT_EVENTS_LIMITS, type PutEventsLimits, planPutEventsBatches } from "./put-events-batches.ts";

/** The part of an `EventBridgeClient` the publisher uses; its endpoint, region and credentials are the caller's. */
export interface PutEventsSender {
  send(command: PutEventsCommand): Promise<PutEventsCommandOutput>;
}

export interface EventBridgePublisherOptions {
  client: PutEventsSender;
  /** Name or ARN of the event bus every event goes to. */
  eventBusName: string;
  /** Sends of an entry that keeps failing with a retryable ErrorCode, the first included. Default 4. */
  maxAttempts?: number;
  /** Backoff before the first re-send; doubles per attempt (with jitter) up to `maxBackoffMs`. Default 100. */
  backoffMs?: number;
  maxBackoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** PutEvents limits; the defaults are EventBridge's (10 entries, 256 KB). */
  limits?: PutEventsLimits;
}

/** Per-entry ErrorCodes EventBridge documents as not retryable: sending the entry again cannot help. */
const PERMANENT_ERROR_CODES: ReadonlySet<string> = new Set([
  "AccessDeniedException",
  "InvalidAccountIdException",
  "InvalidArgument",
  "MalformedDetail",
  "RedactionFailure",
  "NotAuthorizedForSourceException",
  "NotAuthorizedForDetailTypeException",
]);

interface BatchOutcome {
  published: Map<number, string>;
  failures: FailedEvent[];
  retried: number;
  /** A PutEvents call that failed as a whole (after the SDK's own retries), with its error. */
  failedCall?: { error: unknown };
}

/**
 * Publishes events with PutEvents on one bus: all entries checked and sized before anything is sent, split
 * into calls of at most 10 entries and 256 KB, and only the entries a call reports as failed (FailedEntryCount,
 * per-entry ErrorCode) sent again, with bounded exponential backoff. Whole-call failures (network, throttling
 * of the call, a missing bus) are the SDK client's to retry; once it gives up, the publisher stops.
 */
export class EventBridgePublisher implements EventPublisher {
  private readonly client: PutEventsSender;
  private readonly eventBusName: string;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly limits: PutEventsLimits;

  constructor(options: EventBridgePublisherOptions) {
    this.client = options.client;
    this.eventBusName = options.eventBusName;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.backoffMs = options.backoffMs ?? 100;
    this.maxBackoffMs = options.maxBackoffMs ?? 2_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.limits = options.limits ?? PUT_EVENTS_LIMITS;
  }

  async publish(events: OutgoingEvent[]): Promise<PublishResult> {
    const entries = events.map((event) => this.entryOf(event));
    const batches = planPutEventsBatches(entries, this.limits);
    const published = new Map<number, string>();
    const failures: FailedEvent[] = [];
    let retriedEntries = 0;
    let failedCall: { error: unknown } | undefined;
    for (const batch of batches) {
      if (failedCall !== undefined) {
        const why = "not sent: an earlier PutEvents call of this publish failed";
        failures.push(...batch.indexes.map((index) => failureOf(entries, index, "NotSent", why)));
        continue;
      }
      const outcome = await this.putBatch(entries, batch.indexes);
      for (const [index, eventId] of outcome.published) published.set(index, eventId);
      failures.push(...outcome.failures);
      retriedEntries += outcome.retried;
      failedCall = outcome.failedCall;
    }
    if (failures.length > 0) {
      const options = failedCall === undefined ? undefined : { cause: failedCall.error };
      throw new PublishError(this.eventBusName, failures, published.size, options);
    }
    const eventIds = events.map((_, index) => published.get(index) ?? "");
    return { eventIds, retriedEntries };
  }

  /** Sends the entries at `indexes`, then again those that failed with a retryable code, up to maxAttempts. */
  private async putBatch(entries: PutEventsRequestEntry[], indexes: number[]): Promise<BatchOutcome> {
    const outcome: BatchOutcome = { published: new Map(), failures: [], retried: 0 };
    let pending = indexes;
    for (let attempt = 1; pending.length > 0; attempt++) {
      let results: PutEventsResultEntry[];
      try {
        const command = new PutEventsCommand({ Entries: pending.map((index) => entryAt(entries, index)) });
        results = (await this.client.send(command)).Entries ?? [];
      } catch (error) {
        const { name, message } = describeError(error);
        outcome.failures.push(...pending.map((index) => failureOf(entries, index, name, message)));
        outcome.failedCall = { error };
        return outcome;
      }
      const retry: number[] = [];
      pending.forEach((index, position) => {
        const result = results[position];
        if (result?.EventId && !result.ErrorCode) {
          outcome.published.set(index, result.EventId);
          return;
        }
        const code = result?.ErrorCode || "MissingResult";
        const message = result?.ErrorMessage ?? "PutEvents returned no event id for this entry";
        if (attempt < this.maxAttempts && !PERMANENT_ERROR_CODES.has(code)) retry.push(index);
        else outcome.failures.push(failureOf(entries, index, code, attemptsNote(message, attempt)));
      });
      if (retry.length > 0) {
        outcome.retried += retry.length;
        await this.sleep(this.backoffFor(attempt));
      }
      pending = retry;
    }
    return outcome;
  }

  private backoffFor(attempt: number): number {
    const ceiling = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** (attempt - 1));
    return Math.round(ceiling * (0.5 + Math.random() / 2));
  }

  private entryOf(event: OutgoingEvent): PutEventsRequestEntry {
    let detail: string;
    try {
      detail = JSON.stringify(event.detail);
    } catch (error) {
      const { message } = describeError(error);
      throw new InvalidOutgoingEventError(event.detailType, [{ path: "", message: `not JSON: ${message}` }], {
        cause: error,
      });
    }
    return {
      EventBusName: this.eventBusName,
      Source: event.source,
      DetailType: event.detailType,
      Detail: detail,
      ...(event.resources === undefined ? {} : { Resources: event.resources }),
      ...(event.time === undefined ? {} : { Time: event.time }),
    };
  }
}

function entryAt(entries: PutEventsRequestEntry[], index: number): PutEventsRequestEntry {
  const entry = entries[index];
  if (entry === undefined) throw new RangeError(`no PutEvents entry at ${index}`);
  return entry;
}

function failureOf(
  entries: PutEventsRequestEntry[],
  index: number,
  code: string,
  message: string,
): FailedEvent {
  const detailType = entries[index]?.DetailType ?? "(no detail-type)";
  return { index, detailType, errorCode: code, errorMessage: message };
}

function attemptsNote(message: string, attempts: number): string {
  return attempts > 1 ? `${message} (after ${attempts} attempts)` : message;
}
