import { randomUUID } from "node:crypto";
import type { EventPublisher, OutgoingEvent, PublishResult } from "../shared/bus/publisher.ts";
import { matchesPattern } from "./event-pattern.ts";
import type { FunctionWiring } from "./wiring.ts";

/**
 * The local stand-in for the EventBridge bus: `publish` wraps each event in the envelope EventBridge would
 * deliver and hands it to every function whose serverless.yml pattern matches, asynchronously (as an
 * asynchronous Lambda invocation), in the order published.
 */

export interface EventEnvelope {
  version: "0";
  id: string;
  "detail-type": string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: object;
}

export type Deliver = (functionName: string, envelope: EventEnvelope) => Promise<void>;

export class LocalBus implements EventPublisher {
  private pending = new Set<Promise<void>>();
  readonly published: Array<{ envelope: EventEnvelope; targets: string[] }> = [];

  constructor(
    private readonly wiring: FunctionWiring[],
    private readonly deliver: Deliver,
    private readonly now: () => Date,
    private readonly onEvent: (envelope: EventEnvelope, targets: string[]) => void = () => {},
  ) {}

  async publish(events: OutgoingEvent[]): Promise<PublishResult> {
    const eventIds: string[] = [];
    for (const event of events) {
      const envelope = this.envelope(event);
      eventIds.push(envelope.id);
      this.dispatch(envelope);
    }
    return { eventIds, retriedEntries: 0 };
  }

  /** Delivers an envelope as EventBridge would: to each function whose pattern matches. */
  dispatch(envelope: EventEnvelope): string[] {
    const targets = this.wiring
      .filter((w) => w.patterns.some((p) => matchesPattern(p, envelope)))
      .map((w) => w.name);
    this.dispatchTo(targets, envelope);
    return targets;
  }

  /** Delivers an envelope to the named functions (a scheduled rule names its one target). */
  dispatchTo(targets: string | string[], envelope: EventEnvelope): void {
    targets = [targets].flat();
    this.published.push({ envelope, targets });
    this.onEvent(envelope, targets);
    for (const target of targets) {
      const delivery = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => this.deliver(target, envelope))
        .finally(() => this.pending.delete(delivery));
      this.pending.add(delivery);
    }
  }

  envelope(event: OutgoingEvent): EventEnvelope {
    return {
      version: "0",
      id: randomUUID(),
      "detail-type": event.detailType,
      source: event.source,
      account: "000000000000",
      time: (event.time ?? this.now()).toISOString().replace(/\.\d{3}Z$/, "Z"),
      region: "local",
      resources: event.resources ?? [],
      detail: event.detail,
    };
  }

  /** Resolves when every delivery so far (and those they caused) has finished. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
